package dev.deltaci.core.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** Reads a job's {@code strategy}: its matrix, {@code fail-fast} and {@code max-parallel}. */
final class StrategyReader extends YamlReader {

    /** As GitHub Actions has them: {@code node-version} is a matrix key. */
    static final java.util.regex.Pattern MATRIX_KEY = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

    static final List<String> STRATEGY_KEYS = List.of("matrix", "fail-fast", "max-parallel");

    StrategyReader(String file, List<ConfigProblem> problems) {
        super(file, problems);
    }

    /** {@code strategy: {matrix: {axis: [values], include: [...], exclude: [...]}, fail-fast, max-parallel}}. */
    Strategy read(Node node, String where) {
        Map<String, NodeTuple> fields = mapping(node, where + " 'strategy'", STRATEGY_KEYS);
        if (fields == null) {
            return null;
        }
        NodeTuple matrixField = fields.get("matrix");
        if (matrixField == null) {
            // fail-fast or max-parallel without a matrix, as GitHub takes it: one job, nothing to expand
            return null;
        }
        if (computed(matrixField.getValueNode(), where + " 'strategy.matrix'")) {
            return null;
        }
        Map<String, NodeTuple> matrix = mapping(matrixField.getValueNode(), where + " 'strategy.matrix'", null);
        if (matrix == null) {
            return null;
        }
        Map<String, List<Map<String, String>>> axes = new LinkedHashMap<>();
        boolean badKeys = false; // "no values" would contradict the file after a key was refused
        boolean computedAxis = false; // its values are unknown: the rest of the matrix cannot be expanded either
        List<Map<String, String>> include = new ArrayList<>();
        List<Map<String, String>> exclude = new ArrayList<>();
        for (Map.Entry<String, NodeTuple> entry : matrix.entrySet()) {
            Node value = entry.getValue().getValueNode();
            if ((entry.getKey().equals("include") || entry.getKey().equals("exclude"))
                    && computed(value, where + " 'strategy.matrix." + entry.getKey() + "'")) {
                badKeys = true;
                computedAxis = true;
            } else if (entry.getKey().equals("include") || entry.getKey().equals("exclude")) {
                (entry.getKey().equals("include") ? include : exclude).addAll(
                        matrixEntries(value, where + " 'strategy.matrix." + entry.getKey() + "'"));
            } else if (!MATRIX_KEY.matcher(entry.getKey()).matches()) {
                problem(entry.getValue().getKeyNode(), where + " matrix key '" + entry.getKey()
                        + "' is invalid: use letters, digits, '_' and '-', starting with a letter or '_'");
                badKeys = true;
            } else if (computed(value, where + " matrix '" + entry.getKey() + "'")) {
                badKeys = true;
                computedAxis = true;
            } else if (!(value instanceof SequenceNode sequence) || sequence.getValue().isEmpty()) {
                problem(value, where + " matrix '" + entry.getKey() + "' must be a non-empty list of values");
                badKeys = true;
            } else {
                List<Map<String, String>> values = new ArrayList<>();
                for (Node item : sequence.getValue()) {
                    Map<String, String> cell = new LinkedHashMap<>();
                    if (flatten(item, entry.getKey(), cell, where + " matrix '" + entry.getKey() + "' value")) {
                        values.add(cell);
                    }
                }
                axes.put(entry.getKey(), values);
            }
        }
        if (computedAxis) {
            return null;
        }
        if (axes.isEmpty() && include.isEmpty()) {
            if (!badKeys) { // after a refused key, "no values" would contradict the file
                problem(matrixField.getValueNode(), where + " 'strategy.matrix' has no values: give at least one list");
            }
            return null;
        }
        for (Map<String, String> entry : exclude) {
            for (String key : entry.keySet()) {
                if (!axes.containsKey(MatrixInstance.topKey(key))) {
                    problem(matrixField.getValueNode(), where + " 'strategy.matrix.exclude' names '" + key
                            + "', which is not a matrix key; keys are: " + String.join(", ", axes.keySet()));
                }
            }
        }
        boolean failFast = !fields.containsKey("fail-fast")
                || bool(fields.get("fail-fast").getValueNode(), where + " 'strategy.fail-fast'");
        int maxParallel = 0;
        if (fields.containsKey("max-parallel")) {
            String text = scalar(fields.get("max-parallel").getValueNode(), where + " 'strategy.max-parallel'");
            try {
                maxParallel = Integer.parseInt(text == null ? "" : text.strip());
            } catch (NumberFormatException e) {
                maxParallel = -1;
            }
            if (maxParallel < 1) {
                problem(fields.get("max-parallel").getValueNode(), where + " 'strategy.max-parallel' must be a whole "
                        + "number of 1 or more, found '" + text + "'");
                maxParallel = 0;
            }
        }
        Strategy strategy = new Strategy(axes, include, exclude, failFast, maxParallel);
        try {
            MatrixExpansion.combinations(strategy);
        } catch (IllegalArgumentException e) {
            problem(matrixField.getValueNode(), where + " " + e.getMessage());
            return null;
        }
        return strategy;
    }

