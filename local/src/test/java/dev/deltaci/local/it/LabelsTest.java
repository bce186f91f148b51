package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deltaci.api.LeaseReply;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.runner.RunnerApiClient;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runner labels pick a pool: a labelled job runs only on a runner with all its labels (runners
 * without them pass its message on), and the lease itself refuses any other runner.
 */
class LabelsTest extends PlaneTest {

    @Test
    void labelledJobs_shouldRunOnlyOnRunnersWithTheirLabels() throws Exception {
        String runId = pushRun("""
                jobs:
                  train:
                    labels: [gpu, linux]
                    steps: [{run: echo training}]
                  lint:
                    steps: [{run: echo lint}]
                  render:
                    labels: gpu
                    steps: [{run: echo render}]
                """);
        try (RunnerPool pool = RunnerPool.start(0, plane.runnerTarget(), Files.createTempDirectory("delta-labels-"))) {
            String plain = pool.add();
            String plain2 = pool.add();
            String gpu = pool.add(List.of("linux", "GPU"));
            await().atMost(Duration.ofSeconds(60)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());

            assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
            assertThat(runnerOf(runId, "train")).isEqualTo(gpu);
            assertThat(runnerOf(runId, "render")).isEqualTo(gpu);
            assertThat(runnerOf(runId, "lint")).isIn(plain, plain2, gpu);
        }
    }

    @Test
    void runsOn_shouldRouteAsLabels_hostedNamesToTheDefaultPool() throws Exception {
        String runId = pushRun("""
                jobs:
                  train:
                    runs-on: [self-hosted, gpu]
                    steps: [{run: echo training}]
                  lint:
                    runs-on: ubuntu-latest
                    steps: [{run: echo lint}]
                """);
        try (RunnerPool pool = RunnerPool.start(0, plane.runnerTarget(), Files.createTempDirectory("delta-labels-"))) {
            String plain = pool.add();
            await().atMost(Duration.ofSeconds(30)).until(() -> store.getJob(runId, "lint").orElseThrow().state().isTerminal());
            assertThat(runnerOf(runId, "lint")).isEqualTo(plain);
            assertThat(store.getJob(runId, "train").orElseThrow().state()).as("no runner has gpu yet")
                    .isEqualTo(dev.deltaci.core.job.JobState.QUEUED);
            String gpu = pool.add(List.of("gpu"));
            await().atMost(Duration.ofSeconds(60)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
            assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
            assertThat(runnerOf(runId, "train")).isEqualTo(gpu);
        }
    }

    @Test
    void theLease_shouldRefuseARunnerWithoutTheJobsLabels_andChangeNothing() throws Exception {
        String runId = pushRun("jobs:\n  train:\n    labels: [gpu]\n    steps: [{run: 'true'}]\n");
        JobRecord before = store.getJob(runId, "train").orElseThrow();

        RunnerApiClient cpu = plane.runnerClient("cpu-1");
        RunnerApiClient arm = plane.runnerClient("arm-1", "arm");
        var unlabelled = cpu.lease(runId, "train", 0);
        var wrong = arm.lease(runId, "train", 0);

        assertThat(unlabelled.httpStatus()).isEqualTo(409);
        assertThat(((LeaseReply.NotLeasable) unlabelled).reason()).isEqualTo("job needs labels [gpu]; runner " + cpu.runnerId() + " has []");
        assertThat(((LeaseReply.NotLeasable) wrong).reason()).isEqualTo("job needs labels [gpu]; runner " + arm.runnerId() + " has [arm]");
        assertThat(store.getJob(runId, "train").orElseThrow()).isEqualTo(before);
        assertThat(plane.runnerClient("gpu-1", "gpu", "linux").lease(runId, "train", 0).httpStatus())
                .isEqualTo(200);
    }

    private String runnerOf(String runId, String jobKey) {
        JobRecord job = store.getJob(runId, jobKey).orElseThrow();
        return RunnerPool.nameOf(job.attempts().history().get(job.attempts().history().size() - 1).runner()); // the pool's name for it
    }
}
