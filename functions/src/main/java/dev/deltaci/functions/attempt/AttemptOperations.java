package dev.deltaci.functions.attempt;

import dev.deltaci.api.ArtifactUploadRequest;
import dev.deltaci.api.CompleteReply;
import dev.deltaci.api.CompleteRequest;
import dev.deltaci.api.HeartbeatReply;
import dev.deltaci.api.HeartbeatRequest;
import dev.deltaci.api.LeaseLost;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.api.LeaseRequest;
import dev.deltaci.api.LogReply;
import dev.deltaci.api.LogRequest;
import dev.deltaci.api.Problem;
import dev.deltaci.api.UploadReply;
import dev.deltaci.core.job.FailureClass;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.Lease;
import dev.deltaci.core.job.RetryPolicy;
import dev.deltaci.core.job.StopPolicy;
import dev.deltaci.functions.artifacts.ArtifactStore;
import dev.deltaci.functions.logs.LogStore;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.run.JobLifecycle;
import dev.deltaci.functions.security.RunnerAuth;
import dev.deltaci.functions.store.CompleteOutcome;
import dev.deltaci.functions.store.FleetStore;
import dev.deltaci.functions.store.HeartbeatOutcome;
import dev.deltaci.functions.store.JobPlace;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.LeaseOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.MDC;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * What a runner does with one attempt of a job: lease it, keep the lease (heartbeat, which also
 * tells it to stop), ship its log, get an upload URL for its artifacts, complete it. Each is
 * conditional on job, runner and epoch: anything else is 403 and changes nothing.
 */
final class AttemptOperations {

    static final int MAX_LOG_CHUNK_BYTES = 256 * 1024;

    private final JobStore store;
    private final LogStore logs;
    /** Signs and checks log tokens: a chunk with a good one is stored without reading the lease. */
    private final RunnerAuth auth;
    private final ArtifactStore artifacts;
    private final LeaseAnswer answers;
    private final Metrics metrics;
    private final JobLifecycle lifecycle;
    private final Lease.Policy leasePolicy;
    private final int infraRetryBudget;
    private final StopPolicy stopPolicy;
    private final Clock clock;
    private final FleetStore fleet;

    AttemptOperations(JobStore store, LogStore logs, ArtifactStore artifacts, LeaseAnswer answers,
                      JobLifecycle lifecycle, Lease.Policy leasePolicy, int infraRetryBudget, Metrics metrics,
                      Clock clock, FleetStore fleet, RunnerAuth auth) {
        this.auth = auth;
        this.fleet = fleet;
        this.store = store;
        this.logs = logs;
        this.artifacts = artifacts;
        this.answers = answers;
        this.metrics = metrics;
        this.lifecycle = lifecycle;
        this.leasePolicy = leasePolicy;
        this.infraRetryBudget = infraRetryBudget;
        this.stopPolicy = StopPolicy.forLease(leasePolicy.ttl());
        this.clock = clock;
    }

    /**
     * A runner on an autoscaled instance first claims the job on its instance's record, which
     * fails once the scaler has drained the instance ({@link FleetStore}): so no lease starts on
     * an instance that is being terminated. A claim whose lease is not granted is withdrawn.
     */
    LeaseReply lease(LeaseRequest r, RunnerAuth.Credential credential) {
        if (credential.managed()) {
            FleetStore.ClaimOutcome claim = fleet.claim(credential.instanceId(), r.runnerId(), r.runId(), r.jobKey(),
                    r.epoch(), credential.ephemeral());
            if (claim instanceof FleetStore.ClaimOutcome.Draining draining) {
                return new LeaseReply.Draining("instance " + credential.instanceId() + ": " + draining.reason());
            }
            if (claim instanceof FleetStore.ClaimOutcome.NotCurrentRunner) {
                return new LeaseReply.Draining("runner " + r.runnerId() + " is not registered on instance "
                        + credential.instanceId() + " (any more): it takes no work there");
            }
        }
        LeaseOutcome outcome = lifecycle.lease(r.runId(), r.jobKey(), r.runnerId(), credential.labels(), r.epoch(), leasePolicy);
        if (credential.managed() && !(outcome instanceof LeaseOutcome.Acquired)) {
            fleet.release(credential.instanceId(), r.runnerId(), r.runId(), r.jobKey(), r.epoch(), credential.ephemeral());
        }
        if (outcome instanceof LeaseOutcome.Acquired acquired) {
            JobRecord job = acquired.job();
            MDC.put("attempt", Integer.toString(job.attempts().current()));
            metrics.record(Metric.LEASE_ACQUIRED, 1);
            metrics.record(Metric.DISPATCH_LATENCY, Math.max(0, job.times().startedAtEpochMs() - job.times().queuedAtEpochMs()));
            if (JobPlace.marksStart(job)) {
                // the first job queued starting is what moves a run from PENDING to RUNNING, and proves its start
                // complete (every message is sent after every job is written)
                store.markStarted(job.runId());
            }
            return answers.leased(job);
        }
        if (outcome instanceof LeaseOutcome.TryLater later) {
            return new LeaseReply.TryLater(later.retryAfterMs(),
                    "the job's last attempt failed on this runner; waiting for another runner first");
        }
        if (outcome instanceof LeaseOutcome.NotLeasable notLeasable) {
            return new LeaseReply.NotLeasable(notLeasable.state().name(), notLeasable.reason());
        }
        return new LeaseReply.UnknownJob("no job " + r.jobKey() + " in run " + r.runId());
    }

