package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.deltaci.core.job.FailureClass;

/**
 * Ends an attempt. {@code attempt} and {@code startedAtEpochMs} echo the lease answer;
 * {@code failureClass} is null for a success (a non-zero exit without one is a script failure);
 * {@code artifactSha256} is the SHA-256 of the archive the attempt uploaded (null: none), which
 * the jobs that need this one are given to check their download against. {@code outputs} is what
 * the job's {@code outputs:} rendered to (null: none), at most {@link #MAX_OUTPUT_BYTES} in all.
 * {@code lastLog} is the attempt's last log chunk (null: all were sent to {@code /runner/logs});
 * {@code logChunks} counts it.
 */
public record CompleteRequest(String runId, String jobKey, String runnerId, @JsonProperty(required = true) long epoch,
                              @JsonProperty(required = true) int attempt,
                              @JsonProperty(required = true) long startedAtEpochMs,
                              @JsonProperty(required = true) int exitCode, FailureClass failureClass,
                              @JsonProperty(required = true) int logChunks, String artifactSha256,
                              java.util.Map<String, String> outputs, LogTail lastLog)
        implements AttemptCall {

    /** GitHub keeps 1 MB of outputs per job; Delta keeps them on the job's item, which DynamoDB caps at 400 KB. */
    public static final int MAX_OUTPUT_BYTES = 64 * 1024;
    public static final int MAX_OUTPUTS = 64;

    public CompleteRequest {
        WireChecks.id("runId", runId);
        WireChecks.id("jobKey", jobKey);
        WireChecks.id("runnerId", runnerId);
        WireChecks.atLeastZero("epoch", epoch);
        WireChecks.sha256OrNull("artifactSha256", artifactSha256);
        outputs = outputs == null ? java.util.Map.of() : java.util.Map.copyOf(outputs);
        if (lastLog != null && lastLog.seq() >= logChunks) {
            throw new IllegalArgumentException("'lastLog.seq' is " + lastLog.seq() + " but 'logChunks' is " + logChunks
                    + ": the last chunk is numbered logChunks - 1");
        }
        if (outputs.size() > MAX_OUTPUTS || outputBytes(outputs) > MAX_OUTPUT_BYTES) {
            throw new IllegalArgumentException("outputs: " + outputs.size() + " outputs of " + outputBytes(outputs)
                    + " bytes; at most " + MAX_OUTPUTS + " of " + MAX_OUTPUT_BYTES + " bytes in all");
        }
    }

    public CompleteRequest(String runId, String jobKey, String runnerId, long epoch, int attempt, long startedAtEpochMs,
                           int exitCode, FailureClass failureClass, int logChunks, String artifactSha256) {
        this(runId, jobKey, runnerId, epoch, attempt, startedAtEpochMs, exitCode, failureClass, logChunks, artifactSha256,
                null, null);
    }

    /** The bytes outputs take, names and values in UTF-8: what the limit counts. */
    public static int outputBytes(java.util.Map<String, String> outputs) {
        return outputs.entrySet().stream().mapToInt(e -> e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                + (e.getValue() == null ? 0 : e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length)).sum();
    }

    /** How the attempt ended: the failure it names, a script failure for a bare non-zero exit, else none. */
    public FailureClass failure() {
        return failureClass == null && exitCode != 0 ? FailureClass.SCRIPT_FAILURE : failureClass;
    }
}
