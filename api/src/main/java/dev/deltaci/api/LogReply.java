package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;

/** The answer to {@link LogRequest}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "outcome")
@JsonSubTypes({@JsonSubTypes.Type(LogReply.Stored.class), @JsonSubTypes.Type(LeaseLost.class)})
public sealed interface LogReply extends Reply permits LogReply.Stored, LeaseLost, Problem {

    @JsonTypeName("stored")
    record Stored(int seq) implements LogReply {
        @Override
        public int httpStatus() {
            return 200;
        }
    }
}
