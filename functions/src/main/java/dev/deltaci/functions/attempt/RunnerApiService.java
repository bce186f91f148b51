package dev.deltaci.functions.attempt;

import dev.deltaci.api.ArtifactUploadRequest;
import dev.deltaci.api.AttemptCall;
import dev.deltaci.api.CompleteRequest;
import dev.deltaci.api.HeartbeatRequest;
import dev.deltaci.api.LeaseLost;
import dev.deltaci.api.LeaseRequest;
import dev.deltaci.api.LogRequest;
import dev.deltaci.api.Reply;
import dev.deltaci.core.job.Lease;
import dev.deltaci.functions.artifacts.ArtifactStore;
import dev.deltaci.functions.github.GitHubApp;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.logs.LogStore;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.run.JobLifecycle;
import dev.deltaci.functions.security.AwsInstanceIdentity;
import dev.deltaci.functions.security.JobSecrets;
import dev.deltaci.functions.security.RunnerAuth;
import dev.deltaci.functions.scale.RunnerPools;
import dev.deltaci.functions.store.FleetStore;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.OpsStore;
import java.time.Clock;
import java.util.function.Function;
import org.slf4j.MDC;

/**
 * The runner API: the only way a runner changes anything. A runner holds no database
 * credentials. It registers for a credential of its own ({@link RunnerAuth}), sends it with
 * every other call (401 without a valid one, 403 when it names another runner), and acts only
 * on a job it currently leases: job, runner and epoch must all match, else 403 and nothing changes.
 *
 * <p>The requests and answers are the records of {@code dev.deltaci.api} (the wire contract):
 *
 * <pre>
 * POST /runner/register   {registrationToken, name, labels, instanceId?} → 200 credential and the runner's
 *                                                                     id (made here) | 401 | 403 labels
 *                                                                     | 409 the instance is drained
 * POST /runner/renew      {}                                        → 200 a fresh credential, same runner
 * POST /runner/presence   {state: idle | busy | gone}              → 200 (runner availability)
 * POST /runner/lease      {runId, jobKey, runnerId, epoch}          → 200 acquired | 409 not_leasable
 *                                                                     | 409 draining (stop: the instance is drained)
 * POST /runner/heartbeat  {runId, jobKey, runnerId, epoch}          → 200 renewed  | 403 lease_lost
 * POST /runner/logs       {runId, jobKey, runnerId, epoch, seq, text} → 200 stored | 403 lease_lost
 * POST /runner/complete   {runId, jobKey, runnerId, epoch, attempt, startedAtEpochMs, exitCode,
 *                          failureClass, logChunks, artifactSha256, lastLog?: {seq, text, token}}
 *                          (attempt and start echo the lease answer; the SHA-256 of the archive it
 *                          uploaded, recorded for dependants; the log's last chunk, stored first)
 *                                                                   → 200 accepted | already_completed | 403
 *                                                                     | 503 the chunk could not be stored
 * POST /runner/artifacts  {runId, jobKey, runnerId, epoch}          → 200 presigned PUT for this attempt's
 *                                                                     archive | 403 lease_lost | 400 job keeps none
 * </pre>
 * The lease is taken with the labels of the runner's credential.
 *
 * <p>A lease answer lists the job's {@code artifacts} (paths to keep) and, for each job it needs
 * that kept some and succeeded, a presigned download URL and the archive's recorded SHA-256
 * ({@code downloads}). Upload URLs expire with the lease.
 *
 * <p>This class only authenticates and routes: who runners are is {@link RunnerRegistry}'s, what
 * they do with an attempt is {@link AttemptOperations}' (with {@code core}'s {@code RetryPolicy}
 * and {@code StopPolicy}), and what a lease answer says is {@link LeaseAnswer}'s.
 */
public final class RunnerApiService {

    private final RunnerAuth auth;
    private final RunnerRegistry registry;
    private final AttemptOperations attempts;

    public RunnerApiService(JobStore store, LogStore logs, ArtifactStore artifacts, RunnerAuth auth, JobSecrets secrets,
                            JobLifecycle lifecycle, OpsStore ops, Lease.Policy leasePolicy,
                            int infraRetryBudget, Metrics metrics, Clock clock, GitHubApp github, FleetStore fleet,
                            RunnerPools pools, AwsInstanceIdentity identity, String retryQueueUrl) {
        this.auth = auth;
        this.registry = new RunnerRegistry(auth, ops, fleet, pools, identity, retryQueueUrl);
        this.attempts = new AttemptOperations(store, logs, artifacts,
                new LeaseAnswer(store, artifacts, secrets, leasePolicy, github, auth), lifecycle, leasePolicy,
                infraRetryBudget, metrics, clock, fleet, auth);
    }

    /** @param authorization the request's {@code Authorization} header, or null */
    public ApiResponse handle(String action, String authorization, byte[] body) {
        if (action.equals("register")) {
            return registry.register(body);
        }
        RunnerAuth.Check check = auth.check(authorization);
        if (!check.ok()) {
            return ApiResponse.error(check.status(), check.reason());
        }
        MDC.put("runnerId", check.credential().runnerId());
        if (action.equals("presence")) {
            return registry.presence(body, check.credential());
        }
        if (action.equals("renew")) {
            return registry.renew(check.credential());
        }
        return switch (action) {
            case "lease" -> attempt(body, LeaseRequest.class, check.credential(), r -> attempts.lease(r, check.credential()));
            case "heartbeat" -> attempt(body, HeartbeatRequest.class, check.credential(), attempts::heartbeat);
            case "logs" -> attempt(body, LogRequest.class, check.credential(), attempts::logs);
            case "complete" -> attempt(body, CompleteRequest.class, check.credential(), attempts::complete);
            case "artifacts" -> attempt(body, ArtifactUploadRequest.class, check.credential(), attempts::artifactUpload);
            default -> ApiResponse.error(404, "unknown runner action '" + action
                    + "'; expected register, renew, presence, lease, heartbeat, logs, complete or artifacts");
        };
    }

    /** A call about one attempt: read, correlated in the log, and refused unless it names the credential's runner. */
    private <T extends AttemptCall> ApiResponse attempt(byte[] body, Class<T> type, RunnerAuth.Credential credential,
                                                        Function<T, Reply> operation) {
        T request;
        try {
            request = RunnerRequest.read(body, type, "a JSON object");
        } catch (BadRequest e) {
            return ApiResponse.error(400, e.getMessage());
        }
        MDC.put("runId", request.runId());
        MDC.put("jobId", request.jobKey());
        MDC.put("epoch", Long.toString(request.epoch()));
        if (!request.runnerId().equals(credential.runnerId())) {
            // names neither runner: the caller learns nothing about who else is registered
            String reason = "'runnerId' is not the runner this credential was issued to";
            return type == LeaseRequest.class ? ApiResponse.error(403, reason) : ApiResponse.reply(new LeaseLost(reason));
        }
        return ApiResponse.reply(operation.apply(request));
    }
}
