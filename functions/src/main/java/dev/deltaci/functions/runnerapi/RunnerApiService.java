package dev.deltaci.functions.runnerapi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.core.job.FailureClass;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.Lease;
import dev.deltaci.core.pipeline.RunnerLabels;
import dev.deltaci.core.pipeline.SecretReferences;
import dev.deltaci.core.job.RetryPolicy;
import dev.deltaci.core.job.RunState;
import dev.deltaci.core.pipeline.StepSpec;
import dev.deltaci.functions.artifacts.ArtifactStore;
import dev.deltaci.functions.config.HashedTokens;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.http.JsonBody;
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
import dev.deltaci.functions.store.OpsStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.MDC;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The runner API: the only way a runner changes anything. A runner holds no database
 * credentials. It registers for a credential of its own ({@link RunnerAuth}), sends it with
 * every other call (401 without a valid one, 403 when it names another runner), and acts only
 * on a job it currently leases: job, runner and epoch must all match, else 403 and nothing changes.
 *
 * <pre>
 * POST /runner/register   {registrationToken, name, labels}         → 200 credential and the runner's
 *                                                                     id (made here) | 401 | 403 labels
 * POST /runner/renew      {}                                        → 200 a fresh credential, same runner
 * POST /runner/presence   {state: idle | busy | gone}              → 200 (runner availability)
 * POST /runner/lease      {runId, jobKey, runnerId, epoch}          → 200 acquired | 409 not_leasable
 * POST /runner/heartbeat  {runId, jobKey, runnerId, epoch}          → 200 renewed  | 403 lease_lost
 * POST /runner/logs       {runId, jobKey, runnerId, epoch, seq, text} → 200 stored | 403 lease_lost
 * POST /runner/complete   {runId, jobKey, runnerId, epoch, attempt, startedAtEpochMs, exitCode,
 *                          failureClass, logChunks, artifactSha256}  (attempt and start echo the lease
 *                          answer; the SHA-256 of the archive it uploaded, recorded for dependants)
 *                                                                   → 200 accepted | already_completed | 403
 * POST /runner/artifacts  {runId, jobKey, runnerId, epoch}          → 200 presigned PUT for this attempt's
 *                                                                     archive | 403 lease_lost | 400 job keeps none
 * </pre>
 * The lease is taken with the labels of the runner's credential.
 *
 * <p>A lease answer lists the job's {@code artifacts} (paths to keep) and, for each job it needs
 * that kept some and succeeded, a presigned download URL and the archive's recorded SHA-256
 * ({@code downloads}). Upload URLs expire with the lease.
 */
public final class RunnerApiService {

