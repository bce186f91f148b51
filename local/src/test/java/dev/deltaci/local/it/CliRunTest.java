package dev.deltaci.local.it;

import static dev.deltaci.local.it.CliRunTestSupport.delta;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.local.it.CliRunTestSupport.Outcome;
import dev.deltaci.local.support.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The examples through the CLI's own entry point, as a user runs them. */
class CliRunTest {

    @Test
    void runHello_shouldSucceed_withBothJobsLoggedInOrder() throws Exception {
        Outcome outcome = delta("run", Fixtures.example("hello").toString(), "--json");

        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        JsonNode summary = outcome.json();
        assertThat(summary.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(summary.get("runId").asText()).startsWith("r-");
        Map<String, JsonNode> jobs = outcome.jobs();
        assertThat(jobs).containsOnlyKeys("build", "greet");
        for (JsonNode job : jobs.values()) {
            assertThat(job.get("status").asText()).isEqualTo("SUCCEEDED");
            assertThat(job.get("attempts").asInt()).isEqualTo(1);
            assertThat(job.get("exitCode").asInt()).isZero();
            assertThat(job.get("failureClass").isNull()).isTrue();
            assertThat(job.get("durationMs").asLong()).isPositive();
            assertThat(job.get("logChunks").asInt()).isPositive();
        }
        // progress goes to stderr with --json; the log lines come back from the stored S3 chunks
        assertThat(outcome.stderr()).contains("greet │ hello, world", "build │ hello from build at ");
        // greet needs build: it must not have started before build finished
        assertThat(jobs.get("greet").get("startedAtEpochMs").asLong())
                .isGreaterThanOrEqualTo(jobs.get("build").get("finishedAtEpochMs").asLong());
    }

    @Test
    void runFailing_shouldExit1_withFailedSkippedAndSucceededJobs() throws Exception {
        Outcome outcome = delta("run", Fixtures.example("failing").toString(), "--json", "--runners", "1");

        assertThat(outcome.exitCode()).as(outcome.stderr()).isEqualTo(1);
        assertThat(outcome.json().get("status").asText()).isEqualTo("FAILED");
        Map<String, JsonNode> jobs = outcome.jobs();
        assertThat(jobs.get("test").get("status").asText()).isEqualTo("FAILED");
        assertThat(jobs.get("test").get("exitCode").asInt()).isEqualTo(3);
        assertThat(jobs.get("test").get("failureClass").asText()).isEqualTo("script_failure");
        assertThat(jobs.get("deploy").get("status").asText()).isEqualTo("SKIPPED");
        assertThat(jobs.get("deploy").get("reason").asText()).isEqualTo("needs 'test', which ended FAILED");
        assertThat(jobs.get("deploy").get("attempts").asInt()).isZero();
        assertThat(jobs.get("lint").get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(outcome.stderr()).contains("test   │ integration test: expected 2, got 3")
                .doesNotContain("this does not run");
    }

    @Test
    void runOfARepositoryOfWorkflows_shouldFollowEachRunItStarts() throws Exception {
        Path dir = Files.createTempDirectory("delta-workflows-");
        Files.createDirectories(dir.resolve(".github/workflows"));
        Files.writeString(dir.resolve(".github/workflows/test.yml"),
                "on: push\njobs:\n  unit:\n    runs-on: ubuntu-latest\n    steps: [{run: echo unit}]\n");
        Files.writeString(dir.resolve(".github/workflows/lint.yml"),
                "on: [push, pull_request]\njobs:\n  lint:\n    steps: [{run: exit 4}]\n");

        Outcome outcome = delta("run", dir.toString(), "--json");

        assertThat(outcome.exitCode()).as(outcome.stderr()).isEqualTo(1); // one of the two failed
        JsonNode runs = outcome.json().get("runs");
        assertThat(runs).hasSize(2);
        java.util.List<String> statuses = new java.util.ArrayList<>();
        runs.forEach(run -> statuses.add(run.get("status").asText()));
        assertThat(statuses).containsExactlyInAnyOrder("SUCCEEDED", "FAILED");
        assertThat(outcome.stderr()).contains("(.github/workflows/lint.yml) created by", "(.github/workflows/test.yml) created by");
    }

    @Test
    void run_shouldExit2WithTheLocation_whenThePipelineIsInvalid() throws Exception {
        Path dir = Files.createTempDirectory("delta-invalid-");
        Files.createDirectories(dir.resolve(".delta"));
        Files.writeString(dir.resolve(".delta/pipeline.yml"), "jobs:\n  a:\n    steps:\n      - nme: x\n");

        Outcome outcome = delta("run", dir.toString(), "--json");

        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.json().get("failureClass").asText()).isEqualTo("config_error");
        assertThat(outcome.json().get("message").asText())
                .contains(".delta/pipeline.yml:4:9: job 'a' step 1 has unknown key 'nme'");
    }

    @Test
    void runWithAutoscale_shouldStartFromNoRunner_andReportThePool_backAtZero() throws Exception {
        Outcome outcome = delta("run", Fixtures.example("hello").toString(), "--json", "--autoscale", "2");

        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        JsonNode pool = outcome.json().get("autoscale");
        assertThat(pool.get("max").asInt()).isEqualTo(2);
        assertThat(pool.get("started").asInt()).isPositive();
        assertThat(pool.get("stopped").asInt()).isEqualTo(pool.get("started").asInt());
        assertThat(pool.get("peak").asInt()).as("build, then greet: one at a time").isEqualTo(1);
        assertThat(pool.get("running").asInt()).isZero();
        assertThat(outcome.jobs().get("build").get("waitedMs").asLong()).as("it waited for its runner to start").isPositive();
        assertThat(outcome.stderr()).contains("▸ autoscale: started a runner on local-i-1",
                "▸ autoscale: stopped local-i-1 (drained, idle)", "waiting for capacity: 1 of 1 instance(s) launching");
    }

    @Test
    void run_shouldExit2_onUsageErrors() {
        assertThat(delta("run", ".", "--autoscale", "17").stderr()).contains("--autoscale must be from 1 to 16");
        assertThat(delta("run", ".", "--autoscale", "2", "--runners", "2").exitCode()).isEqualTo(2);
        assertThat(delta("run", ".", "--scale-in-after", "5").stderr()).contains("--scale-in-after goes with --autoscale N");
        assertThat(delta("run", "/no/such/dir").exitCode()).isEqualTo(2);
        assertThat(delta("run", ".", "--runners", "0").exitCode()).isEqualTo(2);
        Outcome unknown = delta("run", "--bogus");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("Unknown option: '--bogus'");
    }

    @Test
    void help_shouldDescribeEveryCommand() {
        assertThat(delta("--help").stdout()).contains("run", "runner", "Exit codes:");
        assertThat(delta("run", "--help").stdout()).contains("--runners", "--json", "--ref", "Exit codes:");
        assertThat(delta("runner", "--help").stdout()).contains("--api-url", "--queue-url");
    }

    @Test
    void runRelease_shouldHandArtifactsOnAndRunTheGroupsDeploysOneAtATime() throws Exception {
        Outcome outcome = delta("run", Fixtures.example("release").toString(), "--json", "--runners", "3");

        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        Map<String, JsonNode> jobs = outcome.jobs();
        assertThat(jobs).containsOnlyKeys("build.1", "build.2", "package", "deploy-eu", "deploy-us");
        assertThat(jobs.get("build.1").get("name").asText()).isEqualTo("build (linux)");
        assertThat(jobs.get("build.2").get("matrix").get("target").asText()).isEqualTo("mac");
        // package ran both binaries it received from the two matrix jobs
        assertThat(outcome.stderr()).containsPattern("package +│ app built for linux")
                .containsPattern("package +│ app built for mac")
                .containsPattern("package +│ ::delta:: artifacts of build \\(linux\\): 1 file, ");
        // the deploys received package's release.txt and never overlapped, with three runners free
        assertThat(outcome.stderr()).containsPattern("deploy-eu +│ app-linux").containsPattern("deploy-us +│ app-mac");
        JsonNode eu = jobs.get("deploy-eu");
        JsonNode us = jobs.get("deploy-us");
        JsonNode first = eu.get("startedAtEpochMs").asLong() <= us.get("startedAtEpochMs").asLong() ? eu : us;
        JsonNode second = first == eu ? us : eu;
        assertThat(second.get("startedAtEpochMs").asLong()).isGreaterThanOrEqualTo(first.get("finishedAtEpochMs").asLong());
        assertThat(outcome.stderr()).contains("waiting for concurrency group 'production-main', held by run "
                + outcome.json().get("runId").asText() + " (job " + first.get("key").asText() + ")");
    }

    @Test
    void runFailFast_shouldCancelTheRestOfTheMatrix_andExit1() throws Exception {
        Outcome outcome = delta("run", Fixtures.example("fail-fast").toString(), "--json", "--runners", "2");

        assertThat(outcome.exitCode()).as(outcome.stderr()).isEqualTo(1);
        Map<String, JsonNode> jobs = outcome.jobs();
        assertThat(jobs.get("test.1").get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(jobs.get("test.2").get("status").asText()).isEqualTo("FAILED");
        assertThat(jobs.get("test.3").get("status").asText()).isEqualTo("CANCELLED");
        assertThat(jobs.get("test.3").get("reason").asText()).isEqualTo("fail-fast: test (2) failed");
        assertThat(jobs.get("test.3").get("attempts").asInt()).isZero();
    }
}
