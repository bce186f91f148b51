package dev.deltaci.runner;

import dev.deltaci.api.LeaseLost;
import dev.deltaci.api.Problem;
import dev.deltaci.api.UploadReply;
import dev.deltaci.core.job.FailureClass;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's artifacts on this runner: the archives of the jobs it needs, downloaded and checked
 * against the SHA-256 their completions recorded, and its own, packed and uploaded through a
 * presigned URL. The store (S3) may be away for up to the storage outage limit meanwhile.
 */
final class ArtifactTransfer {

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactTransfer.class);

    private final RunnerApiClient api;
    private final Path workRoot;
    private final Duration storageOutageLimit;

    ArtifactTransfer(RunnerApiClient api, Path workRoot, Duration storageOutageLimit) {
        this.api = api;
        this.workRoot = workRoot;
        this.storageOutageLimit = storageOutageLimit;
    }

    /** What keeping the artifacts came to: the archive's SHA-256, or why the job fails and how. */
    record Kept(String sha256, FailureClass failureClass, String problem) {
        static Kept stored(String sha256) {
            return new Kept(sha256, null, null);
        }

        static Kept failed(FailureClass failureClass, String problem) {
            return new Kept(null, failureClass, problem);
        }
    }

    /**
     * Downloads and unpacks the artifacts of the jobs this one needs, each checked against the
     * SHA-256 its job's completion recorded (an archive replaced since is refused); returns what
     * went wrong, or null.
     */
    String unpackDownloads(LeasedJob job, Path workspace, LogStreamer log) throws IOException {
        for (LeasedJob.Download input : job.downloads()) {
            Path archive = Files.createTempFile(workRoot, "input-", ".tar.gz");
            try {
                URI url = URI.create(input.url());
                int status = untilStored("artifact download", () -> api.download(url, archive));
                if (status != 200) {
                    return "cannot download the artifacts of " + input.name() + ": HTTP " + status;
                }
                String sha256 = ArtifactArchive.sha256(archive);
                if (input.sha256() == null || !input.sha256().equals(sha256)) {
                    return "the artifacts of " + input.name() + " are not the archive its job completed with (SHA-256 "
                            + sha256 + ", recorded " + input.sha256() + "); refusing them";
                }
                ArtifactArchive.Contents contents = ArtifactArchive.unpack(archive, workspace);
                log.line("::delta:: artifacts of " + input.name() + ": " + files(contents));
            } finally {
                Files.deleteIfExists(archive);
            }
        }
        return null;
    }

    /**
     * Packs the job's {@code artifacts:} and uploads them through a presigned URL, asked for
     * afresh for each try (URLs expire with the lease). A path the steps did not produce fails the
     * job as a script failure; a failed upload is an infrastructure error. Links that point
     * outside the kept paths are left out, and said so in the job's log.
     */
    Kept keepArtifacts(LeasedJob job, Path workspace, LogStreamer log) throws IOException {
        List<String> missing = ArtifactArchive.missing(workspace, job.artifacts());
        if (!missing.isEmpty()) {
            return Kept.failed(FailureClass.SCRIPT_FAILURE, "artifacts: " + String.join(", ", missing)
                    + " not found in the workspace after the steps");
        }
        Path archive = Files.createTempFile(workRoot, "artifacts-", ".tar.gz");
        try {
            ArtifactArchive.Contents contents = ArtifactArchive.pack(workspace, job.artifacts(), archive);
            if (!contents.linksLeftOut().isEmpty()) {
                log.line("::delta:: " + contents.linksLeftOut().size() + " symbolic link(s) left out of the artifacts: "
                        + "they point outside them: " + String.join(", ", contents.linksLeftOut().stream().limit(20).toList())
                        + (contents.linksLeftOut().size() > 20 ? ", …" : ""));
            }
            String[] refused = new String[1];
            int status = untilStored("artifact upload", () -> {
                UploadReply reply = api.artifactUploadUrl(job.runId(), job.jobKey(), job.epoch());
                if (reply instanceof UploadReply.Upload upload) {
                    return api.upload(URI.create(upload.url()), archive, "application/gzip");
                }
                if (reply instanceof LeaseLost lost) {
                    refused[0] = "lease lost: " + lost.reason();
                    return 0;
                }
                Problem problem = (Problem) reply;
                refused[0] = problem.error();
                return problem.retryable() ? problem.status() : 0;
            });
            if (status != 200) {
                return Kept.failed(FailureClass.INFRA_ERROR, "cannot upload artifacts: "
                        + (refused[0] != null && status == 0 ? refused[0] : "HTTP " + status));
            }
            log.line("::delta:: kept artifacts " + String.join(", ", job.artifacts()) + ": " + files(contents)
                    + " (" + Files.size(archive) + " compressed)");
            return Kept.stored(ArtifactArchive.sha256(archive));
        } finally {
            Files.deleteIfExists(archive);
        }
    }

    interface StorageCall {
        int call() throws IOException;
    }

    /**
     * A call to the artifact store (S3, through a presigned URL), retried with backoff while the
     * store is unreachable or answers 5xx, for up to the storage outage limit; returns the last
     * HTTP status (or throws the last error).
     */
    private int untilStored(String what, StorageCall call) throws IOException {
        long deadline = System.nanoTime() + storageOutageLimit.toNanos();
        long pauseMs = 250;
        while (true) {
            try {
                int status = call.call();
                if (status < 500 || System.nanoTime() > deadline) {
                    return status;
                }
                LOG.warn(what + " answered HTTP " + status + "; retrying in " + pauseMs + " ms");
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(what + ": the artifact store was unavailable for more than "
                            + storageOutageLimit.toSeconds() + " s (" + e.getMessage() + ")", e);
                }
                LOG.warn(what + " failed (" + e.getMessage() + "); retrying in " + pauseMs + " ms");
            }
            sleepQuietly(pauseMs);
            pauseMs = Math.min(pauseMs * 2, 5000);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String files(ArtifactArchive.Contents contents) {
        return contents.files() + (contents.files() == 1 ? " file, " : " files, ") + contents.bytes() + " bytes"
                + (contents.links() == 0 ? "" : ", " + contents.links() + (contents.links() == 1 ? " link" : " links"));
    }
}
