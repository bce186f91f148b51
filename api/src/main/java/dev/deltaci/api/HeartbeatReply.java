package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;
import dev.deltaci.core.job.FailureClass;

/** The answer to {@link HeartbeatRequest}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "outcome")
@JsonSubTypes({@JsonSubTypes.Type(HeartbeatReply.Renewed.class), @JsonSubTypes.Type(LeaseLost.class)})
public sealed interface HeartbeatReply extends Reply permits HeartbeatReply.Renewed, LeaseLost, Problem {

    /**
     * The lease runs to {@code leaseExpiresAtEpochMs}. {@code stop}, when set, says the job must
     * stop and end with that failure class ({@code timeout}, {@code cancelled}); a runner that
     * does not stop within the stop grace has its attempt ended for it. {@code logToken} replaces
     * the lease answer's, good until the renewed expiry.
     */
    @JsonTypeName("renewed")
    record Renewed(long leaseExpiresAtEpochMs, FailureClass stop, String logToken) implements HeartbeatReply {

        public Renewed(long leaseExpiresAtEpochMs, FailureClass stop) {
            this(leaseExpiresAtEpochMs, stop, null);
        }

        @Override
        public int httpStatus() {
            return 200;
        }
    }
}
