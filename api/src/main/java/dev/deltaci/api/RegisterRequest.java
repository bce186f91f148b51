package dev.deltaci.api;

import java.util.List;

/**
 * A runner trades its pool's registration token for a credential and an id of its own (made from
 * {@code name}). {@code instanceId}: the autoscaled instance it runs on, for a pool the scaler
 * manages (null otherwise).
 */
public record RegisterRequest(String registrationToken, String name, List<String> labels, String instanceId) {
    public RegisterRequest {
        labels = labels == null ? List.of() : List.copyOf(labels);
    }

    public RegisterRequest(String registrationToken, String name, List<String> labels) {
        this(registrationToken, name, labels, null);
    }
}
