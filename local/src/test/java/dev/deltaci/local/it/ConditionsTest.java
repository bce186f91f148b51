package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.PlaneFixture;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Job-level if: decided by the control plane, with needs' results, the delta context and status functions. */
class ConditionsTest {

    @Test
    void jobConditions_shouldRunOrSkipJobs_asTheirIfSays() throws Exception {
        try (PlaneFixture fixture = PlaneFixture.start(o -> o.withScheduleInterval(null))) {
            String runId = fixture.pushRun("""
                    jobs:
                      build:
                        steps: [{run: exit 1}]
                      on-main:
                        if: delta.branch == 'main'
                        steps: [{run: echo main}]
                      on-dev:
                        if: ${{ delta.branch == 'dev' }}
                        steps: [{run: echo dev}]
                      cleanup:
                        needs: build
                        if: failure()
                        steps:
                          - run: echo "cleaning up after ${{ delta.job }}"
                      ship:
                        needs: build
                        steps: [{run: echo ship}]
                    """);
            try (RunnerPool pool = RunnerPool.start(2, fixture.plane.runnerTarget(), Files.createTempDirectory("delta-if-"))) {
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> fixture.store.getRun(runId).orElseThrow().status().isTerminal());
            }

            assertThat(fixture.store.getRun(runId).orElseThrow().message()).isNull();
            Map<String, JobRecord> jobs = new HashMap<>();
            fixture.store.listJobs(runId).forEach(j -> jobs.put(j.jobKey(), j));
            assertThat(jobs).containsOnlyKeys("build", "on-main", "on-dev", "cleanup", "ship");
            assertThat(jobs.get("build").state()).isEqualTo(JobState.FAILED);
            assertThat(jobs.get("on-main").state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(jobs.get("on-dev").state()).isEqualTo(JobState.SKIPPED);
            assertThat(jobs.get("on-dev").outcome().reason()).isEqualTo("if: delta.branch == 'dev' is false");
            assertThat(jobs.get("cleanup").state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(jobs.get("ship").state()).isEqualTo(JobState.SKIPPED);
            assertThat(fixture.store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.FAILED);
            var logs = fixture.plane.plane().logStore();
            assertThat(String.join("", logs.listChunks(runId, "cleanup", 1).stream().map(logs::read).toList()))
                    .contains("cleaning up after cleanup");
        }
    }

    @Test
    void aJobThatMayFail_shouldNotFailTheRun_andItsDependantsShouldRun() throws Exception {
        try (PlaneFixture fixture = PlaneFixture.start(o -> o.withScheduleInterval(null))) {
            String runId = fixture.pushRun("""
                    jobs:
                      experimental:
                        continue-on-error: true
                        steps: [{run: exit 3}]
                      report:
                        needs: experimental
                        steps: [{run: echo report}]
                    """);
            try (RunnerPool pool = RunnerPool.start(1, fixture.plane.runnerTarget(), Files.createTempDirectory("delta-coe-"))) {
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> fixture.store.getRun(runId).orElseThrow().status().isTerminal());
            }

            Map<String, JobRecord> jobs = new HashMap<>();
            fixture.store.listJobs(runId).forEach(j -> jobs.put(j.jobKey(), j));
            assertThat(jobs.get("experimental").state()).as("the job itself still shows what happened")
                    .isEqualTo(JobState.FAILED);
            assertThat(jobs.get("experimental").outcome().exitCode()).isEqualTo(3);
            assertThat(jobs.get("report").state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(fixture.store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        }
    }
}
