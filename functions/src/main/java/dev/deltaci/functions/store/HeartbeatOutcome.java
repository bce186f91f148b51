package dev.deltaci.functions.store;

/** What came of renewing a lease. */
public sealed interface HeartbeatOutcome {

    record Renewed(long leaseExpiresAtEpochMs) implements HeartbeatOutcome {
    }

    /** The caller no longer holds the lease and must stop the job. */
    record LeaseLost(String reason) implements HeartbeatOutcome {
    }
}
