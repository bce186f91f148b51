package dev.deltaci.functions.store;

import dev.deltaci.core.job.JobState;

/** What came of reporting a job attempt's end. */
public sealed interface CompleteOutcome {

    /** This call moved the job to {@code state}. */
    record Accepted(JobState state) implements CompleteOutcome {
    }

    /** The same completion had already been applied (a retry, or a response lost on the way). */
    record AlreadyCompleted(JobState state) implements CompleteOutcome {
    }

    /** The failure is retried: the job is queued again as {@code attempt} (this call, or an earlier identical one). */
    record Retrying(int attempt) implements CompleteOutcome {
    }

    /** The caller's lease is gone (expired, superseded, or never held): nothing was changed. */
    record LeaseLost(String reason) implements CompleteOutcome {
    }
}
