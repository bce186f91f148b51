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
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            new EmfMetrics().record(Metric.LEASE_EXPIRED, 1, "outcome", "requeued");
        } finally {
            System.setOut(original);
        }
        String line = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("_aws")).findFirst()
                .orElseThrow(() -> new AssertionError("no EMF line in: " + captured));
        JsonNode emf = new ObjectMapper().readTree(line);

        JsonNode directive = emf.get("_aws").get("CloudWatchMetrics").get(0);
        assertThat(directive.get("Namespace").asText()).isEqualTo("DeltaCI");
        assertThat(directive.get("Metrics").get(0).get("Name").asText()).isEqualTo("LeaseExpired");
        assertThat(directive.get("Metrics").get(0).get("Unit").asText()).isEqualTo("Count");
        assertThat(emf.get("LeaseExpired").asDouble()).isEqualTo(1);
        assertThat(emf.get("outcome").asText()).isEqualTo("requeued");
    }
}
