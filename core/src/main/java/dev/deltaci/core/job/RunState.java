package dev.deltaci.core.job;

import java.util.Collection;
import java.util.List;

/** A run's state. It is never set by hand: it is always {@link #derive derived} from its jobs. */
public enum RunState {
    PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    /** One allowed change of a run's stored status, and when it happens. */
    public record Transition(RunState from, RunState to, String cause) {
    }

    /**
     * The moves the stored status may make: forward only, never out of a finished state (the
     * store's write is conditional on the status being PENDING or RUNNING). A run can finish
     * straight from PENDING when no job ever started (all cancelled, or timed out in the queue).
     */
    public static final List<Transition> TRANSITIONS = List.of(
            new Transition(PENDING, RUNNING, "a job without needs was leased, or a job finished while others remain"),
            new Transition(PENDING, SUCCEEDED, "every job finished before the status was first stored"),
            new Transition(PENDING, FAILED, "the pipeline is invalid (config_error), or jobs failed before any ran"),
            new Transition(PENDING, CANCELLED, "cancelled before any job ran"),
            new Transition(RUNNING, SUCCEEDED, "every job finished and none failed, timed out or was cancelled"),
            new Transition(RUNNING, FAILED, "every job finished and one failed or timed out"),
            new Transition(RUNNING, CANCELLED, "every job finished, none failed, and one was cancelled"));

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
        return ended(jobs.stream().anyMatch(RunState::failedJob), jobs.stream().anyMatch(s -> s == JobState.CANCELLED));
    }

    /** Whether a job in this state makes its run FAILED. */
    public static boolean failedJob(JobState job) {
        return job == JobState.FAILED || job == JobState.TIMED_OUT;
    }

    /** The state of a run whose jobs have all finished: FAILED if one failed, else CANCELLED if one was, else SUCCEEDED. */
    public static RunState ended(boolean anyFailed, boolean anyCancelled) {
        return anyFailed ? FAILED : anyCancelled ? CANCELLED : SUCCEEDED;
    }
}
