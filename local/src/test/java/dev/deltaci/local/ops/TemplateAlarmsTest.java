package dev.deltaci.local.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.core.ops.Health;
import dev.deltaci.functions.metrics.EmfMetrics;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.local.DeltaHome;
import dev.deltaci.local.stack.CloudFormationTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The template's alarms and dashboard against the code: thresholds are Health's, every metric
 * they read is one the functions emit (same namespace, same dimensions), every runbook entry
 * has an alarm, and the dashboard shows every metric.
 */
class TemplateAlarmsTest {

    private static final Path HOME = DeltaHome.locate();
    /** Which of Health's thresholds each alarm uses. */
    private static final Map<String, Long> THRESHOLDS = Map.ofEntries(
            Map.entry("QueueStuckAlarm", Health.QUEUE_AGE_CRITICAL_SECONDS),
            Map.entry("NoRunnersAlarm", 1L),
            Map.entry("DbWriteLatencyAlarm", Health.DB_WRITE_LATENCY_ALARM_MS),
            Map.entry("JobsRetryAlarm", Health.LEASE_EXPIRATIONS_WARN),
            Map.entry("ManyRerunsAlarm", Health.LEASE_EXPIRATIONS_CRITICAL),
            Map.entry("StorageErrorsAlarm", Health.STORAGE_ERRORS_ALARM),
            Map.entry("FunctionErrorsAlarm", Health.FUNCTION_ERRORS_CRITICAL),
            Map.entry("DeadLetterAlarm", Health.DEAD_LETTER_WARN),
            Map.entry("ChecksNotReportedAlarm", 1L),
            Map.entry("DeliveriesGivenUpAlarm", 1L),
            Map.entry("JobsUnservableAlarm", 1L));

    private CloudFormationTemplate template;
    private Map<String, Map<String, Object>> alarms;

    @BeforeEach
    void read() throws Exception {
        template = CloudFormationTemplate.read(HOME.resolve("infra/template.yaml"));
        alarms = template.resourcesOfType("AWS::CloudWatch::Alarm");
    }

    @Test
    void everyAlarm_shouldUseHealthsThreshold() {
        assertThat(alarms.keySet()).containsExactlyInAnyOrderElementsOf(THRESHOLDS.keySet());
        alarms.forEach((id, alarm) -> assertThat(Double.parseDouble(String.valueOf(properties(alarm).get("Threshold"))))
                .as(id).isEqualTo(THRESHOLDS.get(id).doubleValue()));
    }

    @Test
    void everyAlarm_shouldReadAMetricTheFunctionsEmit_withTheirNamespaceAndDimensions() {
        Set<String> emitted = Arrays.stream(Metric.values()).map(Metric::metricName).collect(Collectors.toSet());
        alarms.forEach((id, alarm) -> {
            List<Map<String, Object>> metrics = metricsOf(properties(alarm));
            assertThat(metrics).as(id).isNotEmpty();
            for (Map<String, Object> metric : metrics) {
                assertThat(metric.get("Namespace")).as(id).isEqualTo(EmfMetrics.NAMESPACE);
                assertThat(emitted).as(id).contains((String) metric.get("MetricName"));
                assertThat(String.valueOf(metric.get("Dimensions"))).as(id + ": EMF adds Service to every metric")
                        .contains("Name=Service").contains("Value=delta-ci");
            }
        });
    }

    @Test
    void everyRunbookEntry_shouldHaveAnAlarm() throws Exception {
        List<String> entries = Files.readAllLines(HOME.resolve("docs/operations/README.md")).stream()
                .dropWhile(line -> !line.startsWith("## Minimal Runbook Index"))
                .filter(line -> line.startsWith("### ")).map(line -> line.substring(4).strip()).toList();
        assertThat(entries).hasSize(5);
        List<String> descriptions = alarms.values().stream()
                .map(alarm -> String.valueOf(properties(alarm).get("AlarmDescription"))).toList();
        for (String entry : entries) {
            assertThat(descriptions).as(entry).anyMatch(description -> description.startsWith(entry));
        }
    }

    @Test
    void theFunctionErrorsAlarm_shouldCoverEveryFunction() {
        Set<String> functions = template.resourcesOfType("AWS::Serverless::Function").keySet();
        String watched = String.valueOf(properties(alarms.get("FunctionErrorsAlarm")).get("Metrics"));

        assertThat(functions).isNotEmpty().allSatisfy(function -> assertThat(watched).contains("Value=" + function));
    }

    @Test
    void theDashboard_shouldShowEveryMetric() {
        String body = String.valueOf(properties(template.resources().get("DeltaCiDashboard")).get("DashboardBody"));

        for (Metric metric : Metric.values()) {
            assertThat(java.util.regex.Pattern.compile("(?<![A-Za-z])" + metric.metricName() + "(?![A-Za-z])")
                    .matcher(body).find()).as(metric.metricName()).isTrue();
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> metricsOf(Map<String, Object> alarm) {
        List<Map<String, Object>> metrics = new ArrayList<>();
        if (alarm.containsKey("MetricName")) {
            metrics.add(alarm);
        }
        for (Map<String, Object> query : (List<Map<String, Object>>) alarm.getOrDefault("Metrics", List.of())) {
            Map<String, Object> stat = (Map<String, Object>) query.get("MetricStat");
            if (stat != null) {
                metrics.add((Map<String, Object>) stat.get("Metric"));
            }
        }
        return metrics;
    }

    private static Map<String, Object> properties(Map<String, Object> resource) {
        return CloudFormationTemplate.properties(resource);
    }
}
