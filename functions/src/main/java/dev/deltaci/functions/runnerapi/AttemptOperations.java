package dev.deltaci.functions.runnerapi;

import dev.deltaci.core.job.FailureClass;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.Lease;
import dev.deltaci.core.job.RetryPolicy;
import dev.deltaci.core.job.RunState;
import dev.deltaci.core.job.StopPolicy;
import dev.deltaci.functions.artifacts.ArtifactStore;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.logs.LogStore;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.progress.RunProgressor;
import dev.deltaci.functions.queue.JobMessage;
import dev.deltaci.functions.queue.JobQueue;
import dev.deltaci.functions.store.CompleteOutcome;
import dev.deltaci.functions.store.HeartbeatOutcome;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.LeaseOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.MDC;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * What a runner does with one attempt of a job: lease it, keep the lease (heartbeat, which also
 * tells it to stop), ship its log, get an upload URL for its artifacts, complete it. Each is
 * conditional on job, runner and epoch: anything else is 403 and changes nothing.
 */
final class AttemptOperations {

    static final int MAX_LOG_CHUNK_BYTES = 256 * 1024;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final JobStore store;
    private final LogStore logs;
    private final ArtifactStore artifacts;
    private final LeaseAnswer answers;
    private final Metrics metrics;
    private final RunProgressor progressor;
    private final JobQueue queue;
    private final Lease.Policy leasePolicy;
    private final int infraRetryBudget;
    private final StopPolicy stopPolicy;
    private final Clock clock;

    AttemptOperations(JobStore store, LogStore logs, ArtifactStore artifacts, LeaseAnswer answers, JobQueue queue,
                      RunProgressor progressor, Lease.Policy leasePolicy, int infraRetryBudget, Metrics metrics,
                      Clock clock) {
        this.store = store;
        this.logs = logs;
        this.artifacts = artifacts;
        this.answers = answers;
        this.metrics = metrics;
        this.queue = queue;
        this.progressor = progressor;
        this.leasePolicy = leasePolicy;
        this.infraRetryBudget = infraRetryBudget;
        this.stopPolicy = StopPolicy.forLease(leasePolicy.ttl());
        this.clock = clock;
    }

    ApiResponse lease(RunnerRequest r, RunnerAuth.Credential credential) {
        LeaseOutcome outcome = store.lease(r.runId, r.jobKey, r.runnerId, credential.labels(), r.epoch, leasePolicy);
        if (outcome instanceof LeaseOutcome.Acquired acquired) {
            JobRecord job = acquired.job();
            MDC.put("attempt", Integer.toString(job.attempt()));
            metrics.record(Metric.LEASE_ACQUIRED, 1);
            metrics.record(Metric.DISPATCH_LATENCY, Math.max(0, job.startedAtEpochMs() - job.queuedAtEpochMs()));
            if (job.needs().isEmpty()) {
                // a root job starting is what moves a run from PENDING to RUNNING
                store.updateRunStatus(job.runId(), RunState.RUNNING);
            }
            return ApiResponse.of(200, "outcome", "acquired", "lease", answers.lease(job), "job", answers.job(job));
        }
        if (outcome instanceof LeaseOutcome.TryLater later) {
            return ApiResponse.of(409, "outcome", "try_later", "retryAfterMs", later.retryAfterMs(),
                    "reason", "the job's last attempt failed on this runner; waiting for another runner first");
        }
        if (outcome instanceof LeaseOutcome.NotLeasable notLeasable) {
            return ApiResponse.of(409, "outcome", "not_leasable", "state", notLeasable.state().name(),
                    "reason", notLeasable.reason());
        }
        return ApiResponse.of(404, "outcome", "unknown_job", "error", "no job " + r.jobKey + " in run " + r.runId);
    }

