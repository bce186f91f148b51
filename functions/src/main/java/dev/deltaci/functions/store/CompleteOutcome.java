package dev.deltaci.functions.store;

import dev.deltaci.core.job.JobState;

/** What came of reporting a job attempt's end. */
public sealed interface CompleteOutcome {

    /** This call moved the job to {@code state}; {@code job} is the job as it left it. */
    record Accepted(JobState state, JobRecord job) implements CompleteOutcome {
    }

    /** The same completion had already been applied (a retry, or a response lost on the way); the job as it is. */
    record AlreadyCompleted(JobState state, JobRecord job) implements CompleteOutcome {
    }

    /** The failure is retried: the job is queued again as {@code attempt} (this call, or an earlier identical one). */
    record Retrying(int attempt) implements CompleteOutcome {
    }

    /** The caller's lease is gone (expired, superseded, or never held): nothing was changed. */
    record LeaseLost(String reason) implements CompleteOutcome {
    }
}
