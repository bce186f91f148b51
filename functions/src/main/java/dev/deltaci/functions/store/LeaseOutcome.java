package dev.deltaci.functions.store;

import dev.deltaci.core.job.JobState;

/** What came of asking for a job's lease. */
public sealed interface LeaseOutcome {

    /** The caller holds the lease; {@code job} is the job as it now stands. */
    record Acquired(JobRecord job) implements LeaseOutcome {
    }

    /** The job cannot be leased under the epoch asked for: the message was stale or a duplicate. */
    record NotLeasable(JobState state, long leaseEpoch, String reason) implements LeaseOutcome {
    }

    /** Not yet for this runner: the job's last attempt failed on it, and another may come along. */
    record TryLater(long retryAfterMs) implements LeaseOutcome {
    }

    /** No such job. */
    record UnknownJob() implements LeaseOutcome {
    }
}
