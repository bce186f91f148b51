package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One chunk of an attempt's log, numbered from 0; the same chunk sent again replaces itself.
 * {@code token} is the latest log token of the lease (null: the stored lease is read instead).
 */
public record LogRequest(String runId, String jobKey, String runnerId, @JsonProperty(required = true) long epoch,
                         @JsonProperty(required = true) int seq, String text, String token) implements AttemptCall {
    public LogRequest {
        WireChecks.id("runId", runId);
        WireChecks.id("jobKey", jobKey);
        WireChecks.id("runnerId", runnerId);
        WireChecks.atLeastZero("epoch", epoch);
        if (seq < 0) {
            throw new IllegalArgumentException("'seq' must be 0 or more");
        }
        WireChecks.required("text", text);
    }
}
