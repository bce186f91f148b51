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
            problem(node, where + " 'strategy' needs a 'matrix'");
            return null;
        }
        Map<String, NodeTuple> matrix = mapping(matrixField.getValueNode(), where + " 'strategy.matrix'", null);
        if (matrix == null) {
            return null;
        }
        Map<String, List<String>> axes = new LinkedHashMap<>();
        boolean badKeys = false; // "no values" would contradict the file after a key was refused
        List<Map<String, String>> include = new ArrayList<>();
        List<Map<String, String>> exclude = new ArrayList<>();
        for (Map.Entry<String, NodeTuple> entry : matrix.entrySet()) {
            Node value = entry.getValue().getValueNode();
            if (entry.getKey().equals("include") || entry.getKey().equals("exclude")) {
                (entry.getKey().equals("include") ? include : exclude).addAll(
                        matrixEntries(value, where + " 'strategy.matrix." + entry.getKey() + "'"));
            } else if (!MATRIX_KEY.matcher(entry.getKey()).matches()) {
                problem(entry.getValue().getKeyNode(), where + " matrix key '" + entry.getKey()
                        + "' is invalid: use letters, digits, '_' and '-', starting with a letter or '_'");
                badKeys = true;
            } else if (!(value instanceof SequenceNode sequence) || sequence.getValue().isEmpty()) {
                problem(value, where + " matrix '" + entry.getKey() + "' must be a non-empty list of values");
                badKeys = true;
            } else {
                List<String> values = new ArrayList<>();
                for (Node item : sequence.getValue()) {
                    String text = scalar(item, where + " matrix '" + entry.getKey() + "' value");
                    if (text != null) {
                        values.add(text);
                    }
                }
                axes.put(entry.getKey(), values);
            }
        }
        if (axes.isEmpty() && include.isEmpty()) {
            if (!badKeys) { // after a refused key, "no values" would contradict the file
                problem(matrixField.getValueNode(), where + " 'strategy.matrix' has no values: give at least one list");
            }
            return null;
        }
        for (Map<String, String> entry : exclude) {
            for (String key : entry.keySet()) {
                if (!axes.containsKey(key)) {
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
            fields.forEach((key, tuple) -> {
                String value = scalar(tuple.getValueNode(), where + " '" + key + "'");
                if (value != null) {
                    entry.put(key, value);
                }
            });
            entries.add(entry);
        }
        return entries;
    }
}
