package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;

/** The answer to {@link CompleteRequest}; {@code state} is the job's state after it (a JobState name). */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "outcome")
@JsonSubTypes({@JsonSubTypes.Type(CompleteReply.Accepted.class), @JsonSubTypes.Type(CompleteReply.AlreadyCompleted.class),
        @JsonSubTypes.Type(CompleteReply.Retrying.class), @JsonSubTypes.Type(LeaseLost.class)})
public sealed interface CompleteReply extends Reply
        permits CompleteReply.Accepted, CompleteReply.AlreadyCompleted, CompleteReply.Retrying, LeaseLost, Problem {

    @JsonTypeName("accepted")
    record Accepted(String state) implements CompleteReply {
        @Override
        public int httpStatus() {
            return 200;
        }
    }

    /** The same completion again (a retried call whose first try was applied): nothing changed. */
    @JsonTypeName("already_completed")
    record AlreadyCompleted(String state) implements CompleteReply {
        @Override
        public int httpStatus() {
            return 200;
        }
    }

    /** The failure earned another attempt: the job is queued again as {@code attempt}. */
    @JsonTypeName("retrying")
    record Retrying(String state, int attempt) implements CompleteReply {
        @Override
        public int httpStatus() {
            return 200;
        }
    }
}
