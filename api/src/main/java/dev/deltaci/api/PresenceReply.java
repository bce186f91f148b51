package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;

/** The answer to {@link PresenceRequest}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "outcome")
@JsonSubTypes({@JsonSubTypes.Type(PresenceReply.Recorded.class)})
public sealed interface PresenceReply extends Reply permits PresenceReply.Recorded, Problem {

    @JsonTypeName("recorded")
    record Recorded(String runnerId, Presence state) implements PresenceReply {
        @Override
        public int httpStatus() {
            return 200;
        }
    }
}
