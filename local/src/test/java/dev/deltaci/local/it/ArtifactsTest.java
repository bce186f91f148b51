package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deltaci.api.LeaseLost;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.api.Problem;
import dev.deltaci.api.UploadReply;
import dev.deltaci.core.job.JobState;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.local.support.StackContents;
import dev.deltaci.runner.RunnerApiClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertThat(build.outcome().failureClass()).isEqualTo("script_failure");
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
        assertThat(holder.artifactUploadUrl(runId, "build", 1).httpStatus()).as("not leased yet").isEqualTo(403);
        assertThat(holder.lease(runId, "build", 0).httpStatus()).isEqualTo(200);
        assertThat(holder.lease(runId, "plain", 0).httpStatus()).isEqualTo(200);

        assertThat(other.artifactUploadUrl(runId, "build", 1)).isEqualTo(new LeaseLost("the lease at epoch 1 is held by another runner"));
        assertThat(holder.artifactUploadUrl(runId, "build", 0)).isEqualTo(new LeaseLost("stale epoch 0; the lease is at epoch 1"));
        var none = holder.artifactUploadUrl(runId, "plain", 1);
        assertThat(none.httpStatus()).isEqualTo(400);
        assertThat(((Problem) none).error()).contains("keeps no artifacts");
        UploadReply.Upload granted = (UploadReply.Upload) holder.artifactUploadUrl(runId, "build", 1);
        assertThat(granted.key()).isEqualTo("artifacts/" + runId + "/build/epoch-1.tar.gz");
        assertThat(granted.url()).contains("/artifacts/" + runId + "/build/epoch-1.tar.gz");
        // the URL dies with the lease, not 15 minutes later
        long leaseExpiresAt = store.getJob(runId, "build").orElseThrow().lease().expiresAtEpochMs();
        java.util.regex.Matcher expires = java.util.regex.Pattern.compile("X-Amz-Expires=(\\d+)")
                .matcher(granted.url());
        assertThat(expires.find()).isTrue();
        assertThat(Long.parseLong(expires.group(1)) * 1000).isLessThanOrEqualTo(leaseExpiresAt - System.currentTimeMillis() + 1000);
        assertThat(granted.expiresAtEpochMs()).isLessThanOrEqualTo(leaseExpiresAt);
        assertThat(StackContents.of(stack).bucketObjects()).as("asking for a URL writes nothing").isZero();
    }

    @Test
    void anArchiveReplacedAfterItsJobCompleted_shouldBeRefusedByTheDependant() throws Exception {
        String runId = pushRun("""
                jobs:
                  build:
                    artifacts: [dist]
                    steps: [{run: mkdir dist}]
                  deploy:
                    needs: build
                    steps: [{run: cat dist/app}]
                """);
        RunnerApiClient holder = plane.runnerClient("runner-a");
        var lease = holder.lease(runId, "build", 0);
        Path real = archiveOf("dist/app", "the real build\n");
        Path planted = archiveOf("dist/app", "planted\n");
        URI url = URI.create(((UploadReply.Upload) holder.artifactUploadUrl(runId, "build", 1)).url());
        assertThat(holder.upload(url, real, "application/gzip")).isEqualTo(200);
        assertThat(holder.complete(runId, "build", 1, 1, ((LeaseReply.Leased) lease).lease().startedAtEpochMs(),
                0, null, 0, sha256(real)).httpStatus()).isEqualTo(200);

        // the attempt has ended; its URL, used again while it still lives, replaces the archive
        assertThat(holder.upload(url, planted, "application/gzip")).isEqualTo(200);
        try (RunnerPool pool = RunnerPool.start(1, plane.runnerTarget(), Files.createTempDirectory("delta-art-"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
        }

        JobRecord deploy = store.getJob(runId, "deploy").orElseThrow();
        assertThat(deploy.state()).isEqualTo(JobState.FAILED);
        var logs = plane.plane().logStore();
        String log = String.join("", logs.listChunks(runId, "deploy", 1).stream().map(logs::read).toList()); // epoch 1
        assertThat(log).contains("the artifacts of build are not the archive its job completed with").doesNotContain("planted");
    }

    @Test
    void aPresignedUrl_shouldWorkOnlyForItsObjectAndMethod() throws Exception {
        String runId = pushRun("""
                jobs:
                  build:
                    artifacts: [dist]
                    steps: [{run: mkdir dist}]
                  other:
                    artifacts: [dist]
                    steps: [{run: mkdir dist}]
                """);
        RunnerApiClient holder = plane.runnerClient("runner-a");
        assertThat(holder.lease(runId, "build", 0).httpStatus()).isEqualTo(200);
        String url = ((UploadReply.Upload) holder.artifactUploadUrl(runId, "build", 1)).url();
        HttpClient http = HttpClient.newHttpClient();
        java.util.function.Function<String, HttpRequest.Builder> to = u -> HttpRequest.newBuilder(URI.create(u))
                .header("content-type", "application/gzip");

        int own = http.send(to.apply(url).PUT(HttpRequest.BodyPublishers.ofString("archive")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
        int otherJob = http.send(to.apply(url.replace("/build/", "/other/")).PUT(HttpRequest.BodyPublishers.ofString("forged"))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        int otherEpoch = http.send(to.apply(url.replace("/epoch-1.", "/epoch-2.")).PUT(HttpRequest.BodyPublishers.ofString("forged"))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        int read = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();

        assertThat(own).isEqualTo(200);
        assertThat(otherJob).as("another job's key").isEqualTo(403);
        assertThat(otherEpoch).as("another attempt's key").isEqualTo(403);
        assertThat(read).as("an upload URL does not read").isEqualTo(403);
        assertThat(StackContents.of(stack).bucketObjects()).as("only the signed object was written").isEqualTo(1);
    }

    /** A tar.gz holding one file, as a runner packs it. */
    private static Path archiveOf(String name, String content) throws Exception {
        Path archive = Files.createTempFile("delta-archive-", ".tar.gz");
        byte[] body = content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (var out = Files.newOutputStream(archive);
             var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
                     new org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream(out))) {
            var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name);
            entry.setSize(body.length);
            tar.putArchiveEntry(entry);
            tar.write(body);
            tar.closeArchiveEntry();
        }
        return archive;
    }

    private static String sha256(Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(file)));
    }
}