    HeartbeatReply heartbeat(HeartbeatRequest r) {
        HeartbeatOutcome outcome = store.leases().heartbeat(r.runId(), r.jobKey(), r.runnerId(), r.epoch(), leasePolicy);
        if (!(outcome instanceof HeartbeatOutcome.Renewed renewed)) {
            return new LeaseLost(((HeartbeatOutcome.LeaseLost) outcome).reason());
        }
        JobRecord job = renewed.job();
        metrics.record(Metric.LEASE_RENEWED, 1);
        StopPolicy.Verdict verdict = stopPolicy.decide(job.lease().cancelRequestedAtEpochMs(), job.times().startedAtEpochMs(),
                job.spec().timeoutMinutes(), clock.millis());
        if (verdict instanceof StopPolicy.Verdict.ForceEnd end) {
            // told to stop and still going: the server ends the attempt itself
            String reason = "runner " + r.runnerId() + " did not stop within " + stopPolicy.grace().toSeconds()
                    + " s of being told (" + end.why().wireName() + ")";
            lifecycle.forceEnd(job, end.why(), reason);
            return new LeaseLost(reason);
        }
        FailureClass stop = verdict instanceof StopPolicy.Verdict.Stop told ? told.why() : null;
        return new HeartbeatReply.Renewed(renewed.leaseExpiresAtEpochMs(), stop,
                auth.attemptToken(r.runnerId(), r.runId(), r.jobKey(), r.epoch(), renewed.leaseExpiresAtEpochMs()));
    }

    UploadReply artifactUpload(ArtifactUploadRequest r) {
        Optional<JobRecord> job = store.getJob(r.runId(), r.jobKey());
        Optional<String> lost = job.isEmpty() ? Optional.of("no such job")
                : store.leases().checkLease(r.runId(), r.jobKey(), r.runnerId(), r.epoch());
        if (lost.isPresent()) {
            return new LeaseLost(lost.get());
        }
        if (job.get().spec().artifacts().isEmpty()) {
            return new Problem(400, "job " + r.jobKey() + " keeps no artifacts; add 'artifacts:' to it in the pipeline");
        }
        ArtifactStore.SignedUrl url = artifacts.uploadUrl(r.runId(), r.jobKey(), r.epoch(),
                job.get().lease().expiresAtEpochMs());
        return new UploadReply.Upload("PUT", url.url().toString(), url.key(), url.expiresAtEpochMs());
    }

    LogReply logs(LogRequest r) {
        return storeChunk(r.runId(), r.jobKey(), r.runnerId(), r.epoch(), r.seq(), r.text(), r.token());
    }

