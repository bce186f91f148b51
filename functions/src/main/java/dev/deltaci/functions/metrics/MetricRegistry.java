package dev.deltaci.functions.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * Metrics kept in memory, for the local control plane: sums and counts per metric and dimension
 * set, readable directly and as Prometheus text ({@code delta_lease_expired_total{outcome="requeued"} 1}).
 */
public final class MetricRegistry implements Metrics {

    private record Key(Metric metric, Map<String, String> dimensions) {
    }

    private record Series(DoubleAdder sum, LongAdder count) {
    }

    private final Map<Key, Series> series = new ConcurrentHashMap<>();

    @Override
    public void record(Metric metric, double value, Map<String, String> dimensions) {
        Series s = series.computeIfAbsent(new Key(metric, new TreeMap<>(dimensions)),
                k -> new Series(new DoubleAdder(), new LongAdder()));
        s.sum().add(value);
        s.count().increment();
    }

    /** The sum recorded for the metric with exactly these dimensions (0 if none). */
    public double sum(Metric metric, Map<String, String> dimensions) {
        Series s = series.get(new Key(metric, new TreeMap<>(dimensions)));
        return s == null ? 0 : s.sum().sum();
    }

    /** Prometheus text exposition: counters as {@code _total}, timings as {@code _milliseconds} summaries. */
    public String prometheus() {
        StringBuilder out = new StringBuilder();
        for (Metric metric : Metric.values()) {
            String name = "delta_" + snake(metric.metricName());
            Map<Key, Series> mine = new TreeMap<>((a, b) -> a.dimensions().toString().compareTo(b.dimensions().toString()));
            series.forEach((key, value) -> {
                if (key.metric() == metric) {
                    mine.put(key, value);
                }
            });
            if (metric.unit() == Metric.Unit.COUNT) {
                out.append("# HELP ").append(name).append("_total ").append(metric.help()).append('\n');
                out.append("# TYPE ").append(name).append("_total counter\n");
                mine.forEach((key, s) -> out.append(name).append("_total").append(labels(key.dimensions())).append(' ')
                        .append(format(s.sum().sum())).append('\n'));
            } else {
                out.append("# HELP ").append(name).append("_milliseconds ").append(metric.help()).append('\n');
                out.append("# TYPE ").append(name).append("_milliseconds summary\n");
                mine.forEach((key, s) -> {
                    out.append(name).append("_milliseconds_sum").append(labels(key.dimensions())).append(' ')
                            .append(format(s.sum().sum())).append('\n');
                    out.append(name).append("_milliseconds_count").append(labels(key.dimensions())).append(' ')
                            .append(s.count().sum()).append('\n');
                });
            }
        }
        return out.toString();
    }

    private static String labels(Map<String, String> dimensions) {
        if (dimensions.isEmpty()) {
            return "";
        }
        return dimensions.entrySet().stream()
                .map(e -> e.getKey() + "=\"" + e.getValue().replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(",", "{", "}"));
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    static String snake(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
