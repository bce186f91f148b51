package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;

/** The answer to {@link LeaseRequest}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "outcome")
@JsonSubTypes({@JsonSubTypes.Type(LeaseReply.Leased.class), @JsonSubTypes.Type(LeaseReply.TryLater.class),
        @JsonSubTypes.Type(LeaseReply.NotLeasable.class), @JsonSubTypes.Type(LeaseReply.UnknownJob.class),
        @JsonSubTypes.Type(LeaseReply.Draining.class)})
public sealed interface LeaseReply extends Reply
        permits LeaseReply.Leased, LeaseReply.TryLater, LeaseReply.NotLeasable, LeaseReply.UnknownJob, LeaseReply.Draining, Problem {

    /** The lease is this runner's: DynamoDB now owns the job's fate (the sweeper requeues it if the runner dies). */
    @JsonTypeName("acquired")
    record Leased(LeaseTerms lease, JobTicket job) implements LeaseReply {
        @Override
        public int httpStatus() {
            return 200;
        }
    }

    /** The job's last attempt failed on this runner: another runner gets the first chance for a while. */
    @JsonTypeName("try_later")
    record TryLater(long retryAfterMs, String reason) implements LeaseReply {
        @Override
        public int httpStatus() {
            return 409;
        }
    }

    /** The job is not waiting for a runner (leased by another, finished, or the message is stale). */
    @JsonTypeName("not_leasable")
    record NotLeasable(String state, String reason) implements LeaseReply {
        @Override
        public int httpStatus() {
            return 409;
        }
    }

    @JsonTypeName("unknown_job")
    record UnknownJob(String error) implements LeaseReply {
        @Override
        public int httpStatus() {
            return 404;
        }
    }

    /**
     * The runner's instance is drained (the scaler is taking it out, or it was an ephemeral
     * instance's one job): it leases nothing more and should stop, leaving the message to others.
     */
    @JsonTypeName("draining")
    record Draining(String reason) implements LeaseReply {
        @Override
        public int httpStatus() {
            return 409;
        }
    }
}
