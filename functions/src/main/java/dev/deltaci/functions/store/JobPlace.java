package dev.deltaci.functions.store;

/**
 * Where a job sits in its run, written with the job at the run's start so that its completion
 * needs no read of the run ({@link RunTally}).
 *
 * @param runJobCount how many jobs its run has (0: not recorded, an item from before)
 * @param endsAlone   its end can change nothing in its run but the tally: no job needs it, and it
 *                    has no concurrency group of its own nor max-parallel siblings to hand on to
 */
public record JobPlace(int runJobCount, boolean endsAlone) {

    /** An item written before places were recorded: its end always advances the run. */
    public static final JobPlace UNKNOWN = new JobPlace(0, false);

    static final class Builder {
        int runJobCount;
        boolean endsAlone;

        JobPlace build() {
            return new JobPlace(runJobCount, endsAlone);
        }
    }
}
