package dev.deltaci.api;

import java.util.List;

/**
 * A runner trades its pool's registration token for a credential and an id of its own (made from
 * {@code name}). {@code instanceId}: the autoscaled instance it runs on, for a pool the scaler
 * manages (null otherwise). A runner on an instance of the fleet sends {@code awsIdentity}
 * instead of a token: the instance is then whatever STS says it is.
 */
public record RegisterRequest(String registrationToken, String name, List<String> labels, String instanceId,
                              AwsIdentityProof awsIdentity) {
    public RegisterRequest {
        labels = labels == null ? List.of() : List.copyOf(labels);
    }

    public RegisterRequest(String registrationToken, String name, List<String> labels) {
        this(registrationToken, name, labels, null, null);
    }
}
