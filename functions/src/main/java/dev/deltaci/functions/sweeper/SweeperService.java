package dev.deltaci.functions.sweeper;

import dev.deltaci.core.job.ExpiredLease;
import dev.deltaci.core.job.FailureClass;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.core.scale.ScalePlanner;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.scale.RunnerPools;
import dev.deltaci.functions.run.JobLifecycle;
import dev.deltaci.functions.run.RunProgressor;
import dev.deltaci.functions.store.GateStore;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobRef;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.RunRecord;
import dev.deltaci.functions.store.SweepStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The scheduled safety net. Finds running jobs whose runner went silent (expired leases) and
 * requeues them, fails them as runner_lost, or times them out; finds queued jobs nobody leased
 * for a long time and sends their message again (it may have been lost), or fails them when
 * they waited past queue-timeout-minutes; hands on concurrency groups whose holder finished
 * without letting go; finishes runs whose start a function left half done. Idempotent and safe to run concurrently with itself
 * and with runners: every write is conditional on the epoch and times it saw.
 */
public final class SweeperService {

    private final JobStore jobs;
    private final SweepStore sweeps;
    private final GateStore gates;
    private final JobLifecycle lifecycle;
    private final RunProgressor progressor;
    private final SweepPolicy policy;
    private final Metrics metrics;
    private final Clock clock;
    private final RunnerPools pools;

    /**
     * @param lifecycle  the transitions of jobs whose lease expired or that waited too long, with their after-effects
     * @param progressor advances runs whose start was abandoned or whose concurrency group was handed on
     */
    public SweeperService(JobStore jobs, SweepStore sweeps, GateStore gates, JobLifecycle lifecycle,
                          RunProgressor progressor, SweepPolicy policy, Metrics metrics, Clock clock) {
        this(jobs, sweeps, gates, lifecycle, progressor, policy, metrics, clock, RunnerPools.none());
    }

