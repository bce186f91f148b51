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

/** A matrix through real runners: expansion, the matrix context, max-parallel and fail-fast. */
class MatrixTest {

    private static Map<String, JobRecord> runToEnd(PlaneFixture fixture, String pipeline) throws Exception {
        String runId = fixture.pushRun(pipeline);
        try (RunnerPool pool = RunnerPool.start(2, fixture.plane.runnerTarget(), Files.createTempDirectory("delta-matrix-"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> fixture.store.getRun(runId).orElseThrow().status().isTerminal());
        }
        Map<String, JobRecord> jobs = new HashMap<>();
        fixture.store.listJobs(runId).forEach(j -> jobs.put(j.jobKey(), j));
        return jobs;
    }

    @Test
    void maxParallelOne_shouldRunInstancesInTurn_andFailFastCancelTheRest() throws Exception {
        try (PlaneFixture fixture = PlaneFixture.start(o -> o.withScheduleInterval(null))) {
            Map<String, JobRecord> jobs = runToEnd(fixture, """
                    jobs:
                      test:
                        strategy:
                          max-parallel: 1
                          matrix:
                            n: [1, 2, 3]
                        steps:
                          - run: echo "instance ${{ matrix.n }}"; [ "${{ matrix.n }}" != 2 ]
                    """);

            assertThat(jobs.get("test.1").state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(jobs.get("test.2").state()).isEqualTo(JobState.FAILED);
            assertThat(jobs.get("test.3").state()).isEqualTo(JobState.CANCELLED);
            assertThat(jobs.get("test.3").outcome().reason()).isEqualTo("fail-fast: test (2) failed");
            assertThat(jobs.get("test.2").times().startedAtEpochMs()).isGreaterThanOrEqualTo(jobs.get("test.1").times().finishedAtEpochMs());
            var logs = fixture.plane.plane().logStore();
            assertThat(String.join("", logs.listChunks(jobs.get("test.1").runId(), "test.1", 1).stream().map(logs::read).toList()))
                    .contains("instance 1");
            assertThat(fixture.store.getRun(jobs.get("test.1").runId()).orElseThrow().status()).isEqualTo(RunState.FAILED);
        }
    }

    @Test
    void withoutFailFast_everyInstanceShouldRun_andDependantsWaitForAll() throws Exception {
        try (PlaneFixture fixture = PlaneFixture.start(o -> o.withScheduleInterval(null))) {
            Map<String, JobRecord> jobs = runToEnd(fixture, """
                    jobs:
                      test:
                        strategy:
                          fail-fast: false
                          matrix:
                            os: [linux, mac]
                            jdk: [17, 21]
                            exclude: [{os: mac, jdk: 17}]
                        steps:
                          - run: '[ "${{ matrix.os }}" != mac ]'
                      report:
                        needs: test
                        if: always()
                        steps: [{run: echo report}]
                    """);

            assertThat(jobs.keySet()).containsExactlyInAnyOrder("test.1", "test.2", "test.3", "report");
            assertThat(jobs.get("test.1").name()).isEqualTo("test (linux, 17)");
            assertThat(jobs.get("test.3").name()).isEqualTo("test (mac, 21)");
            assertThat(jobs.get("test.3").state()).isEqualTo(JobState.FAILED);
            assertThat(jobs.get("test.1").state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(jobs.get("test.2").state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(jobs.get("report").state()).isEqualTo(JobState.SUCCEEDED);
        }
    }
}
