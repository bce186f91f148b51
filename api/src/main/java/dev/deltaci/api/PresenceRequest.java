package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A runner says it is here, and whether it is running a job; {@code inStateForMs}, for how long
 * (measured on the runner's monotonic clock, so clock skew does not matter; null if unknown).
 */
public record PresenceRequest(@JsonProperty(required = true) Presence state, Long inStateForMs) {
    public PresenceRequest {
        if (state == null) {
            throw new IllegalArgumentException("'state' must be one of idle, busy, gone");
        }
        if (inStateForMs != null && inStateForMs < 0) {
            throw new IllegalArgumentException("'inStateForMs' must be 0 or more");
        }
    }

    public PresenceRequest(Presence state) {
        this(state, null);
    }
}
