package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A runner says it is here, and whether it is running a job. */
public record PresenceRequest(@JsonProperty(required = true) Presence state) {
    public PresenceRequest {
        if (state == null) {
            throw new IllegalArgumentException("'state' must be one of idle, busy, gone");
        }
    }
}