    /** @param pools the autoscaled pools: a job none of them can serve says so when it times out in the queue */
    public SweeperService(JobStore jobs, SweepStore sweeps, GateStore gates, JobLifecycle lifecycle,
                          RunProgressor progressor, SweepPolicy policy, Metrics metrics, Clock clock, RunnerPools pools) {
        this.pools = pools;
        this.jobs = jobs;
        this.sweeps = sweeps;
        this.gates = gates;
        this.lifecycle = lifecycle;
        this.progressor = progressor;
        this.policy = policy;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Why no runner could take a job with these labels, when no autoscaled pool offers them. */
    private String unservable(List<String> labels) {
        if (pools.isEmpty() || ScalePlanner.poolFor(pools.specs(), labels) != null) {
            return "";
        }
        return "; no runner pool offers labels " + labels + " (pools: " + String.join(", ",
                pools.specs().stream().map(p -> p.name() + " " + p.labels()).toList()) + ")";
    }

    public SweepReport sweep() {
        long began = clock.millis();
        int requeued = 0;
        int failed = 0;
        int timedOut = 0;
        long leaseCutoff = began - policy.clockSkewAllowance().toMillis();
        List<JobRef> expired = sweeps.expiredLeases(leaseCutoff, policy.batchLimit());
        for (JobRef ref : expired) {
            Optional<JobRecord> current = jobs.getJob(ref.runId(), ref.jobKey());
            // the index is eventually consistent: trust only the item, and only if still expired
            if (current.isEmpty() || current.get().state() != JobState.RUNNING
                    || current.get().lease().expiresAtEpochMs() >= leaseCutoff) {
                continue;
            }
            JobRecord job = current.get();
            if (job.lease().cancelRequested()) {
                if (lifecycle.endExpired(job, leaseCutoff, FailureClass.CANCELLED,
                        "run cancelled; runner " + job.lease().owner() + " went silent before stopping").applied()) {
                    metrics.record(Metric.LEASE_EXPIRED, 1, "outcome", "cancelled");
                }
                continue;
            }
            switch (ExpiredLease.decide(job.times().startedAtEpochMs(), job.spec().timeoutMinutes(), job.attempts().infraRetries(),
                    policy.infraRetryBudget(), clock.millis())) {
                case REQUEUE -> {
                    if (lifecycle.requeueExpired(job, leaseCutoff).applied()) {
                        metrics.record(Metric.LEASE_EXPIRED, 1, "outcome", "requeued");
                        requeued++;
                    }
                }
                case FAIL_RUNNER_LOST -> {
                    if (lifecycle.endExpired(job, leaseCutoff, FailureClass.RUNNER_LOST,
                            "runner " + job.lease().owner() + " stopped renewing its lease; "
                                    + job.attempts().infraRetries() + " infrastructure retries already spent").applied()) {
                        metrics.record(Metric.LEASE_EXPIRED, 1, "outcome", "failed");
                        failed++;
                    }
                }
                case TIME_OUT -> {
                    if (lifecycle.endExpired(job, leaseCutoff, FailureClass.TIMEOUT,
                            "ran past timeout-minutes " + job.spec().timeoutMinutes() + " and its runner "
                                    + job.lease().owner() + " went silent").applied()) {
                        metrics.record(Metric.LEASE_EXPIRED, 1, "outcome", "timed_out");
                        timedOut++;
                    }
                }
                default -> throw new IllegalStateException();
            }
        }

        // starts first: a queued job of a start not known to be complete is sent only once it is
        int abandonedStarts = finishAbandonedStarts(clock.millis() - policy.abandonedStartAfter().toMillis());
        int reenqueued = 0;
        int queueTimedOut = 0;
        long queuedCutoff = clock.millis() - policy.reconcileAfter().toMillis();
        List<JobRef> stale = sweeps.queuedSince(queuedCutoff, policy.batchLimit());
        java.util.Map<String, Boolean> startsComplete = new java.util.HashMap<>();
        for (JobRef ref : stale) {
            Optional<JobRecord> current = jobs.getJob(ref.runId(), ref.jobKey());
            if (current.isEmpty() || current.get().state() != JobState.QUEUED
                    || current.get().times().enqueuedAtEpochMs() >= queuedCutoff) {
                continue;
            }
            if (!startsComplete.computeIfAbsent(ref.runId(), this::startComplete)) {
                continue; // its run's start may still be writing jobs: finishAbandonedStarts decides it in time
            }
            JobRecord job = current.get();
            long waitedMs = clock.millis() - job.times().queuedAtEpochMs();
            if (waitedMs >= Duration.ofMinutes(job.spec().queueTimeoutMinutes()).toMillis()) {
                if (lifecycle.failQueueTimeout(job, queuedCutoff, "waited " + Duration.ofMillis(waitedMs).toMinutes()
                        + " min in the queue; no runner took it within queue-timeout-minutes "
                        + job.spec().queueTimeoutMinutes() + unservable(job.spec().labels())).applied()) {
                    queueTimedOut++;
                }
            } else if (lifecycle.resend(job, queuedCutoff).applied()) {
                reenqueued++;
            }
        }
        int gatesFreed = checkGates(queuedCutoff);
        int runsEnded = advanceIdleRuns(clock.millis() - policy.abandonedStartAfter().toMillis());
        return new SweepReport(expired.size(), requeued, failed, timedOut, stale.size(), reenqueued, queueTimedOut,
                gatesFreed, abandonedStarts, runsEnded, clock.millis() - began);
    }

    /**
     * Whether a run's start is known to be complete, so a queued job of it may be sent again: it was
     * marked so (a root job was leased, or the run ended), or every job is written (then it is
     * marked now; a message sent twice is harmless, the lease being the claim). Otherwise a function
     * may still be writing it, and its jobs wait for {@link #finishAbandonedStarts}.
     */
    private boolean startComplete(String runId) {
        Optional<RunRecord> run = jobs.getRun(runId);
        if (run.isEmpty()) {
            return false;
        }
        if (run.get().materialized()) {
            return true;
        }
        if (jobs.listJobs(runId).size() < run.get().jobCount()) {
            return false;
        }
        jobs.markMaterialized(runId);
        return true;
    }

    /**
     * Live runs nobody has advanced for the abandoned-start age: each is advanced (which decides
     * what its ended jobs unblock and tallies them, ending the run if every job has ended) and
     * looked at again only after as long. A job's end is followed by its run's tally or advance in
     * the same call, repeated by the runner until answered; this catches what is left when both the
     * function and the runner died in between. Costs a read or two per long-running run per period.
     */
    private int advanceIdleRuns(long cutoff) {
        int ended = 0;
        for (String runId : sweeps.liveRunsIdleSince(cutoff, policy.batchLimit())) {
            Optional<RunRecord> run = jobs.getRun(runId);
            if (run.isEmpty() || run.get().status().isTerminal()) {
                continue; // the index lags the item
            }
            if (progressor.advance(runId).isTerminal()) {
                ended++;
            } else {
                jobs.touchLive(runId);
            }
        }
        return ended;
    }

    /**
     * Runs whose start is not known to be complete (no root job leased yet, or a function killed
     * between writing the run and its jobs), older than any function can run: if every job was
     * written the start is complete and the run goes on; otherwise the jobs written are cancelled
     * and the run fails with the reason. Either way it does not stay PENDING.
     */
    private int finishAbandonedStarts(long cutoff) {
        int finished = 0;
        for (String runId : sweeps.unfinishedStartsBefore(cutoff, policy.batchLimit())) {
            Optional<RunRecord> run = jobs.getRun(runId);
            if (run.isEmpty() || run.get().materialized()) {
                continue; // the index lags the item
            }
            List<JobRecord> written = jobs.listJobs(runId);
            if (written.size() == run.get().jobCount()) {
                // queued jobs whose message was never sent are re-sent by the reconciler above
                jobs.markMaterialized(runId);
                progressor.advance(runId);
            } else {
                String reason = "the run's start stopped after " + written.size() + " of " + run.get().jobCount()
                        + " jobs were written (the function writing them was stopped); push again or start it anew";
                for (JobRecord job : written) {
                    jobs.cancelNotStarted(runId, job.jobKey(), reason);
                }
                jobs.failUnstartedRun(runId, FailureClass.INFRA_ERROR.wireName(), reason);
            }
            finished++;
        }
        return finished;
    }

    /**
     * Concurrency groups unchanged for a while: a holder that finished without letting go (its
     * progressor crashed in between) hands the group on; a group nobody holds goes to the first
     * waiter; a holder that never got its jobs queued is nudged. Each write is conditional.
     */
    private int checkGates(long cutoff) {
        int freed = 0;
        for (String gateId : gates.untouchedSince(cutoff, policy.batchLimit())) {
            Optional<GateStore.Gate> gate = gates.read(gateId);
            if (gate.isEmpty()) {
                continue;
            }
            String holder = gate.get().holder();
            Optional<String> next;
            if (holder == null) {
                next = gates.promoteFirstWaiter(gateId);
                freed += next.isPresent() ? 1 : 0;
            } else if (hasFinished(holder)) {
                next = gates.release(gateId, holder);
                freed++;
            } else {
                next = notStarted(holder) ? Optional.of(holder) : Optional.empty();
            }
            next.ifPresent(member -> progressor.advance(GateStore.runOf(member)));
        }
        return freed;
    }

    private boolean hasFinished(String member) {
        String jobKey = GateStore.jobOf(member);
        if (jobKey == null) {
            return jobs.getRun(member).map(run -> run.status().isTerminal()).orElse(true);
        }
        return jobs.getJob(GateStore.runOf(member), jobKey).map(job -> job.state().isTerminal()).orElse(true);
    }

    private boolean notStarted(String member) {
        String jobKey = GateStore.jobOf(member);
        if (jobKey == null) {
            return jobs.getRun(member).map(run -> run.status() == RunState.PENDING).orElse(false);
        }
        return jobs.getJob(GateStore.runOf(member), jobKey).map(job -> job.state() == JobState.BLOCKED).orElse(false);
    }
}
