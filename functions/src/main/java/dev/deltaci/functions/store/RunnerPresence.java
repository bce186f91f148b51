package dev.deltaci.functions.store;

import java.util.List;

/**
 * One runner as its last presence call left it: its pool and labels, idle or busy and since when,
 * the autoscaled instance it runs on (null if none), when it was seen, and when DynamoDB's TTL
 * removes the item ({@code expiresAt}, epoch seconds).
 */
record RunnerPresence(String runnerId, String pool, List<String> labels, OpsStore.RunnerState state,
                      long lastSeenAtEpochMs, long expiresAt, String instanceId, long stateSinceEpochMs) {

    static final String PK = "RUNNERS";

    static String sk(String runnerId) {
        return "RUNNER#" + runnerId;
    }

    static final class Builder {
        String runnerId;
        String pool;
        List<String> labels = List.of();
        OpsStore.RunnerState state = OpsStore.RunnerState.IDLE;
        long lastSeenAtEpochMs;
        long expiresAt;
        String instanceId;
        long stateSinceEpochMs;

        RunnerPresence build() {
            return new RunnerPresence(runnerId, pool, labels, state, lastSeenAtEpochMs, expiresAt, instanceId,
                    stateSinceEpochMs);
        }
    }
}
