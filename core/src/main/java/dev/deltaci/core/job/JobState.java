package dev.deltaci.core.job;

/** Where a job is in its life. The allowed moves between states are in {@link JobTransitions}. */
public enum JobState {
    /** Waits for the jobs it needs. */
    BLOCKED,
    /** Its needs are met and a message for it is on the queue. */
    QUEUED,
    /** A runner holds its lease. */
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED,
    TIMED_OUT,
    /** Will never run because a job it needs did not succeed. */
    SKIPPED;

    public boolean isTerminal() {
        return switch (this) {
            case SUCCEEDED, FAILED, CANCELLED, TIMED_OUT, SKIPPED -> true;
            case BLOCKED, QUEUED, RUNNING -> false;
        };
    }

    /** A finished job whose dependants can no longer run. */
    public boolean blocksDependants() {
        return isTerminal() && this != SUCCEEDED;
    }
}
