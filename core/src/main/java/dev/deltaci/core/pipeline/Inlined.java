package dev.deltaci.core.pipeline;

import dev.deltaci.core.expr.Expr;
import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.Rewrite;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * YAML nodes made for what a pipeline takes from its repository (composite actions, reusable
 * workflows): rewritten, merged and joined where they were written, so a problem with one still
 * points at its file and line.
 */
final class Inlined {

    private Inlined() {
    }

    /** The node with every scalar's expressions rewritten (keys kept), marks kept: problems point into the action. */
    static Node rewrite(Node node, Function<Expr.Path, Optional<Expr>> replace) {
        if (node instanceof ScalarNode scalar) {
            try {
                String text = Rewrite.template(scalar.getValue(), replace);
                return text.equals(scalar.getValue()) ? scalar : scalar(text, scalar);
            } catch (ExpressionException e) {
                return scalar; // left as written: reading it reports the problem
            }
        }
        if (node instanceof MappingNode mapping) {
            List<NodeTuple> tuples = new ArrayList<>();
            for (NodeTuple tuple : mapping.getValue()) {
                Node value = tuple.getValueNode();
                boolean isCondition = tuple.getKeyNode() instanceof ScalarNode key && key.getValue().equals("if")
                        && value instanceof ScalarNode;
                tuples.add(new NodeTuple(tuple.getKeyNode(), isCondition ? condition((ScalarNode) value, replace)
                        : rewrite(value, replace)));
            }
            return new MappingNode(mapping.getTag(), true, tuples, mapping.getFlowStyle(), mapping.getStartMark(),
                    mapping.getEndMark());
        }
        if (node instanceof SequenceNode sequence) {
            return new SequenceNode(sequence.getTag(), true, sequence.getValue().stream().map(n -> rewrite(n, replace)).toList(),
                    sequence.getFlowStyle(), sequence.getStartMark(), sequence.getEndMark());
        }
        return node;
    }

    private static Node condition(ScalarNode value, Function<Expr.Path, Optional<Expr>> replace) {
        try {
            return scalar(Rewrite.condition(value.getValue(), replace), value);
        } catch (ExpressionException e) {
            return value;
        }
    }

    /** {@code outer}'s entries under {@code inner}'s (an env, say: the inner one's values win). */
    static Node mergedUnder(Node outer, Node inner) {
        if (!(outer instanceof MappingNode o) || !(inner instanceof MappingNode i)) {
            return inner;
        }
        Map<String, NodeTuple> all = new LinkedHashMap<>();
        for (NodeTuple t : o.getValue()) {
            all.put(((ScalarNode) t.getKeyNode()).getValue(), t);
        }
        for (NodeTuple t : i.getValue()) {
            all.put(t.getKeyNode() instanceof ScalarNode k ? k.getValue() : "", t);
        }
        return new MappingNode(i.getTag(), true, new ArrayList<>(all.values()), i.getFlowStyle(), i.getStartMark(), i.getEndMark());
    }

    /** {@code (caller) && (own)}: two {@code if:}s, bare or in {@code ${{ }}}, that must both hold. */
    static ScalarNode both(Node caller, ScalarNode own) {
        return scalar("(" + bare(((ScalarNode) caller).getValue()) + ") && (" + bare(own.getValue()) + ")", own);
    }

    static String bare(String condition) {
        String text = condition.strip();
        return text.startsWith("${{") && text.endsWith("}}") ? text.substring(3, text.length() - 2).strip() : text;
    }

    /** A text node marked where {@code at} is (a problem with it points there). */
    static ScalarNode scalar(String text, Node at) {
        return new ScalarNode(Tag.STR, true, text, ScalarStyle.PLAIN, at.getStartMark(), at.getEndMark());
    }
}
