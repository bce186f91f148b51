package dev.deltaci.core.pipeline;

import java.util.Map;

/**
 * One job of an expanded matrix.
 *
 * @param group       the key of the job as written, e.g. {@code test} for {@code test.2}
 * @param values      this instance's {@code matrix} context, e.g. {@code {os: linux, jdk: 17}}
 * @param failFast    whether a failure of this instance cancels its siblings
 * @param maxParallel most siblings queued or running at once, or 0 for no limit
 */
public record MatrixInstance(String group, Map<String, String> values, boolean failFast, int maxParallel) {

    public MatrixInstance {
        values = Map.copyOf(values);
    }

    /** The matrix key a value belongs to: {@code job} for {@code job.os} (an entry of an object value). */
    public static String topKey(String key) {
        int dot = key.indexOf('.');
        return dot < 0 ? key : key.substring(0, dot);
    }

    /**
     * The {@code matrix} context of these values: {@code job.os} (an entry of an object value,
     * a dot never being part of a matrix key) is {@code matrix.job.os}.
     */
    public static Map<String, Object> context(Map<String, String> values) {
        Map<String, Object> context = new java.util.LinkedHashMap<>();
        values.forEach((key, value) -> {
            int dot = key.indexOf('.');
            if (dot < 0) {
                context.put(key, value);
            } else if (context.computeIfAbsent(key.substring(0, dot), k -> new java.util.LinkedHashMap<String, Object>())
                    instanceof Map<?, ?> object) {
                @SuppressWarnings("unchecked")
                Map<String, Object> entries = (Map<String, Object>) object;
                entries.put(key.substring(dot + 1), value);
            }
        });
        return context;
    }
}
