package dev.deltaci.functions.webhook;

import dev.deltaci.core.job.DagProgress;
import dev.deltaci.core.job.FailureClass;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.core.pipeline.JobSpec;
import dev.deltaci.core.pipeline.MatrixExpansion;
import dev.deltaci.core.pipeline.Pipeline;
import dev.deltaci.core.pipeline.PipelineException;
import dev.deltaci.core.pipeline.PipelineParser;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.progress.RunProgressor;
import dev.deltaci.functions.queue.JobMessage;
import dev.deltaci.functions.queue.JobQueue;
import dev.deltaci.functions.repo.PipelineSource;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.RunRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns a GitHub webhook into a run. Order matters: the signature is checked before the body is
 * parsed, and nothing is written until the request is known to be genuine and well formed.
 *
 * <p>Idempotency: the run id is derived from {@code X-GitHub-Delivery}, and the run item is
 * created with a conditional put, so a redelivery finds the run. A run whose creation was cut
 * short (jobs not all written or enqueued) is completed by the redelivery; a complete one is
 * left alone.
 */
public final class WebhookService {

    public static final String EVENT_HEADER = "x-github-event";
    public static final String DELIVERY_HEADER = "x-github-delivery";
    private static final Pattern DELIVERY_ID = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private final JobStore store;
    private final JobQueue queue;
    private final RunProgressor progressor;
    private final PipelineSource pipelines;
    private final WebhookSecret secret;
    private final int maxBodyBytes;
    private final Clock clock;

    public WebhookService(JobStore store, JobQueue queue, RunProgressor progressor, PipelineSource pipelines,
                          WebhookSecret secret, int maxBodyBytes, Clock clock) {
        this.store = store;
        this.queue = queue;
        this.progressor = progressor;
        this.pipelines = pipelines;
        this.secret = secret;
        this.maxBodyBytes = maxBodyBytes;
        this.clock = clock;
    }

    /** @param headers request headers with lower-case names */
    public ApiResponse handle(Map<String, String> headers, byte[] body) {
        if (body.length > maxBodyBytes) {
            return ApiResponse.error(413, "payload is " + body.length + " bytes; the limit is " + maxBodyBytes);
        }
        String signature = headers.get(GitHubSignature.HEADER);
        if (signature == null) {
            return ApiResponse.error(401, "missing X-Hub-Signature-256 header");
        }
        if (!GitHubSignature.verify(secret.bytes(), body, signature)) {
            return ApiResponse.error(401, "X-Hub-Signature-256 does not match the body");
        }
        String event = headers.get(EVENT_HEADER);
        if (event == null || event.isBlank()) {
            return ApiResponse.error(400, "missing X-GitHub-Event header");
        }
        if (event.equals("ping")) {
            return ApiResponse.of(200, "message", "pong");
        }
        if (!event.equals("push")) {
            return ApiResponse.of(202, "ignored", "event '" + event + "' is not supported; only 'push' starts runs");
        }
        String deliveryId = headers.get(DELIVERY_HEADER);
        if (deliveryId == null || !DELIVERY_ID.matcher(deliveryId).matches()) {
            return ApiResponse.error(400, "missing or malformed X-GitHub-Delivery header");
        }
        PushEvent push;
        try {
            push = PushEvent.parse(body);
        } catch (PushEvent.MalformedEventException e) {
            return ApiResponse.error(400, "malformed push event: " + e.getMessage());
        }
        if (push.deleted()) {
            return ApiResponse.of(202, "ignored", "push deletes " + push.ref() + "; nothing to build");
        }
        return startRun(runIdFor(deliveryId), push);
    }

    /** The same delivery always maps to the same run id. */
    public static String runIdFor(String deliveryId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(("github:" + deliveryId).getBytes(StandardCharsets.UTF_8));
            return "r-" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private ApiResponse startRun(String runId, PushEvent push) {
        Optional<RunRecord> existing = store.getRun(runId);
        if (existing.isPresent() && existing.get().materialized()) {
            return duplicate(existing.get());
        }
        Pipeline pipeline;
        String configError = null;
        try {
            Optional<String> yaml = pipelines.read(push.cloneUrl(), push.after(), PipelineParser.DEFAULT_PATH);
            if (yaml.isEmpty()) {
                configError = PipelineParser.DEFAULT_PATH + ": no such file at commit " + push.after();
                pipeline = null;
            } else {
                pipeline = PipelineParser.parse(PipelineParser.DEFAULT_PATH, yaml.get());
            }
        } catch (PipelineException e) {
            configError = e.getMessage();
            pipeline = null;
        } catch (PipelineSource.RepositoryUnavailableException e) {
            // nothing written: GitHub (or the caller) retries the delivery
            return ApiResponse.error(503, "cannot read the repository: " + e.getMessage());
        }

        if (pipeline != null) {
            Optional<String> notTriggered;
            try {
                List<String> changed = pipeline.push().filtersPaths()
                        ? pipelines.changedFiles(push.cloneUrl(), push.before(), push.after()) : List.of();
                notTriggered = pipeline.push().rejects(push.ref(), changed);
            } catch (PipelineSource.RepositoryUnavailableException e) {
                return ApiResponse.error(503, "cannot read the repository: " + e.getMessage());
            }
            if (notTriggered.isPresent()) {
                return ApiResponse.of(202, "ignored", notTriggered.get());
            }
        }
        Map<String, JobSpec> jobs = pipeline == null ? Map.of() : MatrixExpansion.expand(pipeline);
        long now = clock.millis();
        RunRecord run = configError != null
                ? new RunRecord(runId, push.repository(), push.cloneUrl(), push.after(), push.ref(), "push",
                        RunState.FAILED, FailureClass.CONFIG_ERROR.wireName(), configError, 0, true, now, now, null)
                : new RunRecord(runId, push.repository(), push.cloneUrl(), push.after(), push.ref(), "push",
                        RunState.PENDING, null, null, jobs.size(), false, now, now, null);
        Optional<RunRecord> raced = store.createRunIfAbsent(run);
        if (raced.isPresent() && raced.get().materialized()) {
            return duplicate(raced.get());
        }
        if (configError != null) {
            return ApiResponse.of(201, "runId", runId, "status", RunState.FAILED.name(),
                    "failureClass", FailureClass.CONFIG_ERROR.wireName(), "message", configError);
        }
        List<JobMessage> toEnqueue = new ArrayList<>();
        Map<String, Integer> startedInGroup = new HashMap<>();
        for (JobSpec job : jobs.values()) {
            JobState initial = DagProgress.initialState(job.needs(), job.condition());
            if (initial == JobState.QUEUED && job.matrix() != null && job.matrix().maxParallel() > 0
                    && startedInGroup.merge(job.matrix().group(), 1, Integer::sum) > job.matrix().maxParallel()) {
                initial = JobState.BLOCKED; // max-parallel: queued when a sibling finishes
            }
            store.createJobIfAbsent(run, job, initial);
            if (initial == JobState.QUEUED) {
                toEnqueue.add(new JobMessage(runId, job.key(), 0));
            }
        }
        queue.enqueue(toEnqueue);
        if (jobs.values().stream().anyMatch(j -> j.needs().isEmpty() && j.condition() != null)) {
            // jobs that need nothing but have an if: are decided now
            progressor.advance(runId);
        }
        store.markMaterialized(runId);
        return ApiResponse.of(201, "runId", runId, "status", RunState.PENDING.name(), "jobs", jobs.size());
    }

    private static ApiResponse duplicate(RunRecord run) {
        return ApiResponse.of(200, "runId", run.runId(), "status", run.status().name(), "duplicate", true);
    }
}
