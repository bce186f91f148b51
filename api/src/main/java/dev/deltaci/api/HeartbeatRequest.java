package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Renews the lease of the job in hand; the answer may tell the job to stop. */
public record HeartbeatRequest(String runId, String jobKey, String runnerId,
                          @JsonProperty(required = true) long epoch) implements AttemptCall {
    public HeartbeatRequest {
        WireChecks.id("runId", runId);
        WireChecks.id("jobKey", jobKey);
        WireChecks.id("runnerId", runnerId);
        WireChecks.atLeastZero("epoch", epoch);
    }
}
