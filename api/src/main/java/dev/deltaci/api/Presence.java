package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A runner's availability: what runner counts (idle / busy) are made of; {@code gone} removes it at once. */
public enum Presence {
    @JsonProperty("idle") IDLE,
    @JsonProperty("busy") BUSY,
    @JsonProperty("gone") GONE
}
