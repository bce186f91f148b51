package dev.deltaci.api;

import java.util.List;

/** A runner trades its pool's registration token for a credential and an id of its own (made from {@code name}). */
public record RegisterRequest(String registrationToken, String name, List<String> labels) {
    public RegisterRequest {
        labels = labels == null ? List.of() : List.copyOf(labels);
    }
}
