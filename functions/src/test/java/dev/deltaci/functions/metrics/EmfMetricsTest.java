package dev.deltaci.functions.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** In Lambda, metrics are EMF lines on stdout: CloudWatch reads name, unit, namespace and dimensions from them. */
class EmfMetricsTest {

    @Test
    void aRecordedMetric_shouldBeOneEmfDocumentOnStdout() throws Exception {
        JsonNode emf = emitted(Metric.LEASE_EXPIRED, 1, "outcome", "requeued");

        JsonNode directive = emf.get("_aws").get("CloudWatchMetrics").get(0);
        assertThat(directive.get("Namespace").asText()).isEqualTo("DeltaCI");
        assertThat(directive.get("Metrics").get(0).get("Name").asText()).isEqualTo("LeaseExpired");
        assertThat(directive.get("Metrics").get(0).get("Unit").asText()).isEqualTo("Count");
        assertThat(emf.get("LeaseExpired").asDouble()).isEqualTo(1);
        assertThat(emf.get("outcome").asText()).isEqualTo("requeued");
    }

    @Test
    void theQueueAgeGauge_shouldBeInSeconds_andTimersInMilliseconds() throws Exception {
        JsonNode age = emitted(Metric.QUEUE_OLDEST_AGE, 612);
        JsonNode latency = emitted(Metric.FUNCTION_LATENCY, 35, "function", "WebhookFunction");

        assertThat(age.get("_aws").get("CloudWatchMetrics").get(0).get("Metrics").get(0).get("Unit").asText())
                .isEqualTo("Seconds");
        assertThat(age.get("QueueOldestAgeSeconds").asDouble()).isEqualTo(612);
        assertThat(latency.get("_aws").get("CloudWatchMetrics").get(0).get("Metrics").get(0).get("Unit").asText())
                .isEqualTo("Milliseconds");
        assertThat(latency.get("function").asText()).isEqualTo("WebhookFunction");
    }

    private static JsonNode emitted(Metric metric, double value, String... dimensions) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            new EmfMetrics().record(metric, value, dimensions);
        } finally {
            System.setOut(original);
        }
        String line = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("_aws")).findFirst()
                .orElseThrow(() -> new AssertionError("no EMF line in: " + captured));
        return new ObjectMapper().readTree(line);
    }
}
