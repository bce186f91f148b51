package dev.deltaci.functions.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricRegistryTest {

    @Test
    void prometheusText_shouldSumCountersAndSummariseTimings_byDimensions() {
        MetricRegistry registry = new MetricRegistry();
        registry.record(Metric.LEASE_EXPIRED, 1, "outcome", "requeued");
        registry.record(Metric.LEASE_EXPIRED, 1, "outcome", "requeued");
        registry.record(Metric.LEASE_EXPIRED, 1, "outcome", "failed");
        registry.record(Metric.JOB_DURATION, 1500, "result", "succeeded");
        registry.record(Metric.JOB_DURATION, 500, "result", "succeeded");

        assertThat(registry.sum(Metric.LEASE_EXPIRED, Map.of("outcome", "requeued"))).isEqualTo(2);
        assertThat(registry.prometheus())
                .contains("# TYPE delta_lease_expired_total counter\n")
                .contains("delta_lease_expired_total{outcome=\"requeued\"} 2\n")
                .contains("delta_lease_expired_total{outcome=\"failed\"} 1\n")
                .contains("delta_job_duration_milliseconds_sum{result=\"succeeded\"} 2000\n")
                .contains("delta_job_duration_milliseconds_count{result=\"succeeded\"} 2\n");
    }

    @Test
    void gauges_shouldKeepTheLastReading() {
        MetricRegistry registry = new MetricRegistry();
        registry.record(Metric.QUEUE_DEPTH, 7);
        registry.record(Metric.QUEUE_DEPTH, 3);

        assertThat(registry.last(Metric.QUEUE_DEPTH, Map.of())).isEqualTo(3);
        assertThat(registry.prometheus())
                .contains("# TYPE delta_queue_depth gauge\n")
                .contains("delta_queue_depth 3\n");
    }

    @Test
    void names_shouldBeSnakeCasedForPrometheus() {
        assertThat(Metric.DISPATCH_LATENCY.prometheusName()).isEqualTo("delta_dispatch_latency_milliseconds");
        assertThat(Metric.QUEUE_OLDEST_AGE.prometheusName()).isEqualTo("delta_queue_oldest_age_seconds");
        assertThat(Metric.LEASE_EXPIRED.prometheusName()).isEqualTo("delta_lease_expired_total");
    }
}
