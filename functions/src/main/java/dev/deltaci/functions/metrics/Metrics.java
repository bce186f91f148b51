package dev.deltaci.functions.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/** Where the control plane records what it does; {@code dimensions} are name/value pairs. */
public interface Metrics {

    void record(Metric metric, double value, Map<String, String> dimensions);

    default void record(Metric metric, double value, String... dimensionPairs) {
        Map<String, String> dimensions = new LinkedHashMap<>();
        for (int i = 0; i + 1 < dimensionPairs.length; i += 2) {
            dimensions.put(dimensionPairs[i], dimensionPairs[i + 1]);
        }
        record(metric, value, dimensions);
    }

    Metrics NONE = (metric, value, dimensions) -> { };
}
