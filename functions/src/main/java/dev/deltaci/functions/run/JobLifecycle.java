package dev.deltaci.functions.run;

import dev.deltaci.api.JobMessage;
import dev.deltaci.core.job.FailureClass;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.Lease;
import dev.deltaci.functions.queue.JobQueue;
import dev.deltaci.functions.store.CompleteOutcome;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.LeaseOutcome;
import dev.deltaci.functions.store.SweepStore;
import dev.deltaci.functions.store.Written;
import java.util.List;

/**
 * Every transition of a started job, with its after-effect, in one place, so no caller can
 * forget one: a requeue (a new epoch) is followed by the queue message for that epoch; an end
 * (completion, force-end after the stop grace, a lease that expired, a queue timeout, a cancel)
 * is followed by advancing the run (its dependants, its state). The runner API, the sweeper and
 * cancel call this; the run's own moves (queueing dependants, skipping) are {@link RunProgressor}'s.
 *
 * <p>Each write is conditional and each after-effect safe to repeat: a message sent twice is
 * refused at lease time by its epoch, advancing converges, and a tally counts a job once. If the
 * process dies between the write and the after-effect, it is done again by whoever repeats the
 * call: the runner retries its completion until it is answered (a repeat is {@code
 * AlreadyCompleted} and tallies or advances again), and the sweeper re-sends a job queued without
 * its message. A {@link Listener} hears every transition that took effect.
 */
public final class JobLifecycle {

    /**
     * Hears that some of a run's jobs changed state (GitHub reporting hooks in here), at least
     * once per change that took effect; a repeat whose first try was applied may be heard again.
     */
    public interface Listener {
        Listener NONE = runId -> { };

        void jobsChanged(String runId);
    }

    private final JobStore jobs;
    private final SweepStore sweeps;
    private final JobQueue queue;
    private final RunProgressor progressor;
    private final Listener listener;

    public JobLifecycle(JobStore jobs, SweepStore sweeps, JobQueue queue, RunProgressor progressor, Listener listener) {
        this.jobs = jobs;
        this.sweeps = sweeps;
        this.queue = queue;
        this.progressor = progressor;
        this.listener = listener;
    }

    public JobLifecycle(JobStore jobs, SweepStore sweeps, JobQueue queue, RunProgressor progressor) {
        this(jobs, sweeps, queue, progressor, Listener.NONE);
    }

    /** QUEUED → RUNNING for the runner whose lease request holds (its labels, the epoch it was sent). */
    public LeaseOutcome lease(String runId, String jobKey, String runnerId, List<String> labels, long epoch,
                              Lease.Policy policy) {
        LeaseOutcome outcome = jobs.leases().lease(runId, jobKey, runnerId, labels, epoch, policy);
        if (outcome instanceof LeaseOutcome.Acquired) {
            listener.jobsChanged(runId);
        }
        return outcome;
    }

    /**
     * The lease holder's attempt failed in a way that earns another: RUNNING → QUEUED (attempt
     * + 1, epoch + 1), then the message for the new epoch. Idempotent for the same caller.
     */
    public CompleteOutcome retryAfterFailure(JobRecord job, String runnerId, long epoch, int attempt,
                                             long startedAtEpochMs, FailureClass failure, int exitCode,
                                             boolean infrastructure) {
        CompleteOutcome outcome = jobs.leases().requeueAfterFailure(job, runnerId, epoch, attempt, startedAtEpochMs,
                failure.wireName(), exitCode, infrastructure);
        if (outcome instanceof CompleteOutcome.Retrying) {
            // also when it was already retrying: the first call may have died before sending
            requeued(job, epoch + 1);
        }
        return outcome;
    }

