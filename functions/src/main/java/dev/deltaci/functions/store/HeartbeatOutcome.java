package dev.deltaci.functions.store;

/** What came of renewing a lease. */
public sealed interface HeartbeatOutcome {

    /** The lease runs on; {@code job} is the job as it now stands (it may carry a cancellation). */
    record Renewed(long leaseExpiresAtEpochMs, JobRecord job) implements HeartbeatOutcome {
    }

    /** The caller no longer holds the lease and must stop the job. */
    record LeaseLost(String reason) implements HeartbeatOutcome {
    }
}
