package dev.deltaci.functions.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
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

    private record Series(DoubleAdder sum, LongAdder count, AtomicReference<Double> last) {
    }

    private final Map<Key, Series> series = new ConcurrentHashMap<>();

    @Override
    public void record(Metric metric, double value, Map<String, String> dimensions) {
        Series s = series.computeIfAbsent(new Key(metric, new TreeMap<>(dimensions)),
                k -> new Series(new DoubleAdder(), new LongAdder(), new AtomicReference<>(0.0)));
        s.sum().add(value);
        s.count().increment();
        s.last().set(value);
    }

    /** The last value recorded for the metric with exactly these dimensions (0 if none): a gauge's reading. */
    public double last(Metric metric, Map<String, String> dimensions) {
        Series s = series.get(new Key(metric, new TreeMap<>(dimensions)));
        return s == null ? 0 : s.last().get();
    }

    /** The sum recorded for the metric with exactly these dimensions (0 if none). */
    public double sum(Metric metric, Map<String, String> dimensions) {
        Series s = series.get(new Key(metric, new TreeMap<>(dimensions)));
        return s == null ? 0 : s.sum().sum();
    }

    /** How many values were recorded for the metric with exactly these dimensions: a timer's call count. */
    public long count(Metric metric, Map<String, String> dimensions) {
        Series s = series.get(new Key(metric, new TreeMap<>(dimensions)));
        return s == null ? 0 : s.count().sum();
    }

    /** Prometheus text exposition: counters as {@code _total}, timings as {@code _milliseconds} summaries, gauges as is. */
    public String prometheus() {
        StringBuilder out = new StringBuilder();
        for (Metric metric : Metric.values()) {
            String name = metric.prometheusName();
            Map<Key, Series> mine = new TreeMap<>((a, b) -> a.dimensions().toString().compareTo(b.dimensions().toString()));
            series.forEach((key, value) -> {
                if (key.metric() == metric) {
                    mine.put(key, value);
                }
            });
            out.append("# HELP ").append(name).append(' ').append(metric.help()).append('\n');
            switch (metric.kind()) {
                case COUNTER -> {
                    out.append("# TYPE ").append(name).append(" counter\n");
                    mine.forEach((key, s) -> out.append(name).append(labels(key.dimensions())).append(' ')
                            .append(format(s.sum().sum())).append('\n'));
                }
                case GAUGE -> {
                    out.append("# TYPE ").append(name).append(" gauge\n");
                    mine.forEach((key, s) -> out.append(name).append(labels(key.dimensions())).append(' ')
                            .append(format(s.last().get())).append('\n'));
                }
                case TIMER -> {
                    out.append("# TYPE ").append(name).append(" summary\n");
                    mine.forEach((key, s) -> {
                        out.append(name).append("_sum").append(labels(key.dimensions())).append(' ')
                                .append(format(s.sum().sum())).append('\n');
                        out.append(name).append("_count").append(labels(key.dimensions())).append(' ')
                                .append(s.count().sum()).append('\n');
                    });
                }
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
}
