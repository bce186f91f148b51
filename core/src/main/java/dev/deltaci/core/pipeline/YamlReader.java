package dev.deltaci.core.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reading a YAML node tree while collecting problems, each at the line and column of the node
 * it is about. The pipeline parser and its section readers share one list of problems.
 */
abstract class YamlReader {

    protected static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    protected final String file;
    protected final List<ConfigProblem> problems;

    protected YamlReader(String file, List<ConfigProblem> problems) {
        this.file = file;
        this.problems = problems;
    }

    /**
     * GitHub Actions keys Delta CI does not take yet, and what to do instead: said where one is
     * met, instead of "unknown key".
     */
    static final Map<String, String> NOT_YET = Map.of(
            "environment", "deployment 'environment's (their own secrets and required approvals) are not supported "
                    + "yet; a job's secrets are the repository's, and nothing waits for an approval",
            "volumes", "a service's 'volumes' are not taken: mounting the runner's disk would reach past the job",
            "credentials", "registry 'credentials' for a service's image are not supported yet; use an image the "
                    + "runner's Docker can pull");

    /** A mapping's entries by key, in file order; unknown and duplicate keys are problems. */
    protected Map<String, NodeTuple> mapping(Node node, String where, List<String> allowedKeys) {
        if (!(node instanceof MappingNode mapping)) {
            problem(node, where + " must be a mapping, found " + describe(node));
            return null;
        }
        Map<String, NodeTuple> entries = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                problem(tuple.getKeyNode(), where + " has a key that is not a plain string");
                continue;
            }
            String key = keyNode.getValue();
            if (entries.containsKey(key)) {
                problem(keyNode, where + " has '" + key + "' twice");
            } else if (allowedKeys != null && !allowedKeys.contains(key) && NOT_YET.containsKey(key)) {
                problem(keyNode, where + " has '" + key + "': " + NOT_YET.get(key));
            } else if (allowedKeys != null && !allowedKeys.contains(key)) {
                String suggestion = closest(key, allowedKeys);
                problem(keyNode, where + " has unknown key '" + key + "'"
                        + (suggestion == null ? "" : " (did you mean '" + suggestion + "'?)")
                        + "; expected one of: " + String.join(", ", allowedKeys));
            } else {
                entries.put(key, tuple);
            }
        }
        return entries;
    }

    /** The allowed key within edit distance 2 of a misspelt one, if there is exactly one best. */
    private static String closest(String key, List<String> allowed) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : allowed) {
            int distance = editDistance(key, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /**
     * A caller's {@code with:} names only inputs that {@code owner} (an action, a workflow)
     * declares: each other name is a problem at its key. Returns whether all were declared.
     */
    protected boolean onlyDeclared(Map<String, NodeTuple> given, Map<String, NodeTuple> declared, String where,
                                   String owner) {
        boolean ok = true;
        for (Map.Entry<String, NodeTuple> entry : given.entrySet()) {
            if (!declared.containsKey(entry.getKey())) {
                problem(entry.getValue().getKeyNode(), where + " 'with' has '" + entry.getKey() + "', which " + owner
                        + " does not declare; its inputs: "
                        + (declared.isEmpty() ? "none" : String.join(", ", declared.keySet())));
                ok = false;
            }
        }
        return ok;
    }

    /** The value node of {@code key} in a mapping (where a problem with that value is), else the mapping itself. */
    protected static Node valueOf(Node mapping, String key) {
        if (mapping instanceof MappingNode map) {
            for (NodeTuple tuple : map.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode name && name.getValue().equals(key)) {
                    return tuple.getValueNode();
                }
            }
        }
        return mapping;
    }

    protected String scalar(Node node, String where) {
        if (node instanceof ScalarNode s) {
            return s.getValue();
        }
        problem(node, where + " must be a string, found " + describe(node));
        return null;
    }

    protected List<String> stringOrList(Node node, String where) {
        if (node instanceof ScalarNode s) {
            return List.of(s.getValue());
        }
        if (node instanceof SequenceNode sequence) {
            List<String> values = new ArrayList<>();
            for (Node item : sequence.getValue()) {
                String value = scalar(item, where + " entry");
                if (value != null) {
                    values.add(value);
                }
            }
            return values;
        }
        problem(node, where + " must be a job id or a list of job ids, found " + describe(node));
        return List.of();
    }

    protected boolean bool(Node node, String where) {
        String text = scalar(node, where);
        if ("true".equals(text)) {
            return true;
        }
        if (!"false".equals(text) && text != null) {
            problem(node, where + " must be true or false, found '" + text + "'");
        }
        return false;
    }

    protected static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        if (node instanceof ScalarNode s) {
            return s.getValue().isEmpty() ? "nothing" : "'" + s.getValue() + "'";
        }
        return "something else";
    }

    protected void problem(Node node, String message) {
        add(node, message, false);
    }

    /** Something Delta takes differently from GitHub Actions, told by lint; it does not stop the file. */
    protected void note(Node node, String message) {
        add(node, message, true);
    }

    private void add(Node node, String message, boolean note) {
        Mark mark = node == null ? null : node.getStartMark().orElse(null);
        // a node read from another file (a composite action, a reusable workflow) is told with that file
        String where = mark == null || mark.getName() == null || mark.getName().isEmpty() ? file : mark.getName();
        problems.add(new ConfigProblem(where, mark == null ? 1 : mark.getLine() + 1,
                mark == null ? 1 : mark.getColumn() + 1, message, note));
    }
}
