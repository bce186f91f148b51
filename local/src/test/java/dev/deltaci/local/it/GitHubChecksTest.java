package dev.deltaci.local.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.core.job.FailureClass;
import dev.deltaci.core.job.JobState;
import dev.deltaci.functions.github.ChecksApiDouble;
import dev.deltaci.functions.github.ChecksApiDouble.CheckRun;
import dev.deltaci.functions.github.ChecksApiDouble.Fault;
import dev.deltaci.functions.github.GitHubDouble;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.report.CheckReporter;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.support.GitHubAppFixture;
import dev.deltaci.runner.RunnerApiClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every job of a run pushed to a GitHub repository shows on its commit as one check run, brought
 * from queued through in_progress to completed with the job's conclusion, through the report
 * queue and the reporter function, against a GitHub double that validates what it is sent.
 * GitHub failing while it is told (5xx, a create applied but answered 502, a create that times
 * out, a spent rate limit) loses nothing and makes no check run twice, and never holds back a job.
 */
class GitHubChecksTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHA = "c".repeat(40);
    private static final String PIPELINE = """
            jobs:
              build:
                steps: [{run: make}]
              lint:
                steps: [{run: make lint}]
              test:
                needs: build
                steps: [{run: make test}]
            """;

    private LocalControlPlane plane;
    private GitHubAppFixture app;
    private GitHubDouble github;
    private ChecksApiDouble checks;

    @BeforeEach
    void start() throws Exception {
        app = new GitHubAppFixture();
        github = app.github;
        checks = github.checks;
        // nothing runs on its own: each report is delivered by reportNow(), as the event source would
        plane = app.startPlane(LocalControlPlane.Options.defaults("unused").withScheduleInterval(null));
    }

    @AfterEach
    void stop() {
        app.close();
    }

    @Test
    void everyJob_shouldBeOneCheckRun_queuedThenInProgressThenCompletedWithItsConclusion() throws Exception {
        String runId = push(PIPELINE);
        plane.reportNow();
        assertThat(checks.checkRuns).extracting(CheckRun::name, CheckRun::status)
                .containsExactlyInAnyOrder(tuple("build", "queued"), tuple("lint", "queued"), tuple("test", "queued"));
        assertThat(only(runId, "test").title()).isEqualTo("Waiting for build");

        RunnerApiClient runner = plane.runnerClient("runner-a");
        LeaseReply.Leased build = (LeaseReply.Leased) runner.lease(runId, "build", 0);
        plane.reportNow();
        assertThat(only(runId, "build").status()).isEqualTo("in_progress");
        assertThat(only(runId, "build").title()).isEqualTo("Running on " + runner.runnerId());

        runner.complete(runId, "build", build.lease().epoch(), 1, build.lease().startedAtEpochMs(), 0, null, 1);
        LeaseReply.Leased test = (LeaseReply.Leased) runner.lease(runId, "test", 0);
        runner.complete(runId, "test", test.lease().epoch(), 1, test.lease().startedAtEpochMs(), 2,
                FailureClass.SCRIPT_FAILURE, 3);
        LeaseReply.Leased lint = (LeaseReply.Leased) runner.lease(runId, "lint", 0);
        runner.complete(runId, "lint", lint.lease().epoch(), 1, lint.lease().startedAtEpochMs(), 0, null, 1);
        plane.reportNow();

        assertThat(only(runId, "build").history()).containsExactly("queued", "in_progress", "completed:success");
        assertThat(only(runId, "lint").history()).endsWith("completed:success");
        CheckRun failed = only(runId, "test");
        assertThat(failed.history()).endsWith("completed:failure");
        assertThat(failed.title()).isEqualTo("Failed: script_failure, exit code 2");
        assertThat(failed.summary()).contains("| Failure class | `script_failure` |", "| Exit code | 2 |",
                "| Attempts | 1 |", "| Duration | ", "aws s3 cp --recursive s3://", "/logs/" + runId + "/test/epoch-1/");
        assertThat(checks.checkRuns).hasSize(3).allSatisfy(run -> {
            assertThat(run.headSha()).isEqualTo(SHA);
            assertThat(run.repository()).isEqualTo("octo/app");
        });
        // what changed between two passes is sent once, as it stands: 3 creates, build started, 3 ends
        assertThat(plane.metrics().sum(Metric.CHECK_REPORTS, Map.of("outcome", "reported"))).isEqualTo(7);
    }

    @Test
    void gitHubFailingWhileItIsTold_shouldLoseNothing_andCreateNoCheckRunTwice() throws Exception {
        String runId = push(PIPELINE);
        CheckReporter reporter = plane.plane().checkReporter().orElseThrow();
        // the first create lands but its answer is a 502; the next one lands but answers too late (5 s timeout)
        checks.inject(Fault.appliedButAnswered("POST", "/repos/octo/app/check-runs", 502));
        checks.inject(Fault.appliedButSlow("POST", "/repos/octo/app/check-runs", 6_000));

        CheckReporter.Outcome first = reporter.report(runId);
        CheckReporter.Outcome second = reporter.report(runId);
        CheckReporter.Outcome third = reporter.report(runId);

        assertThat(first).isInstanceOf(CheckReporter.Outcome.RetryAt.class);
        assertThat(second).isInstanceOf(CheckReporter.Outcome.RetryAt.class);
        assertThat(third).as("build was found and reported by the second pass")
                .isEqualTo(new CheckReporter.Outcome.UpToDate(2));
        assertThat(checks.checkRuns).extracting(CheckRun::externalId).doesNotHaveDuplicates().hasSize(3);

        // a spent rate limit: the job starts all the same, and GitHub hears of it after the reset
        long reset = Instant.now().plusSeconds(120).getEpochSecond();
        checks.inject(Fault.rateLimited("PATCH", "/repos/octo/app/check-runs/[0-9]+", reset));
        RunnerApiClient runner = plane.runnerClient("runner-a");
        assertThat(runner.lease(runId, "build", 0)).isInstanceOf(LeaseReply.Leased.class);
        CheckReporter.Outcome limited = reporter.report(runId);

        assertThat(limited).isInstanceOfSatisfying(CheckReporter.Outcome.RetryAt.class,
                retry -> assertThat(retry.at()).isEqualTo(Instant.ofEpochSecond(reset)));
        assertThat(plane.plane().jobStore().getJob(runId, "build").orElseThrow().state()).isEqualTo(JobState.RUNNING);
        assertThat(only(runId, "build").status()).isEqualTo("queued");

        assertThat(reporter.report(runId)).isEqualTo(new CheckReporter.Outcome.UpToDate(1));
        assertThat(only(runId, "build").status()).isEqualTo("in_progress");
        assertThat(reporter.report(runId)).as("nothing new").isEqualTo(new CheckReporter.Outcome.UpToDate(0));
        assertThat(checks.checkRuns).hasSize(3);
    }

    @Test
    void aRunGitHubCannotTakeNow_shouldBeHandedBackToTheQueue_andReportedOnceGitHubIsBack() throws Exception {
        for (int i = 0; i < 3; i++) {
            checks.inject(Fault.refused("GET", "/repos/octo/app/commits/[0-9a-f]+/check-runs", 502, "{\"message\":\"down\"}"));
        }
        String runId = push(PIPELINE);

        plane.reportNow();
        assertThat(checks.checkRuns).as("GitHub was down").isEmpty();
        assertThat(plane.metrics().sum(Metric.CHECK_REPORTS, Map.of("outcome", "retried"))).isEqualTo(3);

        // the message comes back when its delay is over; GitHub is up again by then
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            plane.reportNow();
            assertThat(checks.checkRuns).hasSize(3);
        });
        assertThat(checks.checkRuns).extracting(CheckRun::externalId).doesNotHaveDuplicates();
    }

    @Test
    void anInvalidPipeline_shouldFailOneCheckOnTheCommit_sayingWhy() throws Exception {
        String runId = push("jobs:\n  build:\n    needs: nowhere\n    steps: [{run: make}]\n");
        plane.reportNow();
        plane.reportNow();

        List<CheckRun> runs = checks.checkRunsOf("delta:" + runId + "/(pipeline)");
        assertThat(runs).hasSize(1);
        assertThat(runs.get(0).name()).isEqualTo("pipeline");
        assertThat(runs.get(0).history()).containsExactly("completed:failure");
        assertThat(runs.get(0).summary()).contains("config_error", "nowhere");
        assertThat(checks.checkRuns).hasSize(1);
    }

    @Test
    void withoutTheChecksPermission_shouldReportCommitStatusesInstead() throws Exception {
        checks.withoutChecksPermission();
        String runId = push("jobs:\n  build:\n    steps: [{run: make}]\n");
        plane.reportNow();
        RunnerApiClient runner = plane.runnerClient("runner-a");
        LeaseReply.Leased build = (LeaseReply.Leased) runner.lease(runId, "build", 0);
        runner.complete(runId, "build", build.lease().epoch(), 1, build.lease().startedAtEpochMs(), 0, null, 1);
        plane.reportNow();

        assertThat(checks.checkRuns).isEmpty();
        assertThat(checks.statuses).extracting(ChecksApiDouble.CommitStatus::context, ChecksApiDouble.CommitStatus::state)
                .startsWith(tuple("delta/build", "pending")).endsWith(tuple("delta/build", "success"));
        assertThat(checks.statuses).allSatisfy(status -> assertThat(status.sha()).isEqualTo(SHA));
    }

    @Test
    void asDeltaDevRunsIt_theReportQueue_shouldBeFedToTheReporterOnItsOwn() throws Exception {
        // the default options, as `delta dev --github-app` starts a plane: the event source polls
        try (GitHubAppFixture running = new GitHubAppFixture()) {
            LocalControlPlane dev = running.startPlane(LocalControlPlane.Options.defaults("unused"));
            running.github.stubRepository(get(urlEqualTo("/repos/octo/app/contents/.delta/pipeline.yml?ref=" + SHA))
                    .willReturn(aResponse().withStatus(200).withBody("jobs:\n  build:\n    steps: [{run: make}]\n")));
            GitHubPush.Delivery delivered = GitHubPush.send(dev.apiUrl(), GitHubAppFixture.HOOK_SECRET,
                    GitHubAppFixture.push(SHA));
            assertThat(delivered.status()).as(delivered.body()).isEqualTo(201);

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                    assertThat(running.github.checks.checkRuns).extracting(CheckRun::name, CheckRun::status)
                            .containsExactly(tuple("build", "queued")));
        }
    }

    private CheckRun only(String runId, String jobKey) {
        List<CheckRun> runs = checks.checkRunsOf("delta:" + runId + "/" + jobKey);
        assertThat(runs).as("check runs of " + jobKey).hasSize(1);
        return runs.get(0);
    }

    private String push(String pipeline) throws Exception {
        github.stubRepository(get(urlEqualTo("/repos/octo/app/contents/.delta/pipeline.yml?ref=" + SHA))
                .willReturn(aResponse().withStatus(200).withBody(pipeline)));
        GitHubPush.Delivery delivered = GitHubPush.send(plane.apiUrl(), GitHubAppFixture.HOOK_SECRET,
                GitHubAppFixture.push(SHA));
        assertThat(delivered.status()).as(delivered.body()).isEqualTo(201);
        return JSON.readTree(delivered.body()).get("runId").asText();
    }

    private static org.assertj.core.groups.Tuple tuple(Object... values) {
        return org.assertj.core.groups.Tuple.tuple(values);
    }
}