    public static final int MAX_LOG_CHUNK_BYTES = 256 * 1024;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    private static final int MAX_NAME_CHARS = 96;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** The name a runner asks for; its id is the name and a random suffix, so it still fits {@link #ID}. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1," + MAX_NAME_CHARS + "}");
    private static final int RUNNER_ID_SUFFIX_BYTES = 6;

    private final JobStore store;
    private final LogStore logs;
    private final ArtifactStore artifacts;
    private final RunnerAuth auth;
    private final JobSecrets secrets;
    private final Metrics metrics;
    private final RunProgressor progressor;
    private final JobQueue queue;
    private final OpsStore ops;
    private final Lease.Policy leasePolicy;
    private final int infraRetryBudget;
    private final Clock clock;

    public RunnerApiService(JobStore store, LogStore logs, ArtifactStore artifacts, RunnerAuth auth, JobSecrets secrets,
                            JobQueue queue, RunProgressor progressor, OpsStore ops, Lease.Policy leasePolicy,
                            int infraRetryBudget, Metrics metrics, Clock clock) {
        this.ops = ops;
        this.store = store;
        this.logs = logs;
        this.artifacts = artifacts;
        this.auth = auth;
        this.secrets = secrets;
        this.metrics = metrics;
        this.queue = queue;
        this.progressor = progressor;
        this.leasePolicy = leasePolicy;
        this.infraRetryBudget = infraRetryBudget;
        this.clock = clock;
    }

    /** @param authorization the request's {@code Authorization} header, or null */
    public ApiResponse handle(String action, String authorization, byte[] body) {
        if (action.equals("register")) {
            return register(body);
        }
        RunnerAuth.Check check = auth.check(authorization);
        if (!check.ok()) {
            return ApiResponse.error(check.status(), check.reason());
        }
        MDC.put("runnerId", check.credential().runnerId());
        if (action.equals("presence")) {
            return presence(body, check.credential());
        }
        if (action.equals("renew")) {
            return renew(check.credential());
        }
        Request request;
        try {
            request = Request.parse(body);
        } catch (BadRequest e) {
            return ApiResponse.error(400, e.getMessage());
        }
        MDC.put("runId", request.runId);
        MDC.put("jobId", request.jobKey);
        MDC.put("epoch", Long.toString(request.epoch));
        if (!request.runnerId.equals(check.credential().runnerId())) {
            // names neither runner: the caller learns nothing about who else is registered
            return ApiResponse.error(403, "'runnerId' is not the runner this credential was issued to");
        }
        try {
            return switch (action) {
                case "lease" -> lease(request, check.credential());
                case "heartbeat" -> heartbeat(request);
                case "logs" -> logs(request);
                case "complete" -> complete(request);
                case "artifacts" -> artifactUpload(request);
                default -> ApiResponse.error(404, "unknown runner action '" + action
                        + "'; expected register, renew, presence, lease, heartbeat, logs, complete or artifacts");
            };
        } catch (BadRequest e) {
            return ApiResponse.error(400, e.getMessage());
        }
    }

    /**
     * A runner trades its registration token for a credential of its own, scoped to the token's
     * pool and to labels the token allows. The runner's id is made here, from the name it asks for
     * and a random suffix: no client can claim the id of a live runner, so a registration token
     * in the wrong hands (a step that found it) cannot act on another runner's leases. Runners
     * rotate their credential with {@code renew}, and need the registration token only once.
     */
    private ApiResponse register(byte[] body) {
        JsonNode json;
        try {
            json = JsonBody.object(body, "a JSON object with 'registrationToken' and 'name'");
        } catch (JsonBody.Invalid e) {
            return ApiResponse.error(400, e.getMessage());
        }
        String name = json.path("name").asText("runner");
        if (!NAME.matcher(name).matches()) {
            return ApiResponse.error(400, "'name' is not a runner name (letters, digits, '_.:-', at most "
                    + MAX_NAME_CHARS + ")");
        }
        List<String> labels = new ArrayList<>();
        for (JsonNode label : json.path("labels")) {
            if (!label.isTextual() || !RunnerLabels.LABEL.matcher(label.asText()).matches()) {
                return ApiResponse.error(400, "'labels' has " + label + ", which is not a label (a-z, 0-9, '._-')");
            }
            labels.add(label.asText());
        }
        if (labels.size() > RunnerLabels.MAX_LABELS) {
            return ApiResponse.error(400, "a runner has at most " + RunnerLabels.MAX_LABELS + " labels");
        }
        Optional<RunnerAuth.Registration> registration = auth.registrationFor(json.path("registrationToken").asText(""));
        if (registration.isEmpty()) {
            return ApiResponse.error(401, "unknown registration token");
        }
        List<String> allowed = registration.get().labels();
        if (allowed != null && !RunnerLabels.satisfies(allowed, labels)) {
            return ApiResponse.error(403, "the registration token of pool '" + registration.get().pool()
                    + "' allows labels " + allowed + ", not " + labels);
        }
        String runnerId = name + "-" + HashedTokens.newSecret(RUNNER_ID_SUFFIX_BYTES);
        return credentialAnswer(auth.issue(runnerId, registration.get().pool(), labels));
    }

    /** A fresh credential for the runner, pool and labels of a valid one: how runners rotate. */
    private ApiResponse renew(RunnerAuth.Credential current) {
        return credentialAnswer(auth.issue(current.runnerId(), current.pool(), current.labels()));
    }

    private ApiResponse credentialAnswer(RunnerAuth.Credential credential) {
        return ApiResponse.of(200, "credential", auth.encode(credential), "runnerId", credential.runnerId(),
                "pool", credential.pool(), "labels", credential.labels(),
                "expiresAtEpochMs", credential.expiresAtEpochMs(), "ttlMs", auth.ttl().toMillis());
    }

    /**
     * A runner says it is here, and whether it is running a job: what runner availability
     * (idle / busy / registered) is counted from. {@code gone} removes it at once.
     */
    private ApiResponse presence(byte[] body, RunnerAuth.Credential credential) {
        String state;
        try {
            state = JsonBody.object(body, "a JSON object with 'state'").path("state").asText("");
        } catch (JsonBody.Invalid e) {
            return ApiResponse.error(400, e.getMessage());
        }
        switch (state) {
            case "gone" -> ops.forgetRunner(credential.runnerId());
            case "idle" -> ops.recordPresence(credential.runnerId(), credential.pool(), credential.labels(),
                    OpsStore.RunnerState.IDLE);
            case "busy" -> ops.recordPresence(credential.runnerId(), credential.pool(), credential.labels(),
                    OpsStore.RunnerState.BUSY);
            default -> {
                return ApiResponse.error(400, "'state' must be idle, busy or gone");
            }
        }
        return ApiResponse.of(200, "runnerId", credential.runnerId(), "state", state);
    }

    private ApiResponse lease(Request r, RunnerAuth.Credential credential) {
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
            Map<String, Object> jobJson = jobJson(job);
            jobJson.put("downloads", downloads(job));
            putSecrets(job, jobJson);
            return ApiResponse.of(200, "outcome", "acquired", "lease", leaseJson(job), "job", jobJson);
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

    private ApiResponse heartbeat(Request r) {
        HeartbeatOutcome outcome = store.heartbeat(r.runId, r.jobKey, r.runnerId, r.epoch, leasePolicy);
        if (!(outcome instanceof HeartbeatOutcome.Renewed renewed)) {
            return leaseLost(((HeartbeatOutcome.LeaseLost) outcome).reason());
        }
        JobRecord job = renewed.job();
        metrics.record(Metric.LEASE_RENEWED, 1);
        long now = clock.millis();
        long deadline = job.startedAtEpochMs() + Duration.ofMinutes(job.spec().timeoutMinutes()).toMillis();
        FailureClass stop = job.cancelRequested() ? FailureClass.CANCELLED : now >= deadline ? FailureClass.TIMEOUT : null;
        if (stop == null) {
            return ApiResponse.of(200, "outcome", "renewed", "leaseExpiresAtEpochMs", renewed.leaseExpiresAtEpochMs());
        }
        long toldSince = stop == FailureClass.CANCELLED ? job.cancelRequestedAtEpochMs() : deadline;
        if (now - toldSince >= stopGraceMs()) {
            // told to stop and still going: the server ends the attempt itself
            String reason = "runner " + r.runnerId + " did not stop within " + stopGraceMs() / 1000
                    + " s of being told (" + stop.wireName() + ")";
            if (store.forceEnd(job, stop.terminalState(), stop.wireName(), reason)) {
                progressor.advance(r.runId);
            }
            return leaseLost(reason);
        }
        return ApiResponse.of(200, "outcome", "renewed", "leaseExpiresAtEpochMs", renewed.leaseExpiresAtEpochMs(),
                "stop", stop.wireName());
    }

    /** How long a runner told to stop (cancel, timeout) has before the server ends the attempt: two lease TTLs. */
    private long stopGraceMs() {
        return leasePolicy.ttl().toMillis() * 2;
    }

    /**
     * The secrets the job's steps reference, read now and sent only in this answer (never
     * stored). A pull request from a fork gets none, as on GitHub: its code is not the repository's.
     */
    private void putSecrets(JobRecord job, Map<String, Object> jobJson) {
        Set<String> names = SecretReferences.of(job.spec());
        if (names.isEmpty()) {
            return;
        }
        if (job.fork()) {
            jobJson.put("secrets", Map.of());
            jobJson.put("secretsWithheld", "a pull request from a fork gets no secrets; " + String.join(", ", names)
                    + " are empty");
            return;
        }
        Map<String, String> values = secrets.read(job.repository(), names);
        jobJson.put("secrets", values);
        List<String> missing = names.stream().filter(name -> !values.containsKey(name)).toList();
        if (!missing.isEmpty()) {
            jobJson.put("secretsWithheld", "not defined for " + job.repository() + ": " + String.join(", ", missing)
                    + " (empty)");
        }
    }

    /** Download URLs for the archives of the jobs this one needs that kept files and succeeded. */
    private List<Map<String, Object>> downloads(JobRecord job) {
        if (job.needs().isEmpty()) {
            return List.of();
        }
        List<Map<String, Object>> downloads = new ArrayList<>();
        for (JobRecord need : store.listJobs(job.runId())) {
            if (job.needs().contains(need.jobKey()) && need.state() == JobState.SUCCEEDED
                    && !need.spec().artifacts().isEmpty()) {
                ArtifactStore.SignedUrl url = artifacts.downloadUrl(need.runId(), need.jobKey(), need.leaseEpoch());
                // the runner accepts only the bytes the job's completion recorded
                Map<String, Object> download = new LinkedHashMap<>();
                download.put("job", need.jobKey());
                download.put("name", need.name());
                download.put("url", url.url().toString());
                download.put("sha256", need.artifactSha256());
                downloads.add(download);
            }
        }
        return downloads;
    }

    private ApiResponse artifactUpload(Request r) {
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

    private ApiResponse logs(Request r) throws BadRequest {
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

    private ApiResponse complete(Request r) throws BadRequest {
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
    private Optional<ApiResponse> retryIfEarned(Request r, int attempt, long startedAtEpochMs, FailureClass failure,
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

    private Map<String, Object> leaseJson(JobRecord job) {
        Map<String, Object> lease = new LinkedHashMap<>();
        lease.put("epoch", job.leaseEpoch());
        lease.put("expiresAtEpochMs", job.leaseExpiresAtEpochMs());
        lease.put("startedAtEpochMs", job.startedAtEpochMs());
        lease.put("ttlMs", leasePolicy.ttl().toMillis());
        lease.put("heartbeatIntervalMs", leasePolicy.heartbeatInterval().toMillis());
        return lease;
    }

    private static Map<String, Object> jobJson(JobRecord job) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("runId", job.runId());
        spec.put("jobKey", job.jobKey());
        spec.put("name", job.name());
        spec.put("attempt", job.attempt());
        spec.put("cloneUrl", job.cloneUrl());
        spec.put("sha", job.sha());
        spec.put("ref", job.ref());
        spec.put("repository", job.repository());
        spec.put("event", job.event());
        spec.put("env", job.spec().env());
        spec.put("matrix", job.spec().matrix() == null ? Map.of() : job.spec().matrix().values());
        spec.put("timeoutMinutes", job.spec().timeoutMinutes());
        spec.put("steps", job.spec().steps().stream().map(RunnerApiService::stepJson).toList());
        spec.put("artifacts", job.spec().artifacts());
        spec.put("inputs", job.inputs());
        spec.put("image", job.spec().image());
        return spec;
    }

    private static Map<String, Object> stepJson(StepSpec step) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", step.displayName());
        json.put("checkout", step.isCheckout());
        json.put("run", step.run());
        json.put("shell", step.shell());
        json.put("env", step.env());
        json.put("workingDirectory", step.workingDirectory());
        json.put("timeoutMinutes", step.timeoutMinutes());
        json.put("continueOnError", step.continueOnError());
        json.put("if", step.condition());
        return json;
    }

    /** The fields every runner call carries, checked before anything is read or written. */
    private static final class Request {
        final JsonNode json;
        final String runId;
        final String jobKey;
        final String runnerId;
        final long epoch;

        private Request(JsonNode json) throws BadRequest {
            this.json = json;
            this.runId = id("runId");
            this.jobKey = id("jobKey");
            this.runnerId = id("runnerId");
            JsonNode epochNode = json.get("epoch");
            if (epochNode == null || !epochNode.canConvertToLong() || epochNode.asLong() < 0) {
                throw new BadRequest("'epoch' must be a whole number of 0 or more");
            }
            this.epoch = epochNode.asLong();
        }

        static Request parse(byte[] body) throws BadRequest {
            try {
                return new Request(JsonBody.object(body, "a JSON object"));
            } catch (JsonBody.Invalid e) {
                throw new BadRequest(e.getMessage());
            }
        }

        private String id(String field) throws BadRequest {
            String value = optionalText(field);
            if (value == null || !ID.matcher(value).matches()) {
                throw new BadRequest("'" + field + "' is missing or not an id (letters, digits, '_.:-', at most 128)");
            }
            return value;
        }

        String optionalText(String field) {
            JsonNode node = json.get(field);
            return node == null || node.isNull() || !node.isTextual() ? null : node.asText();
        }

        String requiredText(String field) throws BadRequest {
            String value = optionalText(field);
            if (value == null) {
                throw new BadRequest("'" + field + "' must be a string");
            }
            return value;
        }

        long requiredLong(String field) throws BadRequest {
            JsonNode node = json.get(field);
            if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) {
                throw new BadRequest("'" + field + "' must be a whole number");
            }
            return node.asLong();
        }

        int requiredInt(String field) throws BadRequest {
            JsonNode node = json.get(field);
            if (node == null || !node.canConvertToInt() || !node.isIntegralNumber()) {
                throw new BadRequest("'" + field + "' must be a whole number");
            }
            return node.asInt();
        }
    }

    /** The request is malformed; answered with 400 and no state change. */
    private static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message);
        }
    }
}
