package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deltaci.core.job.JobState;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.local.support.StackContents;
import dev.deltaci.runner.RunnerApiClient;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Artifacts: a path the steps did not produce fails the job; upload URLs go only to the lease holder. */
class ArtifactsTest extends PlaneTest {

    @Test
    void anArtifactTheStepsDidNotProduce_shouldFailTheJob_andSkipItsDependants() throws Exception {
        String runId = pushRun("""
                jobs:
                  build:
                    artifacts: [dist, report.txt]
                    steps: [{run: touch report.txt}]
                  ship:
                    needs: build
                    steps: [{run: echo ship}]
                """);
        try (RunnerPool pool = RunnerPool.start(1, plane.runnerTarget(), Files.createTempDirectory("delta-art-"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
        }

        JobRecord build = store.getJob(runId, "build").orElseThrow();
        assertThat(build.state()).isEqualTo(JobState.FAILED);
        assertThat(build.failureClass()).isEqualTo("script_failure");
        var logs = plane.plane().logStore();
        assertThat(String.join("", logs.listChunks(runId, "build", 1).stream().map(logs::read).toList()))
                .contains("::delta:: artifacts: dist not found in the workspace after the steps");
        assertThat(store.getJob(runId, "ship").orElseThrow().state()).isEqualTo(JobState.SKIPPED);
    }

    @Test
    void uploadUrls_shouldGoOnlyToTheLeaseHolder_ofAJobThatKeepsArtifacts() throws Exception {
        String runId = pushRun("""
                jobs:
                  build:
                    artifacts: [dist]
                    steps: [{run: mkdir dist}]
                  plain:
                    steps: [{run: 'true'}]
                """);
        RunnerApiClient holder = plane.runnerClient("runner-a");
        RunnerApiClient other = plane.runnerClient("runner-b");
        assertThat(holder.artifactUploadUrl(runId, "build", 1).status()).as("not leased yet").isEqualTo(403);
        assertThat(holder.lease(runId, "build", 0).status()).isEqualTo(200);
        assertThat(holder.lease(runId, "plain", 0).status()).isEqualTo(200);

        assertThat(other.artifactUploadUrl(runId, "build", 1).reason()).isEqualTo("lease is held by runner-a, not runner-b");
        assertThat(holder.artifactUploadUrl(runId, "build", 0).reason()).isEqualTo("stale epoch 0; the lease is at epoch 1");
        RunnerApiClient.Answer none = holder.artifactUploadUrl(runId, "plain", 1);
        assertThat(none.status()).isEqualTo(400);
        assertThat(none.reason()).contains("keeps no artifacts");
        RunnerApiClient.Answer granted = holder.artifactUploadUrl(runId, "build", 1);
        assertThat(granted.status()).isEqualTo(200);
        assertThat(granted.body().get("key").asText()).isEqualTo("artifacts/" + runId + "/build/epoch-1.tar.gz");
        assertThat(granted.body().get("url").asText()).contains("/artifacts/" + runId + "/build/epoch-1.tar.gz")
                .contains("X-Amz-Expires=900");
        assertThat(StackContents.of(stack).bucketObjects()).as("asking for a URL writes nothing").isZero();
    }
}
