package dev.deltaci.core.job;

import java.util.Collection;

/** A run's state. It is never set by hand: it is always {@link #derive derived} from its jobs. */
public enum RunState {
    PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /**
     * The run's state given its jobs' states: PENDING until a job starts, RUNNING while any job
     * is unfinished, then FAILED if any job failed or timed out, else CANCELLED if any was
     * cancelled, else SUCCEEDED.
     */
    public static RunState derive(Collection<JobState> jobs) {
        if (jobs.isEmpty()) {
            return PENDING;
        }
        boolean allTerminal = jobs.stream().allMatch(JobState::isTerminal);
        if (!allTerminal) {
            boolean started = jobs.stream().anyMatch(s -> s == JobState.RUNNING || s.isTerminal());
            return started ? RUNNING : PENDING;
        }
        if (jobs.stream().anyMatch(s -> s == JobState.FAILED || s == JobState.TIMED_OUT)) {
            return FAILED;
        }
        if (jobs.stream().anyMatch(s -> s == JobState.CANCELLED)) {
            return CANCELLED;
        }
        return SUCCEEDED;
    }
}
