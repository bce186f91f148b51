package dev.deltaci.functions.webhook;

import dev.deltaci.core.job.DagProgress;
import dev.deltaci.core.job.FailureClass;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.core.expr.Scope;
import dev.deltaci.core.pipeline.Concurrency;
import dev.deltaci.core.pipeline.JobSpec;
import dev.deltaci.core.pipeline.MatrixExpansion;
import dev.deltaci.core.pipeline.Pipeline;
import dev.deltaci.core.pipeline.PipelineException;
import dev.deltaci.core.pipeline.PipelineParser;
import dev.deltaci.core.pipeline.PullRequestTrigger;
import dev.deltaci.core.pipeline.PushTrigger;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.progress.RunProgressor;
import dev.deltaci.functions.queue.JobMessage;
import dev.deltaci.functions.queue.JobQueue;
import dev.deltaci.functions.repo.PipelineSource;
import dev.deltaci.functions.store.GateStore;
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
 * Turns a GitHub webhook ({@code push}, {@code pull_request}) into a run. Order matters: the signature is checked before the body is
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
        if (!event.equals("push") && !event.equals("pull_request")) {
            return ApiResponse.of(202, "ignored", "event '" + event + "' is not supported; 'push' and 'pull_request' start runs");
        }
        String deliveryId = headers.get(DELIVERY_HEADER);
        if (deliveryId == null || !DELIVERY_ID.matcher(deliveryId).matches()) {
            return ApiResponse.error(400, "missing or malformed X-GitHub-Delivery header");
        }
        try {
            return event.equals("push") ? push(runIdFor(deliveryId), PushEvent.parse(body))
                    : pullRequest(runIdFor(deliveryId), PullRequestEvent.parse(body));
        } catch (PushEvent.MalformedEventException e) {
            return ApiResponse.error(400, "malformed " + event + " event: " + e.getMessage());
        }
    }

    /** What a run is built from, whatever the event. */
    private record RunSource(String trigger, String repository, String cloneUrl, String sha, String ref) {
    }

    /** Whether the pipeline runs on this event: empty if it does, else why not. */
    @FunctionalInterface
    private interface TriggerCheck {
        Optional<String> rejects(Pipeline pipeline) throws PipelineSource.RepositoryUnavailableException;
    }

    private ApiResponse push(String runId, PushEvent push) {
        if (push.deleted()) {
            return ApiResponse.of(202, "ignored", "push deletes " + push.ref() + "; nothing to build");
        }
        return startRun(runId, new RunSource("push", push.repository(), push.cloneUrl(), push.after(), push.ref()),
                pipeline -> {
                    PushTrigger trigger = pipeline.on().push();
                    if (trigger == null) {
                        return Optional.of("the pipeline does not run on push ('on' lists " + pipeline.on().listed() + ")");
                    }
                    List<String> changed = trigger.filtersPaths()
                            ? pipelines.changedFiles(push.cloneUrl(), push.before(), push.after()) : List.of();
                    return trigger.rejects(push.ref(), changed);
                });
    }

    private ApiResponse pullRequest(String runId, PullRequestEvent pr) {
        if (!PullRequestTrigger.SUPPORTED_TYPES.contains(pr.action())) {
            // decided before reading the repository: closed, labeled, edited… never run
            return ApiResponse.of(202, "ignored", "pull_request action '" + pr.action() + "' does not start runs; "
                    + String.join(", ", PullRequestTrigger.SUPPORTED_TYPES) + " do");
        }
        return startRun(runId, new RunSource("pull_request", pr.repository(), pr.headCloneUrl(), pr.headSha(), pr.ref()),
                pipeline -> {
                    PullRequestTrigger trigger = pipeline.on().pullRequest();
                    if (trigger == null) {
                        return Optional.of("the pipeline does not run on pull_request ('on' lists "
                                + pipeline.on().listed() + ")");
                    }
                    List<String> changed = trigger.filtersPaths()
                            ? pipelines.changedInPullRequest(pr.headCloneUrl(), pr.baseSha(), pr.headSha()) : List.of();
                    return trigger.rejects(pr.action(), pr.baseRef(), changed);
                });
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

    private ApiResponse startRun(String runId, RunSource source, TriggerCheck check) {
        Optional<RunRecord> existing = store.getRun(runId);
        if (existing.isPresent() && existing.get().materialized()) {
            return duplicate(existing.get());
        }
        Pipeline pipeline;
        String configError = null;
        try {
            Optional<String> yaml = pipelines.read(source.cloneUrl(), source.sha(), PipelineParser.DEFAULT_PATH);
            if (yaml.isEmpty()) {
                configError = PipelineParser.DEFAULT_PATH + ": no such file at commit " + source.sha();
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
                notTriggered = check.rejects(pipeline);
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
                ? new RunRecord(runId, source.repository(), source.cloneUrl(), source.sha(), source.ref(), source.trigger(),
                        RunState.FAILED, FailureClass.CONFIG_ERROR.wireName(), configError, 0, true, now, now, null,
                        null, false)
                : new RunRecord(runId, source.repository(), source.cloneUrl(), source.sha(), source.ref(), source.trigger(),
                        RunState.PENDING, null, null, jobs.size(), false, now, now, null, null, false);
        if (pipeline != null && pipeline.concurrency() != null) {
            run = withGroup(run, pipeline.concurrency());
        }
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
        boolean decideRootsNow = false;
        for (JobSpec job : jobs.values()) {
            JobState initial = DagProgress.initialState(job.needs(), job.condition());
            if (initial == JobState.QUEUED && (run.concurrencyGroup() != null || job.concurrency() != null)) {
                initial = JobState.BLOCKED; // the progressor queues it once it holds its concurrency group
            }
            decideRootsNow |= initial == JobState.BLOCKED && job.needs().isEmpty();
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
        if (decideRootsNow) {
            // jobs that need nothing but have an if: or a concurrency group are decided now
            progressor.advance(runId);
        }
        store.markMaterialized(runId);
        return ApiResponse.of(201, "runId", runId, "status", RunState.PENDING.name(), "jobs", jobs.size());
    }

    /** The run with its pipeline's concurrency group rendered for it (e.g. {@code deploy-${{ delta.branch }}}). */
    private static RunRecord withGroup(RunRecord run, Concurrency concurrency) {
        String group = concurrency.render(new Scope(Map.of("delta", RunProgressor.facts(run).delta()), true, false, false));
        return new RunRecord(run.runId(), run.repository(), run.cloneUrl(), run.sha(), run.ref(), run.trigger(),
                run.status(), run.failureClass(), run.message(), run.jobCount(), run.materialized(),
                run.createdAtEpochMs(), run.updatedAtEpochMs(), run.cancelledBy(),
                GateStore.gateId(run.repository(), group), concurrency.cancelInProgress());
    }

    private static ApiResponse duplicate(RunRecord run) {
        return ApiResponse.of(200, "runId", run.runId(), "status", run.status().name(), "duplicate", true);
    }
}
