package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonTypeName;

/** The caller does not hold the job's lease (another runner, a stale epoch, the job moved on): nothing changed. */
@JsonTypeName("lease_lost")
public record LeaseLost(String reason) implements HeartbeatReply, LogReply, CompleteReply, UploadReply {
    @Override
    public int httpStatus() {
        return 403;
    }
}
