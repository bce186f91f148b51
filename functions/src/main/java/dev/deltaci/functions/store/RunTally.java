package dev.deltaci.functions.store;

import dev.deltaci.core.job.RunState;

/**
 * A run's tally of its ended jobs, as the write that added to it left it. The tally is three
 * string sets on the run item — jobs ended, of them failed, of them cancelled — so adding a job
 * twice (a repeated completion, two progressors) counts it once; the addition that makes the
 * count reach the run's job count is the one that ends the run, and it needs no read of the jobs.
 *
 * @param run the run item after the write
 */
public record RunTally(RunRecord run, int ended, boolean anyFailed, boolean anyCancelled) {

    /** Every job of the run has ended. */
    public boolean complete() {
        return run.jobCount() > 0 && ended >= run.jobCount();
    }

    /** What the run ends as, once {@link #complete}. */
    public RunState endState() {
        return RunState.ended(anyFailed, anyCancelled);
    }
}
