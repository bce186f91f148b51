package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Asks for a presigned URL to upload this attempt's artifact archive to (it expires with the lease). */
public record ArtifactUploadRequest(String runId, String jobKey, String runnerId,
                          @JsonProperty(required = true) long epoch) implements AttemptCall {
    public ArtifactUploadRequest {
        WireChecks.id("runId", runId);
        WireChecks.id("jobKey", jobKey);
        WireChecks.id("runnerId", runnerId);
        WireChecks.atLeastZero("epoch", epoch);
    }
}