    ApiResponse heartbeat(RunnerRequest r) {
        HeartbeatOutcome outcome = store.heartbeat(r.runId, r.jobKey, r.runnerId, r.epoch, leasePolicy);
        if (!(outcome instanceof HeartbeatOutcome.Renewed renewed)) {
            return leaseLost(((HeartbeatOutcome.LeaseLost) outcome).reason());
        }
        JobRecord job = renewed.job();
        metrics.record(Metric.LEASE_RENEWED, 1);
        StopPolicy.Verdict verdict = stopPolicy.decide(job.cancelRequestedAtEpochMs(), job.startedAtEpochMs(),
                job.spec().timeoutMinutes(), clock.millis());
        if (verdict instanceof StopPolicy.Verdict.ForceEnd end) {
            // told to stop and still going: the server ends the attempt itself
            String reason = "runner " + r.runnerId + " did not stop within " + stopPolicy.grace().toSeconds()
                    + " s of being told (" + end.why().wireName() + ")";
            if (store.forceEnd(job, end.why().terminalState(), end.why().wireName(), reason)) {
                progressor.advance(r.runId);
            }
            return leaseLost(reason);
        }
        if (verdict instanceof StopPolicy.Verdict.Stop stop) {
            return ApiResponse.of(200, "outcome", "renewed", "leaseExpiresAtEpochMs", renewed.leaseExpiresAtEpochMs(),
                    "stop", stop.why().wireName());
        }
        return ApiResponse.of(200, "outcome", "renewed", "leaseExpiresAtEpochMs", renewed.leaseExpiresAtEpochMs());
    }

    ApiResponse artifactUpload(RunnerRequest r) {
        Optional<JobRecord> job = store.getJob(r.runId, r.jobKey);
        Optional<String> lost = job.isEmpty() ? Optional.of("no such job") : store.checkLease(r.runId, r.jobKey, r.runnerId, r.epoch);
        if (lost.isPresent()) {
            return leaseLost(lost.get());
        }
        if (job.get().spec().artifacts().isEmpty()) {
            return ApiResponse.error(400, "job " + r.jobKey + " keeps no artifacts; add 'artifacts:' to it in the pipeline");
        }
        ArtifactStore.SignedUrl url = artifacts.uploadUrl(r.runId, r.jobKey, r.epoch, job.get().leaseExpiresAtEpochMs());
        return ApiResponse.of(200, "outcome", "upload", "method", "PUT", "url", url.url().toString(),
                "key", url.key(), "expiresAtEpochMs", url.expiresAtEpochMs());
    }

