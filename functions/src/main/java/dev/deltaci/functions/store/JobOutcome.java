package dev.deltaci.functions.store;

/**
 * How a job ended (or why it was skipped or failed before it ran): the failing step's exit code
 * (null when no process exit was seen), the failure class and reason, how many log chunks the
 * accepted attempt reported (-1 before completion), and the SHA-256 of its artifact archive,
 * which dependants check their download against.
 */
public record JobOutcome(Integer exitCode, String failureClass, String reason, int logChunks, String artifactSha256) {

    static final JobOutcome NONE = new JobOutcome(null, null, null, -1, null);

    static final class Builder {
        Integer exitCode;
        String failureClass;
        String reason;
        int logChunks = -1;
        String artifactSha256;

        JobOutcome build() {
            return new JobOutcome(exitCode, failureClass, reason, logChunks, artifactSha256);
        }
    }
}
