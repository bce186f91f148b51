package dev.deltaci.functions.store;

/**
 * Where a job sits in its run, written with the job at the run's start so that its completion
 * needs no read of the run ({@link RunTally}).
 *
 * @param runJobCount how many jobs its run has (0: not recorded, an item from before)
 * @param endsAlone   its end can change nothing in its run but the tally: no job needs it, and it
 *                    has no concurrency group of its own nor max-parallel siblings to hand on to
 * @param marksStart  its lease moves the run to RUNNING: the first job that needs none, so that a
 *                    wide matrix writes the run once, not once per instance (the tally of any job's
 *                    end marks it too, should that job be skipped)
 */
public record JobPlace(int runJobCount, boolean endsAlone, boolean marksStart) {

    /** An item written before places were recorded: its end always advances the run. */
    public static final JobPlace UNKNOWN = new JobPlace(0, false, false);

    /** Whether leasing {@code job} marks its run started; items from before places: every job that needs none. */
    public static boolean marksStart(JobRecord job) {
        return job.place().runJobCount() == 0 ? job.needs().isEmpty() : job.place().marksStart();
    }

    static final class Builder {
        int runJobCount;
        boolean endsAlone;
        boolean marksStart;

        JobPlace build() {
            return new JobPlace(runJobCount, endsAlone, marksStart);
        }
    }
}
