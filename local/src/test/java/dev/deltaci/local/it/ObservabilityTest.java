package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.core.job.JobState;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.MutableClock;
import dev.deltaci.local.support.PlaneFixture;
import dev.deltaci.local.support.PlaneTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;

/**
 * The runbook's readings, moved by driving the situation behind them and read back the way an
 * operator reads them: Prometheus text from GET /metrics, and {@code delta status}.
 */
class ObservabilityTest extends PlaneTest {

    private final MutableClock clock = new MutableClock();
    private final AtomicBoolean queueRefuses = new AtomicBoolean();

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options o) {
        ExecutionInterceptor failingSends = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (queueRefuses.get() && context.request() instanceof SendMessageBatchRequest) {
                    throw new IllegalStateException("injected: SQS refuses SendMessageBatch");
                }
            }
        };
        // sweeps when the test says, so gauges read what the test just did; short leases, so heartbeats
        // happen within a test; a retried job may go straight back to the runner it failed on
        return o.withClock(clock).withScheduleInterval(null).withInterceptors(List.of(failingSends))
                .withEnvironment(java.util.Map.of("LEASE_TTL_SECONDS", "6", "PREFER_OTHER_RUNNER_SECONDS", "0"));
    }

    @Test
    void aStalledQueue_shouldAgeInTheGauge_evenThoughTheSweeperResendsItsMessage_andStatusSaysStuck() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps:\n      - run: echo hi\n");
        plane.sweepNow();
        assertThat(gauge("delta_queue_depth")).isEqualTo(1);
        assertThat(gauge("delta_queue_oldest_age_seconds")).isLessThan(5);

        clock.advance(Duration.ofMinutes(16)); // nobody leases it; the sweeper re-sends its message meanwhile
        plane.sweepNow();

        assertThat(store.getJob(runId, "build").orElseThrow().state()).isEqualTo(JobState.QUEUED);
        assertThat(gauge("delta_queue_oldest_age_seconds")).isGreaterThanOrEqualTo(16 * 60);
        var status = CliRunTestSupport.delta("status", "--api-url", plane.apiUrl().toString(),
                "--api-key", plane.apiKey(), "--json");
        assertThat(status.exitCode()).as(status.stderr()).isEqualTo(4);
        JsonNode report = status.json();
        assertThat(report.get("verdict").asText()).isEqualTo("CRITICAL");
        assertThat(check(report, "queue_oldest_age_seconds").get("verdict").asText()).isEqualTo("CRITICAL");
        assertThat(check(report, "runners_registered").get("verdict").asText()).isEqualTo("CRITICAL");
        assertThat(check(report, "runners_registered").get("symptom").asText()).isEqualTo("CI appears stuck / no progress");
        var text = CliRunTestSupport.delta("status", "--api-url", plane.apiUrl().toString(), "--api-key", plane.apiKey());
        assertThat(text.stdout()).contains("CRITICAL").contains("queue_oldest_age_seconds")
                .contains("jobs are waiting and no runner is registered");
    }

    @Test
    void runnerAvailability_shouldCountIdleAndBusyRunners_andDropOneKilledWithSigkill() throws Exception {
        try (RunnerPool pool = RunnerPool.start(2, plane.runnerTarget(), Files.createTempDirectory("delta-obs-"))) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                plane.sweepNow();
                assertThat(gauge("delta_runners_registered")).isEqualTo(2);
                assertThat(gauge("delta_runners_idle")).isEqualTo(2);
            });
            String runId = pushRun("jobs:\n  slow:\n    steps:\n      - run: sleep 20\n");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                plane.sweepNow();
                assertThat(gauge("delta_runners_busy")).isEqualTo(1);
                assertThat(gauge("delta_runners_idle")).isEqualTo(1);
            });

            pool.process(store.getJob(runId, "slow").orElseThrow().lease().owner()).destroyForcibly();

            // it stops reporting; after the presence window (3 reports) it no longer counts
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                plane.sweepNow();
                assertThat(gauge("delta_runners_registered")).isEqualTo(1);
                assertThat(gauge("delta_runners_busy")).isZero();
            });
        }
    }

    @Test
    void aRetriedJob_shouldMoveTheLifecycleMetrics_andTheRunnerShouldLogJsonWithItsCorrelationKeys() throws Exception {
        try (RunnerPool pool = RunnerPool.start(1, plane.runnerTarget(), Files.createTempDirectory("delta-obs-"))) {
            String runId = pushRun("""
                    jobs:
                      flaky:
                        retry: {max: 1, when: [script_failure]}
                        steps:
                          - run: sleep 3 && exit 1
                    """);
            await().atMost(Duration.ofSeconds(60)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());

            String metrics = prometheus();
            assertThat(metrics).contains("delta_lease_acquired_total 2\n")
                    .contains("delta_dispatch_latency_milliseconds_count 2\n")
                    .contains("delta_job_retried_total{failureClass=\"script_failure\"} 1\n")
                    .contains("delta_job_finished_total{result=\"failed\"} 1\n")
                    .contains("delta_job_duration_milliseconds_count{result=\"failed\"} 1\n")
                    .contains("delta_run_duration_milliseconds_count{result=\"failed\"} 1\n")
                    .containsPattern("delta_lease_renewed_total [1-9]")
                    .containsPattern("delta_function_latency_milliseconds_count\\{function=\"RunnerApiFunction\"} [1-9]")
                    .containsPattern("delta_function_latency_milliseconds_count\\{function=\"WebhookFunction\"} 1\n");

            // the runner logs "reported" once the control plane has answered, a moment after the run ended
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                List<JsonNode> lines = new java.util.ArrayList<>();
                for (String line : Files.readAllLines(pool.logDir().resolve("local-runner-1.log"))) {
                    if (line.startsWith("{")) {
                        lines.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line));
                    }
                }
                JsonNode secondLease = lines.stream()
                        .filter(l -> l.path("message").asText().startsWith("leased") && l.path("attempt").asText().equals("2"))
                        .findFirst().orElseThrow(() -> new AssertionError("no JSON 'leased' line of attempt 2 in " + lines));
                assertThat(secondLease.path("runId").asText()).isEqualTo(runId);
                assertThat(secondLease.path("jobId").asText()).isEqualTo("flaky");
                assertThat(secondLease.path("epoch").asText()).isEqualTo(
                        Long.toString(store.getJob(runId, "flaky").orElseThrow().lease().epoch()));
                assertThat(secondLease.path("runnerId").asText()).startsWith("local-runner-1-");
                assertThat(secondLease.path("messageId").asText()).isNotBlank();
                assertThat(secondLease.path("service").asText()).isEqualTo("delta-runner");
                assertThat(lines).anyMatch(l -> l.path("message").asText().startsWith("reported " + runId + "/flaky")
                        && l.path("attempt").asText().equals("2"));
            });
        }
    }

    @Test
    void aFailingFunction_shouldCountInFunctionErrors_andShowInStatusWithItsLastError() throws Exception {
        queueRefuses.set(true);
        GitHubPush.Delivery delivery = GitHubPush.send(plane.apiUrl(), PlaneFixture.SECRET,
                GitHubPush.payload(fixture.repository("jobs:\n  build:\n    steps:\n      - run: echo hi\n")));
        queueRefuses.set(false);

        assertThat(delivery.status()).isEqualTo(500);
        assertThat(delivery.body()).contains("internal error").doesNotContain("injected");
        assertThat(prometheus()).contains("delta_function_errors_total{function=\"WebhookFunction\"} 1\n");
        var status = CliRunTestSupport.delta("status", "--api-url", plane.apiUrl().toString(),
                "--api-key", plane.apiKey(), "--json");
        assertThat(status.exitCode()).as(status.stderr()).isEqualTo(1);
        JsonNode errors = check(status.json(), "function_errors_5m");
        assertThat(errors.get("value").asInt()).isEqualTo(1);
        assertThat(errors.get("verdict").asText()).isEqualTo("WARN");
        assertThat(errors.get("detail").asText()).contains("WebhookFunction").contains("SQS refuses SendMessageBatch");
    }

    @Test
    void aSilentLeaseHolder_shouldShowAsExpiring_andAsOverdueWhileNoSweeperRuns() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps:\n      - run: echo hi\n");
        var runner = plane.runnerClient("silent-runner");
        assertThat(runner.lease(runId, "build", store.getJob(runId, "build").orElseThrow().lease().epoch()))
                .isInstanceOf(LeaseReply.Leased.class);
        assertThat(check(status(), "leases_expiring").get("value").asInt()).isZero();

        clock.advance(Duration.ofSeconds(20)); // past half the 30 s lease without a heartbeat
        assertThat(check(status(), "leases_expiring").get("value").asInt()).isEqualTo(1);

        clock.advance(Duration.ofMinutes(3)); // expired long ago, and no sweep has run
        JsonNode overdue = check(status(), "leases_overdue");
        assertThat(overdue.get("value").asInt()).isEqualTo(1);
        assertThat(overdue.get("verdict").asText()).isEqualTo("WARN");

        plane.sweepNow();
        assertThat(check(status(), "leases_overdue").get("value").asInt()).isZero();
        assertThat(check(status(), "lease_expirations_5m").get("value").asInt()).isEqualTo(1);
    }

    private JsonNode status() throws Exception {
        var status = CliRunTestSupport.delta("status", "--api-url", plane.apiUrl().toString(),
                "--api-key", plane.apiKey(), "--json");
        assertThat(status.stderr()).isEmpty();
        return status.json();
    }

    @Test
    void statusWithoutAValidKey_shouldBeRefused_andChangeNothing() throws Exception {
        var status = CliRunTestSupport.delta("status", "--api-url", plane.apiUrl().toString(), "--api-key", "dak_wrong");

        assertThat(status.exitCode()).isEqualTo(2);
        assertThat(status.stderr()).contains("API key was refused");
    }

    private static JsonNode check(JsonNode report, String name) {
        for (JsonNode check : report.get("checks")) {
            if (check.get("name").asText().equals(name)) {
                return check;
            }
        }
        throw new AssertionError("no check " + name + " in " + report);
    }

    private String prometheus() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(plane.apiUrl() + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
        return response.body();
    }

    private long gauge(String name) throws Exception {
        Matcher m = Pattern.compile("(?m)^" + name + " (\\d+)$").matcher(prometheus());
        assertThat(m.find()).as(name + " in /metrics").isTrue();
        return Long.parseLong(m.group(1));
    }
}
