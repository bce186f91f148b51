package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Asks for the lease of a job, taken with the labels of the runner's credential. */
public record LeaseRequest(String runId, String jobKey, String runnerId,
                          @JsonProperty(required = true) long epoch) implements AttemptCall {
    public LeaseRequest {
        WireChecks.id("runId", runId);
        WireChecks.id("jobKey", jobKey);
        WireChecks.id("runnerId", runnerId);
        WireChecks.atLeastZero("epoch", epoch);
    }
}
