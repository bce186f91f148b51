package dev.deltaci.core.job;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The job state machine as an explicit table. Every conditional write in the store names the
 * states it moves from, taken from here; anything not listed is an illegal transition.
 */
public final class JobTransitions {

    /** One allowed move and why it happens. */
    public record Transition(JobState from, JobState to, String cause) {
    }

    public static final List<Transition> TABLE = List.of(
            new Transition(JobState.BLOCKED, JobState.QUEUED, "every job it needs succeeded"),
            new Transition(JobState.BLOCKED, JobState.SKIPPED, "a job it needs did not succeed"),
            new Transition(JobState.BLOCKED, JobState.CANCELLED, "the run was cancelled"),
            new Transition(JobState.QUEUED, JobState.RUNNING, "a runner took the lease (epoch + 1)"),
            new Transition(JobState.QUEUED, JobState.CANCELLED, "the run was cancelled"),
            new Transition(JobState.QUEUED, JobState.FAILED, "no runner took it within queue-timeout-minutes"),
            new Transition(JobState.RUNNING, JobState.SUCCEEDED, "the lease holder completed with exit code 0"),
            new Transition(JobState.RUNNING, JobState.FAILED,
                    "the lease holder reported a failure, or the lease expired with the retry budget spent (runner_lost)"),
            new Transition(JobState.RUNNING, JobState.TIMED_OUT,
                    "the job ran past timeout-minutes (its runner reported it, or the sweeper found it silent)"),
            new Transition(JobState.RUNNING, JobState.CANCELLED, "the run was cancelled"),
            new Transition(JobState.RUNNING, JobState.QUEUED,
                    "the lease expired, or the failure is retryable: attempt + 1, epoch + 1"));

    private JobTransitions() {
    }

    public static boolean isAllowed(JobState from, JobState to) {
        return TABLE.stream().anyMatch(t -> t.from() == from && t.to() == to);
    }

    /** The states a job may be in for a move to {@code to}: the condition of the write. */
    public static Set<JobState> sourcesOf(JobState to) {
        Set<JobState> sources = EnumSet.noneOf(JobState.class);
        TABLE.stream().filter(t -> t.to() == to).forEach(t -> sources.add(t.from()));
        return sources;
    }

    public static void check(JobState from, JobState to) {
        if (!isAllowed(from, to)) {
            throw new IllegalStateException("illegal job transition " + from + " -> " + to);
        }
    }
}