    /** The lease holder ends its attempt; the run advances (also on a repeat: the first call may have died first). */
    public CompleteOutcome complete(String runId, String jobKey, String runnerId, long epoch, int attempt,
                                    long startedAtEpochMs, JobState finalState, int exitCode,
                                    FailureClass failure, int logChunks, String artifactSha256,
                                    java.util.Map<String, String> outputs) {
        CompleteOutcome outcome = jobs.leases().complete(runId, jobKey, runnerId, epoch, attempt, startedAtEpochMs, finalState,
                exitCode, failure == null ? null : failure.wireName(), logChunks, artifactSha256, outputs);
        boolean runEnded = false;
        if (outcome instanceof CompleteOutcome.Accepted accepted) {
            runEnded = progressor.completed(accepted.job());
        } else if (outcome instanceof CompleteOutcome.AlreadyCompleted repeat) {
            runEnded = progressor.completed(repeat.job()); // the first call may have died before this
        } else if (outcome instanceof CompleteOutcome.Retrying) {
            progressor.advance(runId);
        }
        if (outcome instanceof CompleteOutcome.Accepted || runEnded) {
            listener.jobsChanged(runId);
        }
        return outcome;
    }

    /** Told to stop (timeout, cancelled) and still going past the grace: the attempt is ended for it. */
    public Written forceEnd(JobRecord job, FailureClass why, String reason) {
        Written ended = jobs.leases().forceEnd(job, why.terminalState(), why.wireName(), reason);
        if (ended.applied()) {
            ended(job);
        }
        return ended;
    }

    /** The lease expired and the job earns another attempt (runner_lost): RUNNING → QUEUED at epoch + 1. */
    public Written requeueExpired(JobRecord job, long cutoffEpochMs) {
        Written requeued = sweeps.requeueExpired(job, cutoffEpochMs, FailureClass.RUNNER_LOST);
        if (requeued.applied()) {
            requeued(job, job.lease().epoch() + 1);
        }
        return requeued;
    }

    /** The lease expired and the attempt ends as {@code why} says (runner_lost, timeout, cancelled). */
    public Written endExpired(JobRecord job, long cutoffEpochMs, FailureClass why, String reason) {
        Written ended = sweeps.endExpired(job, cutoffEpochMs, why.terminalState(), why, reason);
        if (ended.applied()) {
            ended(job);
        }
        return ended;
    }

    /** QUEUED → FAILED: no runner took the job within its queue-wait limit. */
    public Written failQueueTimeout(JobRecord job, long cutoffEpochMs, String reason) {
        Written failed = sweeps.failQueueTimeout(job, cutoffEpochMs, reason);
        if (failed.applied()) {
            ended(job);
        }
        return failed;
    }

    /** A queued job whose message may be lost gets a fresh one (same epoch: duplicates are refused at lease time). */
    public Written resend(JobRecord job, long cutoffEpochMs) {
        Written marked = sweeps.markReenqueued(job, cutoffEpochMs);
        if (marked.applied()) {
            queue.enqueue(List.of(new JobMessage(job.runId(), job.jobKey(), job.lease().epoch(), job.spec().labels())));
        }
        return marked;
    }

    /** What cancelling a run did to its jobs. */
    public record Cancelled(int notStarted, int stopping) {
    }

    /**
     * The jobs of a run being cancelled: those not started are cancelled, those running are told
     * to stop (at their next heartbeat; ended for them after the stop grace); then the run
     * advances, which also catches jobs queued or started meanwhile.
     */
    public Cancelled cancelJobs(String runId, List<JobRecord> jobsOfRun, String reason) {
        int cancelled = 0;
        int stopping = 0;
        for (JobRecord job : jobsOfRun) {
            if (job.state() == JobState.BLOCKED || job.state() == JobState.QUEUED) {
                cancelled += jobs.cancelNotStarted(runId, job.jobKey(), reason).applied() ? 1 : 0;
            } else if (job.state() == JobState.RUNNING) {
                stopping += jobs.requestStop(runId, job.jobKey()).applied() ? 1 : 0;
            }
        }
        progressor.advance(runId);
        if (cancelled > 0) {
            listener.jobsChanged(runId);
        }
        return new Cancelled(cancelled, stopping);
    }

    private void requeued(JobRecord job, long newEpoch) {
        // duplicates are harmless; a message lost here is re-sent by the sweeper
        queue.requeue(new JobMessage(job.runId(), job.jobKey(), newEpoch, job.spec().labels()));
        listener.jobsChanged(job.runId());
    }

    private void ended(JobRecord job) {
        // heard after the run advanced, so one report covers the end and the skips it caused
        try {
            progressor.advance(job.runId());
        } finally {
            listener.jobsChanged(job.runId());
        }
    }
}
