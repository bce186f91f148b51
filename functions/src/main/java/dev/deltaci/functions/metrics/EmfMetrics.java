package dev.deltaci.functions.metrics;

import java.util.Map;
import software.amazon.lambda.powertools.metrics.MetricsFactory;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;

/** Metrics as CloudWatch Embedded Metric Format lines on stdout, through Powertools Metrics (in Lambda). */
public final class EmfMetrics implements Metrics {

    public static final String NAMESPACE = "DeltaCI";

    @Override
    public void record(Metric metric, double value, Map<String, String> dimensions) {
        MetricsFactory.getMetricsInstance().flushSingleMetric(metric.metricName(), value,
                unit(metric), NAMESPACE,
                DimensionSet.of(withService(dimensions)));
    }

    private static MetricUnit unit(Metric metric) {
        if (metric.kind() == Metric.Kind.TIMER) {
            return MetricUnit.MILLISECONDS;
        }
        return metric == Metric.QUEUE_OLDEST_AGE ? MetricUnit.SECONDS : MetricUnit.COUNT;
    }

    private static Map<String, String> withService(Map<String, String> dimensions) {
        Map<String, String> all = new java.util.LinkedHashMap<>(dimensions);
        all.putIfAbsent("Service", "delta-ci"); // EMF needs at least one dimension
        return all;
    }
}
