package dev.deltaci.functions.store;

/**
 * How a job ended (or why it was skipped or failed before it ran): the failing step's exit code
 * (null when no process exit was seen), the failure class and reason, how many log chunks the
 * accepted attempt reported (-1 before completion), and the SHA-256 of its artifact archive,
 * which dependants check their download against; {@code reusedFromRunId}: a rerun of failed jobs
 * kept this job's success from that run (its logs and artifacts are that run's), or null.
 */
public record JobOutcome(Integer exitCode, String failureClass, String reason, int logChunks, String artifactSha256,
                         String reusedFromRunId, java.util.Map<String, String> outputs) {

    public JobOutcome {
        outputs = outputs == null ? java.util.Map.of() : java.util.Map.copyOf(outputs);
    }

    public JobOutcome(Integer exitCode, String failureClass, String reason, int logChunks, String artifactSha256,
                      String reusedFromRunId) {
        this(exitCode, failureClass, reason, logChunks, artifactSha256, reusedFromRunId, null);
    }

    static final JobOutcome NONE = new JobOutcome(null, null, null, -1, null);

    public JobOutcome(Integer exitCode, String failureClass, String reason, int logChunks, String artifactSha256) {
        this(exitCode, failureClass, reason, logChunks, artifactSha256, null);
    }

    static final class Builder {
        Integer exitCode;
        String failureClass;
        String reason;
        int logChunks = -1;
        String artifactSha256;
        String reusedFromRunId;
        java.util.Map<String, String> outputs;

        JobOutcome build() {
            return new JobOutcome(exitCode, failureClass, reason, logChunks, artifactSha256, reusedFromRunId, outputs);
        }
    }
}