    private LogReply storeChunk(String runId, String jobKey, String runnerId, long epoch, int seq, String text,
                                String token) {
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_LOG_CHUNK_BYTES) {
            return new Problem(413, "log chunk is larger than " + MAX_LOG_CHUNK_BYTES + " bytes");
        }
        // a good token is the lease's fence until its expiry; without one (an older runner, a token
        // outliving a late heartbeat) the stored lease decides
        if (!auth.attemptTokenValid(token, runnerId, runId, jobKey, epoch)) {
            Optional<String> lost = store.leases().checkLease(runId, jobKey, runnerId, epoch);
            if (lost.isPresent()) {
                return new LeaseLost(lost.get());
            }
        }
        try {
            logs.putChunk(runId, jobKey, epoch, seq, text);
        } catch (SdkException e) {
            // the runner keeps the chunk and sends it again; the outage is counted, not hidden
            metrics.record(Metric.STORAGE_ERRORS, 1, "operation", "PutObject");
            return new Problem(503, "the log store is unavailable (" + e.getClass().getSimpleName()
                    + "); keep the chunk and send it again");
        }
        return new LogReply.Stored(seq);
    }

    /**
     * Ends the attempt. A last log chunk sent with it is stored first, so that whoever sees the job
     * end finds its whole log; if it cannot be, nothing is written and the runner is told why
     * (it then sends the chunk to {@code /runner/logs}, with that path's outage rules).
     */
    CompleteReply complete(CompleteRequest r) {
        MDC.put("attempt", Integer.toString(r.attempt()));
        if (r.lastLog() != null) {
            LogReply stored = storeChunk(r.runId(), r.jobKey(), r.runnerId(), r.epoch(), r.lastLog().seq(),
                    r.lastLog().text(), r.lastLog().token());
            // a lost lease stores nothing; the completion's own fence then answers precisely (a repeat
            // of a completion that was applied, whose chunk is already stored, is already_completed)
            if (stored instanceof Problem problem) {
                return problem;
            }
        }
        FailureClass failureClass = r.failure();
        if (failureClass != null) {
            Optional<CompleteReply> retried = retryIfEarned(r, failureClass);
            if (retried.isPresent()) {
                return retried.get();
            }
        }
        JobState finalState = failureClass == null ? JobState.SUCCEEDED : failureClass.terminalState();
        CompleteOutcome outcome = lifecycle.complete(r.runId(), r.jobKey(), r.runnerId(), r.epoch(), r.attempt(),
                r.startedAtEpochMs(), finalState, r.exitCode(), failureClass, r.logChunks(), r.artifactSha256(),
                r.outputs());
        if (outcome instanceof CompleteOutcome.LeaseLost lost) {
            return new LeaseLost(lost.reason());
        }
        if (outcome instanceof CompleteOutcome.Retrying retrying) {
            return new CompleteReply.Retrying(JobState.QUEUED.name(), retrying.attempt());
        }
        if (outcome instanceof CompleteOutcome.Accepted) {
            String result = finalState.name().toLowerCase(java.util.Locale.ROOT);
            metrics.record(Metric.JOB_FINISHED, 1, "result", result);
            metrics.record(Metric.JOB_DURATION, Math.max(0, clock.millis() - r.startedAtEpochMs()), "result", result);
        }
        return outcome instanceof CompleteOutcome.Accepted ? new CompleteReply.Accepted(finalState.name())
                : new CompleteReply.AlreadyCompleted(finalState.name());
    }

    /** Requeues the job if its failure earns another attempt; empty if the failure is final. */
    private Optional<CompleteReply> retryIfEarned(CompleteRequest r, FailureClass failure) {
        Optional<JobRecord> job = store.getJob(r.runId(), r.jobKey());
        if (job.isEmpty()) {
            return Optional.of(new Problem(404, "no job " + r.jobKey() + " in run " + r.runId()));
        }
        RetryPolicy.Decision decision = RetryPolicy.decide(failure, job.get().attempts().infraRetries(), infraRetryBudget,
                job.get().attempts().userRetries(), job.get().spec().retry());
        if (decision == RetryPolicy.Decision.FINAL) {
            return Optional.empty();
        }
        CompleteOutcome outcome = lifecycle.retryAfterFailure(job.get(), r.runnerId(), r.epoch(), r.attempt(),
                r.startedAtEpochMs(), failure, r.exitCode(), decision == RetryPolicy.Decision.RETRY_INFRA);
        if (outcome instanceof CompleteOutcome.Retrying retrying) {
            metrics.record(Metric.JOB_RETRIED, 1, "failureClass", failure.wireName());
            return Optional.of(new CompleteReply.Retrying(JobState.QUEUED.name(), retrying.attempt()));
        }
        // the lease was gone: AlreadyCompleted/LeaseLost checks below give the precise answer
        return Optional.empty();
    }
}
