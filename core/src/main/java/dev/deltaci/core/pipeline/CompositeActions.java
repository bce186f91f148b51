package dev.deltaci.core.pipeline;

import dev.deltaci.core.expr.Expr;
import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.Rewrite;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * A step's {@code uses: ./path/to/action}: a composite action of the same repository
 * ({@code action.yml} with {@code runs: {using: composite, steps}}), inlined into the job as
 * its steps. As on GitHub: {@code inputs.<name>} in the action is the caller's {@code with:}
 * value (or the input's default), the action's step ids are its own (renamed
 * {@code <caller id>__<id>} so they cannot meet the job's), the caller's {@code if:},
 * {@code env}, {@code continue-on-error} and {@code timeout-minutes} apply to each of its steps, and its
 * {@code outputs} are the caller's {@code steps.<id>.outputs}, written by one last step.
 * Problems inside the action are told at its own file and line.
 */
final class CompositeActions extends YamlReader {

    /** GitHub's limit on actions within actions; also what stops an action that uses itself. */
    static final int MAX_DEPTH = 10;
    static final List<String> ACTION_KEYS = List.of("name", "description", "author", "inputs", "outputs", "runs", "branding");
    static final List<String> CALLER_KEYS = List.of("name", "id", "if", "uses", "with", "env", "continue-on-error",
            "timeout-minutes");

    private final Function<String, Optional<Node>> load;
    private int serial;

    CompositeActions(String file, List<ConfigProblem> problems, Function<String, Optional<Node>> load) {
        super(file, problems);
        this.load = load;
    }

    static boolean isLocal(String uses) {
        return uses.startsWith("./");
    }

    /**
     * The steps that {@code step} (a {@code uses: ./...} step, already read as {@code fields})
     * stands for, as step nodes to read like any other; empty when the action cannot be used
     * (its problem is reported).
     */
    List<Node> expand(Node step, Map<String, NodeTuple> fields, String where, int depth) {
        String uses = ((ScalarNode) fields.get("uses").getValueNode()).getValue().strip();
        Node usesNode = fields.get("uses").getValueNode();
        String dir = uses.substring(2).replaceAll("/+$", "");
        if (dir.isEmpty() || dir.startsWith("/") || List.of(dir.split("/")).contains("..") || dir.contains("@")) {
            problem(usesNode, where + ": 'uses: " + uses + "' must name a directory of this repository, without '..' or '@'");
            return List.of();
        }
        if (depth >= MAX_DEPTH) {
            problem(usesNode, where + ": 'uses: " + uses + "' is " + depth + " actions deep; at most " + MAX_DEPTH
                    + " (does an action use itself?)");
            return List.of();
        }
        for (String key : fields.keySet()) {
            if (!CALLER_KEYS.contains(key)) {
                problem(fields.get(key).getKeyNode(), where + " has '" + key + "', which a step that uses an action "
                        + "does not take; expected: " + String.join(", ", CALLER_KEYS));
            }
        }
        String actionFile = dir + "/action.yml";
        Optional<Node> loaded = load.apply(actionFile);
        if (loaded.isEmpty()) {
            actionFile = dir + "/action.yaml";
            loaded = load.apply(actionFile);
        }
        if (loaded.isEmpty()) {
            problem(usesNode, where + ": 'uses: " + uses + "': this commit has no " + dir + "/action.yml (nor action.yaml)");
            return List.of();
        }
        String at = "action " + uses;
        Map<String, NodeTuple> action = mapping(loaded.get(), at, ACTION_KEYS);
        if (action == null) {
            return List.of();
        }
        // other kinds of action have other keys here (main:, image:): only a composite's are checked
        Map<String, NodeTuple> runs = action.containsKey("runs") ? mapping(action.get("runs").getValueNode(), at + " 'runs'",
                null) : null;
        String using = runs == null || !runs.containsKey("using") ? null : scalar(runs.get("using").getValueNode(), at + " using");
        if ("composite".equals(using)) {
            runs = mapping(action.get("runs").getValueNode(), at + " 'runs'", List.of("using", "steps"));
        }
        if (runs == null || !"composite".equals(using) || !runs.containsKey("steps")) {
            problem(usesNode, where + ": 'uses: " + uses + "' is " + (using == null ? "not a composite action"
                    : "a '" + using + "' action") + "; Delta CI runs composite actions of the repository "
                    + "('runs: {using: composite, steps: [...]}'), whose steps are 'run:' steps");
            return List.of();
        }
        Map<String, Expr> inputs = inputs(action, fields, at, where, usesNode);
        if (inputs == null) {
            return List.of();
        }
        String callerId = fields.containsKey("id") ? ((ScalarNode) fields.get("id").getValueNode()).getValue() : null;
        String prefix = (callerId != null ? callerId : "_action" + (++serial)) + "__";
        if (!(runs.get("steps").getValueNode() instanceof SequenceNode innerSteps)) {
            problem(runs.get("steps").getValueNode(), at + " 'runs.steps' must be a list of steps");
            return List.of();
        }
        java.util.Set<String> innerIds = new java.util.HashSet<>();
        for (Node inner : innerSteps.getValue()) {
            if (inner instanceof MappingNode map) {
                scalarOf(map, "id").ifPresent(innerIds::add);
            }
        }
        Function<Expr.Path, Optional<Expr>> replace = path -> replacement(path, inputs, innerIds, prefix);
        String label = fields.containsKey("name") ? ((ScalarNode) fields.get("name").getValueNode()).getValue() : uses;
        List<Node> expanded = new ArrayList<>();
        for (Node inner : innerSteps.getValue()) {
            Node rewritten = Inlined.rewrite(inner, replace);
            if (rewritten instanceof MappingNode map) {
                expanded.add(asCallersStep(map, fields, prefix, label));
            } else {
                expanded.add(rewritten); // not a mapping: reported as any malformed step is
            }
        }
        if (callerId != null) {
            // the caller's id names this last step: steps.<id>.outputs and .outcome, as for the action on GitHub
            expanded.add(outputsStep(action.containsKey("outputs") ? action.get("outputs").getValueNode() : null,
                    step, fields, callerId, at, replace));
        }
        return expanded;
    }

    /** The value each input has for this use: the caller's {@code with:}, else the input's default, else empty. */
    private Map<String, Expr> inputs(Map<String, NodeTuple> action, Map<String, NodeTuple> caller, String at, String where,
                                     Node usesNode) {
        Map<String, NodeTuple> declared = action.containsKey("inputs")
                ? mapping(action.get("inputs").getValueNode(), at + " 'inputs'", null) : Map.of();
        Map<String, NodeTuple> given = caller.containsKey("with")
                ? mapping(caller.get("with").getValueNode(), where + " 'with'", null) : Map.of();
        if (declared == null || given == null) {
            return null;
        }
        Map<String, Expr> values = new LinkedHashMap<>();
        boolean ok = true;
        for (Map.Entry<String, NodeTuple> input : declared.entrySet()) {
            Map<String, NodeTuple> spec = input.getValue().getValueNode() instanceof MappingNode
                    ? mapping(input.getValue().getValueNode(), at + " input '" + input.getKey() + "'",
                    List.of("description", "required", "default", "deprecationMessage")) : Map.of();
            NodeTuple value = given.get(input.getKey());
            NodeTuple fallback = spec == null ? null : spec.get("default");
            boolean required = spec != null && spec.containsKey("required")
                    && bool(spec.get("required").getValueNode(), at + " input '" + input.getKey() + "' required");
            if (value == null && fallback == null && required) {
                problem(usesNode, where + ": action input '" + input.getKey() + "' is required; give it under 'with:'");
                ok = false;
                continue;
            }
            NodeTuple source = value != null ? value : fallback;
            String text = source == null ? "" : scalar(source.getValueNode(), where + " with '" + input.getKey() + "'");
            try {
                values.put(input.getKey().toLowerCase(Locale.ROOT), Rewrite.valueOf(text == null ? "" : text));
            } catch (ExpressionException e) {
                problem(source.getValueNode(), where + " with '" + input.getKey() + "': " + e.getMessage());
                ok = false;
            }
        }
        ok &= onlyDeclared(given, declared, where, at);
        return ok ? values : null;
    }

    /** {@code inputs.<name>} is the input's value; {@code steps.<id>} of the action's own steps, renamed. */
    private static Optional<Expr> replacement(Expr.Path path, Map<String, Expr> inputs, java.util.Set<String> innerIds,
                                              String prefix) {
        String first = path.keys().isEmpty() || !(path.keys().get(0) instanceof Expr.Literal literal)
                || !(literal.value() instanceof String name) ? null : name;
        if (path.context().equals("inputs") && first != null && inputs.containsKey(first.toLowerCase(Locale.ROOT))) {
            Expr value = inputs.get(first.toLowerCase(Locale.ROOT));
            return Optional.of(path.keys().size() == 1 ? value : new Expr.Member(value, path.keys().subList(1, path.keys().size())));
        }
        if (path.context().equals("steps") && first != null && innerIds.contains(first)) {
            List<Expr> keys = new ArrayList<>(path.keys());
            keys.set(0, new Expr.Literal(prefix + first));
            return Optional.of(new Expr.Path("steps", keys, path.offset()));
        }
        return Optional.empty();
    }

    /** An inner step as a step of the caller's job: ids renamed, the caller's if, env and continue-on-error on it. */
    private Node asCallersStep(MappingNode inner, Map<String, NodeTuple> caller, String prefix, String label) {
        List<NodeTuple> tuples = new ArrayList<>();
        boolean hasIf = false;
        boolean hasEnv = false;
        for (NodeTuple tuple : inner.getValue()) {
            String key = tuple.getKeyNode() instanceof ScalarNode k ? k.getValue() : "";
            Node value = tuple.getValueNode();
            switch (key) {
                case "id" -> value = value instanceof ScalarNode s ? Inlined.scalar(prefix + s.getValue(), s) : value;
                case "name" -> value = value instanceof ScalarNode s ? Inlined.scalar(label + " / " + s.getValue(), s) : value;
                case "if" -> {
                    hasIf = true;
                    if (caller.containsKey("if") && value instanceof ScalarNode s) {
                        value = Inlined.both(caller.get("if").getValueNode(), s);
                    }
                }
                case "env" -> {
                    hasEnv = true;
                    value = caller.containsKey("env") ? Inlined.mergedUnder(caller.get("env").getValueNode(), value) : value;
                }
                default -> {
                    // kept as the action wrote it
                }
            }
            tuples.add(new NodeTuple(tuple.getKeyNode(), value));
        }
        if (!hasIf && caller.containsKey("if")) {
            tuples.add(caller.get("if"));
        }
        if (!hasEnv && caller.containsKey("env")) {
            tuples.add(caller.get("env"));
        }
        if (caller.containsKey("continue-on-error")) {
            tuples.removeIf(t -> t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("continue-on-error"));
            tuples.add(caller.get("continue-on-error"));
        }
        if (caller.containsKey("timeout-minutes") && tuples.stream().noneMatch(t -> t.getKeyNode() instanceof ScalarNode k
                && k.getValue().equals("timeout-minutes"))) {
            tuples.add(caller.get("timeout-minutes")); // each of its steps, at most the action's limit
        }
        return new MappingNode(inner.getTag(), true, tuples, inner.getFlowStyle(), inner.getStartMark(), inner.getEndMark());
    }

    /**
     * A last step, with the caller's id, that writes the action's outputs ({@code value:} of each,
     * rendered by the runner) to {@code $GITHUB_OUTPUT}: later steps read {@code steps.<id>.outputs}.
     */
    private Node outputsStep(Node outputsNode, Node step, Map<String, NodeTuple> caller, String callerId, String at,
                             Function<Expr.Path, Optional<Expr>> replace) {
        Map<String, NodeTuple> outputs = outputsNode == null ? Map.of() : mapping(outputsNode, at + " 'outputs'", null);
        outputsNode = outputsNode == null ? step : outputsNode;
        List<NodeTuple> env = new ArrayList<>();
        StringBuilder run = new StringBuilder();
        int i = 0;
        for (Map.Entry<String, NodeTuple> output : (outputs == null ? Map.<String, NodeTuple>of() : outputs).entrySet()) {
            Map<String, NodeTuple> spec = mapping(output.getValue().getValueNode(), at + " output '" + output.getKey() + "'",
                    List.of("description", "value"));
            if (spec == null || !spec.containsKey("value")) {
                problem(output.getValue().getKeyNode(), at + " output '" + output.getKey() + "' needs a 'value'");
                continue;
            }
            String variable = "DELTA_ACTION_OUTPUT_" + (++i);
            env.add(new NodeTuple(Inlined.scalar(variable, outputsNode), Inlined.rewrite(spec.get("value").getValueNode(), replace)));
            // a heredoc, so a value of several lines is one output
            run.append("{ echo '").append(output.getKey()).append("<<DELTA_ACTION_OUTPUT_EOF'; printf '%s\\n' \"$")
                    .append(variable).append("\"; echo 'DELTA_ACTION_OUTPUT_EOF'; } >> \"$GITHUB_OUTPUT\"\n");
        }
        List<NodeTuple> last = new ArrayList<>();
        last.add(new NodeTuple(Inlined.scalar("name", outputsNode), Inlined.scalar(at.substring("action ".length())
                + (env.isEmpty() ? " done" : " outputs"), outputsNode)));
        last.add(new NodeTuple(Inlined.scalar("id", outputsNode), Inlined.scalar(callerId, outputsNode)));
        if (caller.containsKey("if")) {
            last.add(caller.get("if"));
        }
        if (!env.isEmpty()) {
            last.add(new NodeTuple(Inlined.scalar("env", outputsNode), new MappingNode(Tag.MAP, true, env, FlowStyle.BLOCK,
                    outputsNode.getStartMark(), outputsNode.getEndMark())));
        }
        // its own shell and directory: the job's defaults.run are for the job's steps
        last.add(new NodeTuple(Inlined.scalar("shell", outputsNode), Inlined.scalar("bash", outputsNode)));
        last.add(new NodeTuple(Inlined.scalar("working-directory", outputsNode), Inlined.scalar(".", outputsNode)));
        last.add(new NodeTuple(Inlined.scalar("run", outputsNode), Inlined.scalar(env.isEmpty() ? "true" : run.toString(), outputsNode)));
        return new MappingNode(Tag.MAP, true, last, FlowStyle.BLOCK, outputsNode.getStartMark(), outputsNode.getEndMark());
    }

    private static Optional<String> scalarOf(MappingNode map, String key) {
        for (NodeTuple tuple : map.getValue()) {
            if (tuple.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key) && tuple.getValueNode() instanceof ScalarNode v) {
                return Optional.of(v.getValue());
            }
        }
        return Optional.empty();
    }
}