    /**
     * A matrix value into {@code into}: text under {@code key}; a mapping of texts (GitHub's
     * object values, read as {@code matrix.key.name}) as {@code key.name} for each of its entries.
     */
    private boolean flatten(Node node, String key, Map<String, String> into, String where) {
        if (node instanceof org.snakeyaml.engine.v2.nodes.MappingNode) {
            Map<String, NodeTuple> fields = mapping(node, where, null);
            if (fields == null) {
                return false;
            }
            boolean ok = true;
            for (Map.Entry<String, NodeTuple> field : fields.entrySet()) {
                if (!MATRIX_KEY.matcher(field.getKey()).matches()) {
                    problem(field.getValue().getKeyNode(), where + " key '" + field.getKey() + "' is invalid: use "
                            + "letters, digits, '_' and '-', starting with a letter or '_'");
                    ok = false;
                } else if (field.getValue().getValueNode() instanceof org.snakeyaml.engine.v2.nodes.ScalarNode) {
                    into.put(key + "." + field.getKey(), scalar(field.getValue().getValueNode(), where));
                } else {
                    problem(field.getValue().getValueNode(), where + " '" + field.getKey() + "' must be text; a "
                            + "matrix value may be a mapping of texts, not deeper");
                    ok = false;
                }
            }
            return ok;
        }
        String text = scalar(node, where);
        if (text != null) {
            into.put(key, text);
        }
        return text != null;
    }

    static final String COMPUTED = "a matrix computed by an expression is not supported yet (Delta CI expands a "
            + "job's matrix when the run starts, before any job has run); list the values";

    /** A matrix (or its include) computed by an expression: refused, as Delta expands matrices when the run starts. */
    private boolean computed(Node node, String where) {
        if (node instanceof org.snakeyaml.engine.v2.nodes.ScalarNode scalar && scalar.getValue().contains("${{")) {
            problem(node, where + " is computed by an expression ('" + scalar.getValue().strip() + "'): " + COMPUTED);
            return true;
        }
        return false;
    }

    private List<Map<String, String>> matrixEntries(Node node, String where) {
        List<Map<String, String>> entries = new ArrayList<>();
        if (!(node instanceof SequenceNode sequence)) {
            problem(node, where + " must be a list of mappings, found " + describe(node));
            return entries;
        }
        for (Node item : sequence.getValue()) {
            Map<String, NodeTuple> fields = mapping(item, where + " entry", null);
            if (fields == null) {
                continue;
            }
            Map<String, String> entry = new LinkedHashMap<>();
            fields.forEach((key, tuple) -> flatten(tuple.getValueNode(), key, entry, where + " '" + key + "'"));
            entries.add(entry);
        }
        return entries;
    }
}
