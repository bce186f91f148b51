package dev.deltaci.functions.trigger;

import dev.deltaci.core.pipeline.PullRequestTrigger;
import dev.deltaci.core.pipeline.PushTrigger;
import dev.deltaci.functions.github.GitHubHttp;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.run.RunStarter.Decision;
import dev.deltaci.functions.run.RunStarter;
import dev.deltaci.functions.security.GitHubSignature;
import dev.deltaci.functions.security.WebhookSecret;
import dev.deltaci.functions.store.DeliveryStore;
import dev.deltaci.functions.store.ScheduleStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns a GitHub webhook ({@code push}, {@code pull_request}) into a run. Order matters: the
 * signature is checked before the body is parsed, and nothing is written until the request is
 * known to be genuine and well formed. The run id is derived from {@code X-GitHub-Delivery}, so
 * a redelivery finds its run ({@link RunStarter}). A delivery that came while GitHub could not be
 * read is kept ({@link DeliveryStore}) and answered 202; {@link KeptDeliveries} tries it again.
 */
public final class WebhookService {

    public static final String EVENT_HEADER = "x-github-event";
    public static final String DELIVERY_HEADER = "x-github-delivery";
    private static final Pattern DELIVERY_ID = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private final RunStarter starter;
    private final ScheduleStore schedules;
    private final WebhookSecret secret;
    private final int maxBodyBytes;
    private final Clock clock;
    private final DeliveryStore deliveries;

    /** All the GitHub calls one delivery may make before it is answered (kept, if they did not finish). */
    static final Duration GITHUB_BUDGET = Duration.ofSeconds(6);

    /** First try of a kept delivery, after it: GitHub had a moment to recover. */
    static final Duration FIRST_RETRY = Duration.ofSeconds(30);

    /** @param deliveries where a delivery is kept when GitHub cannot be read as it comes */
    public WebhookService(RunStarter starter, ScheduleStore schedules, WebhookSecret secret, int maxBodyBytes,
                          Clock clock, DeliveryStore deliveries) {
        this.deliveries = deliveries;
        this.starter = starter;
        this.schedules = schedules;
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
        // every GitHub read of this delivery shares one budget, so the answer comes well within GitHub's
        // 10 s however many reads it takes (token, pipeline file, changed files)
        ApiResponse answer = GitHubHttp.within(GITHUB_BUDGET, () -> start(event, deliveryId, body));
        if (!RunStarter.unreadable(answer)) {
            return answer;
        }
        // GitHub could not be read: the delivery is kept and tried again by the sweeper. If it cannot
        // even be kept, the function fails (500) and the reconciler has GitHub deliver it again
        deliveries.keep(deliveryId, event, body, String.valueOf(answer.body().get("error")),
                clock.millis() + FIRST_RETRY.toMillis());
        return ApiResponse.of(202, "kept", true, "deliveryId", deliveryId, "runId", runIdFor(deliveryId),
                "message", answer.body().get("error") + "; the delivery is kept and tried again until GitHub answers");
    }

    /**
     * Starts the run of a genuine {@code push} or {@code pull_request} delivery (signature checked
     * by the caller: the webhook as it comes, or the sweeper replaying a kept one). The run id is
     * the delivery's, so a repeat finds its run.
     */
    public ApiResponse start(String event, String deliveryId, byte[] body) {
        try {
            return event.equals("push") ? push(runIdFor(deliveryId), PushEvent.parse(body))
                    : pullRequest(runIdFor(deliveryId), PullRequestEvent.parse(body));
        } catch (PushEvent.MalformedEventException e) {
            return ApiResponse.error(400, "malformed " + event + " event: " + e.getMessage());
        }
    }

    private ApiResponse push(String runId, PushEvent push) {
        if (push.deleted()) {
            return ApiResponse.of(202, "ignored", "push deletes " + push.ref() + "; nothing to build");
        }
        // the default branch's pipeline (or workflows, together) decides the repository's schedules,
        // whether or not it runs now; null until one of them is read
        java.util.concurrent.atomic.AtomicReference<java.util.Set<String>> crons = new java.util.concurrent.atomic.AtomicReference<>();
        ApiResponse answer = starter.start(runId, new RunStarter.RunSource("push", push.repository(), push.cloneUrl(),
                        push.after(), push.ref()),
                pipeline -> {
                    if (push.toDefaultBranch()) {
                        crons.compareAndSet(null, new java.util.LinkedHashSet<>());
                        if (pipeline.on().schedule() != null) {
                            crons.get().addAll(pipeline.on().schedule().crons());
                        }
                    }
                    PushTrigger trigger = pipeline.on().push();
                    if (trigger == null) {
                        return Decision.ignore("the pipeline does not run on push ('on' lists " + pipeline.on().listed() + ")");
                    }
                    List<String> changed = trigger.filtersPaths()
                            ? starter.pipelines().changedFiles(push.cloneUrl(), push.before(), push.after()) : List.of();
                    return decide(trigger.rejects(push.ref(), changed));
                });
        if (crons.get() != null && !RunStarter.unreadable(answer)) {
            updateSchedules(push, List.copyOf(crons.get()));
        }
        return answer;
    }

    private ApiResponse pullRequest(String runId, PullRequestEvent pr) {
        if (!PullRequestTrigger.SUPPORTED_TYPES.contains(pr.action())) {
            // decided before reading the repository: closed, labeled, edited… never run
            return ApiResponse.of(202, "ignored", "pull_request action '" + pr.action() + "' does not start runs; "
                    + String.join(", ", PullRequestTrigger.SUPPORTED_TYPES) + " do");
        }
        return starter.start(runId, new RunStarter.RunSource("pull_request", pr.repository(), pr.headCloneUrl(),
                        pr.headSha(), pr.ref(), pr.fromFork(), pr.readCloneUrl()),
                pipeline -> {
                    PullRequestTrigger trigger = pipeline.on().pullRequest();
                    if (trigger == null) {
                        return Decision.ignore("the pipeline does not run on pull_request ('on' lists "
                                + pipeline.on().listed() + ")");
                    }
                    List<String> changed = trigger.filtersPaths()
                            ? starter.pipelines().changedInPullRequest(pr.readCloneUrl(), pr.baseSha(), pr.headSha())
                            : List.of();
                    return decide(trigger.rejects(pr.action(), pr.baseRef(), changed));
                });
    }

    /**
     * A push that declares schedules registers them. One that declares none writes nothing (most
     * pushes of most repositories: a delete on each would cost a write per push): crons it dropped
     * are forgotten by the scheduler, which reads the branch's head when one falls due.
     */
    private void updateSchedules(PushEvent push, List<String> crons) {
        if (!crons.isEmpty()) {
            schedules.register(push.repository(), push.cloneUrl(), push.ref(), push.after(), crons, clock.millis());
        }
    }

    private static Decision decide(Optional<String> notTriggered) {
        return notTriggered.map(Decision::ignore).orElseGet(Decision::start);
    }

    /** The same delivery always maps to the same run id. */
    public static String runIdFor(String deliveryId) {
        return RunStarter.runIdFor("github", deliveryId);
    }
}