    ApiResponse logs(RunnerRequest r) throws BadRequest {
        int seq = r.requiredInt("seq");
        if (seq < 0) {
            throw new BadRequest("'seq' must be 0 or more");
        }
        String text = r.requiredText("text");
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_LOG_CHUNK_BYTES) {
            return ApiResponse.error(413, "log chunk is larger than " + MAX_LOG_CHUNK_BYTES + " bytes");
        }
        Optional<String> lost = store.checkLease(r.runId, r.jobKey, r.runnerId, r.epoch);
        if (lost.isPresent()) {
            return leaseLost(lost.get());
        }
        try {
            logs.putChunk(r.runId, r.jobKey, r.epoch, seq, text);
        } catch (SdkException e) {
            // the runner keeps the chunk and sends it again; the outage is counted, not hidden
            metrics.record(Metric.STORAGE_ERRORS, 1, "operation", "PutObject");
            return ApiResponse.error(503, "the log store is unavailable (" + e.getClass().getSimpleName()
                    + "); keep the chunk and send it again");
        }
        return ApiResponse.of(200, "outcome", "stored", "seq", seq);
    }

    ApiResponse complete(RunnerRequest r) throws BadRequest {
        int exitCode = r.requiredInt("exitCode");
        int logChunks = r.requiredInt("logChunks");
        int attempt = r.requiredInt("attempt");
        MDC.put("attempt", Integer.toString(attempt));
        long startedAtEpochMs = r.requiredLong("startedAtEpochMs");
        String failureClassName = r.optionalText("failureClass");
        String artifactSha256 = r.optionalText("artifactSha256");
        if (artifactSha256 != null && !SHA256.matcher(artifactSha256).matches()) {
            throw new BadRequest("'artifactSha256' must be 64 lowercase hex digits");
        }
        FailureClass failureClass;
        try {
            failureClass = failureClassName == null ? null : FailureClass.fromWireName(failureClassName);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
        if (failureClass == null && exitCode != 0) {
            failureClass = FailureClass.SCRIPT_FAILURE;
        }
        if (failureClass != null) {
            Optional<ApiResponse> retried = retryIfEarned(r, attempt, startedAtEpochMs, failureClass, exitCode);
            if (retried.isPresent()) {
                return retried.get();
            }
        }
        JobState finalState = failureClass == null ? JobState.SUCCEEDED : failureClass.terminalState();
        CompleteOutcome outcome = store.complete(r.runId, r.jobKey, r.runnerId, r.epoch, attempt, startedAtEpochMs,
                finalState, exitCode,
                failureClass == null ? null : failureClass.wireName(), logChunks, artifactSha256);
        if (outcome instanceof CompleteOutcome.LeaseLost lost) {
            return leaseLost(lost.reason());
        }
        if (outcome instanceof CompleteOutcome.Retrying retrying) {
            return ApiResponse.of(200, "outcome", "retrying", "state", JobState.QUEUED.name(), "attempt", retrying.attempt());
        }
        if (outcome instanceof CompleteOutcome.Accepted) {
            String result = finalState.name().toLowerCase(java.util.Locale.ROOT);
            metrics.record(Metric.JOB_FINISHED, 1, "result", result);
            metrics.record(Metric.JOB_DURATION, Math.max(0, clock.millis() - startedAtEpochMs), "result", result);
        }
        // also after AlreadyCompleted: the first call may have died before advancing the run
        progressor.advance(r.runId);
        String name = outcome instanceof CompleteOutcome.Accepted ? "accepted" : "already_completed";
        return ApiResponse.of(200, "outcome", name, "state", finalState.name());
    }

    /** Requeues the job if its failure earns another attempt; empty if the failure is final. */
    private Optional<ApiResponse> retryIfEarned(RunnerRequest r, int attempt, long startedAtEpochMs, FailureClass failure,
                                                int exitCode) {
        Optional<JobRecord> job = store.getJob(r.runId, r.jobKey);
        if (job.isEmpty()) {
            return Optional.of(ApiResponse.error(404, "no job " + r.jobKey + " in run " + r.runId));
        }
        RetryPolicy.Decision decision = RetryPolicy.decide(failure, job.get().infraRetries(), infraRetryBudget,
                job.get().userRetries(), job.get().spec().retry());
        if (decision == RetryPolicy.Decision.FINAL) {
            return Optional.empty();
        }
        CompleteOutcome outcome = store.requeueAfterFailure(job.get(), r.runnerId, r.epoch, attempt, startedAtEpochMs,
                failure.wireName(), exitCode, decision == RetryPolicy.Decision.RETRY_INFRA);
        if (outcome instanceof CompleteOutcome.Retrying retrying) {
            metrics.record(Metric.JOB_RETRIED, 1, "failureClass", failure.wireName());
            // duplicates are harmless; a message lost here is re-sent by the sweeper
            queue.enqueue(List.of(new JobMessage(r.runId, r.jobKey, r.epoch + 1, job.get().spec().labels())));
            return Optional.of(ApiResponse.of(200, "outcome", "retrying", "state", JobState.QUEUED.name(),
                    "attempt", retrying.attempt()));
        }
        // the lease was gone: AlreadyCompleted/LeaseLost checks below give the precise answer
        return Optional.empty();
    }

    /** The caller does not hold the job's lease (other runner, stale epoch, job moved on): 403, nothing changed. */
    private static ApiResponse leaseLost(String reason) {
        return ApiResponse.of(403, "outcome", "lease_lost", "reason", reason);
    }
}
