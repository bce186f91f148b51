package dev.deltaci.functions.store;

import dev.deltaci.core.job.JobState;
import dev.deltaci.core.pipeline.JobSpec;
import java.util.List;

/**
 * A job as stored: what it is (its spec, the jobs it needs), where it is ({@code state}), and a
 * few value records for the rest: what its run gave it, the lease that governs it, its
 * attempts, its times and how it ended. One flat item in the table ({@link ItemSchemas}).
 *
 * @param gate       the concurrency gate this job holds or waits for, until it has let go; or null
 * @param waitingFor while it waits for a concurrency group: which one and who holds it; or null
 * @param place      where it sits in its run: the run's size, and whether its end can change anything else
 */
public record JobRecord(String runId, String jobKey, String name, JobState state, List<String> needs, JobSpec spec,
                        JobSource source, JobLease lease, JobAttempts attempts, JobTimes times, JobOutcome outcome,
                        String gate, String waitingFor, JobPlace place) {

    public JobRecord {
        needs = needs == null ? List.of() : List.copyOf(needs);
        source = source == null ? new JobSource(null, null, null, null, null, null, false) : source;
        lease = lease == null ? JobLease.NONE : lease;
        attempts = attempts == null ? JobAttempts.FIRST : attempts;
        times = times == null ? JobTimes.NONE : times;
        outcome = outcome == null ? JobOutcome.NONE : outcome;
        place = place == null ? JobPlace.UNKNOWN : place;
    }

    public JobRecord(String runId, String jobKey, String name, JobState state, List<String> needs, JobSpec spec,
                     JobSource source, JobLease lease, JobAttempts attempts, JobTimes times, JobOutcome outcome,
                     String gate, String waitingFor) {
        this(runId, jobKey, name, state, needs, spec, source, lease, attempts, times, outcome, gate, waitingFor,
                JobPlace.UNKNOWN);
    }

    /** A job as its run's start writes it: first attempt, epoch 0, queued now or blocked on its needs. */
    static JobRecord created(RunRecord run, JobSpec spec, JobState state, JobPlace place, long now) {
        long queuedAt = state == JobState.QUEUED ? now : 0;
        return new JobRecord(run.runId(), spec.key(), spec.name(), state, spec.needs(), spec, JobSource.of(run),
                JobLease.NONE, JobAttempts.FIRST, new JobTimes(now, queuedAt, queuedAt, 0, 0), JobOutcome.NONE,
                null, null, place);
    }

    /** The job as a reference: run id and job key. */
    public JobRef jobRef() {
        return new JobRef(runId, jobKey);
    }

    static final class Builder {
        String runId;
        String jobKey;
        String name;
        JobState state;
        List<String> needs;
        JobSpec spec;
        JobSource source;
        JobLease lease;
        JobAttempts attempts;
        JobTimes times;
        JobOutcome outcome;
        String gate;
        String waitingFor;
        JobPlace place;

        JobRecord build() {
            return new JobRecord(runId, jobKey, name, state, needs, spec, source, lease, attempts, times, outcome, gate,
                    waitingFor, place);
        }
    }
}
