package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.deltaci.core.job.FailureClass;

/**
 * Ends an attempt. {@code attempt} and {@code startedAtEpochMs} echo the lease answer;
 * {@code failureClass} is null for a success (a non-zero exit without one is a script failure);
 * {@code artifactSha256} is the SHA-256 of the archive the attempt uploaded (null: none), which
 * the jobs that need this one are given to check their download against.
 */
public record CompleteRequest(String runId, String jobKey, String runnerId, @JsonProperty(required = true) long epoch,
                              @JsonProperty(required = true) int attempt,
                              @JsonProperty(required = true) long startedAtEpochMs,
                              @JsonProperty(required = true) int exitCode, FailureClass failureClass,
                              @JsonProperty(required = true) int logChunks, String artifactSha256)
        implements AttemptCall {
    public CompleteRequest {
        WireChecks.id("runId", runId);
        WireChecks.id("jobKey", jobKey);
        WireChecks.id("runnerId", runnerId);
        WireChecks.atLeastZero("epoch", epoch);
        WireChecks.sha256OrNull("artifactSha256", artifactSha256);
    }

    /** How the attempt ended: the failure it names, a script failure for a bare non-zero exit, else none. */
    public FailureClass failure() {
        return failureClass == null && exitCode != 0 ? FailureClass.SCRIPT_FAILURE : failureClass;
    }
}
