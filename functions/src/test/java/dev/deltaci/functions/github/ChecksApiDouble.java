package dev.deltaci.functions.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GitHub's checks and commit statuses API as the double keeps them: check runs created, updated
 * and listed per commit, statuses recorded, each request validated as GitHub validates it
 * (required fields, allowed values, a conclusion once completed, output with title and summary,
 * description lengths). Faults can be injected ahead of any of these calls, including ones that
 * are applied but answered as failures, the ambiguous kind.
 */
public final class ChecksApiDouble implements ResponseDefinitionTransformerV2 {

    static final String NAME = "checks-api";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CREATE = Pattern.compile("/repos/([^/]+/[^/]+)/check-runs");
    private static final Pattern UPDATE = Pattern.compile("/repos/([^/]+/[^/]+)/check-runs/([0-9]+)");
    private static final Pattern LIST = Pattern.compile("/repos/([^/]+/[^/]+)/commits/([0-9a-f]{40})/check-runs");
    private static final Pattern STATUS = Pattern.compile("/repos/([^/]+/[^/]+)/statuses/([0-9a-f]{40})");
    private static final Set<String> STATUSES = Set.of("queued", "in_progress", "completed", "waiting", "requested", "pending");
    private static final Set<String> CONCLUSIONS = Set.of("action_required", "cancelled", "failure", "neutral", "success",
            "skipped", "stale", "timed_out");
    private static final Set<String> STATES = Set.of("error", "failure", "pending", "success");

    /** A check run as the double holds it, with every status/conclusion it was given, in order. */
    public record CheckRun(long id, String repository, String name, String headSha, String externalId, String status,
                           String conclusion, String title, String summary, List<String> history) {
    }

    /** A commit status it was sent. */
    public record CommitStatus(String repository, String sha, String context, String state, String description) {
    }

    /**
     * A fault ahead of a call: its answer, and whether the call is applied first (the answer is
     * lost on the way back) or refused.
     */
    public record Fault(String method, Pattern path, int status, Map<String, String> headers, String body,
                        boolean applied, int delayMs) {

        public static Fault refused(String method, String pathRegex, int status, String body) {
            return new Fault(method, Pattern.compile(pathRegex), status, Map.of(), body, false, 0);
        }

        public static Fault appliedButAnswered(String method, String pathRegex, int status) {
            return new Fault(method, Pattern.compile(pathRegex), status, Map.of(), "{\"message\":\"Server Error\"}", true, 0);
        }

        /** Applied, then the answer comes too late for the caller's timeout. */
        public static Fault appliedButSlow(String method, String pathRegex, int delayMs) {
            return new Fault(method, Pattern.compile(pathRegex), 0, Map.of(), null, true, delayMs);
        }

        public static Fault rateLimited(String method, String pathRegex, long resetEpochSecond) {
            return new Fault(method, Pattern.compile(pathRegex), 403, Map.of("x-ratelimit-remaining", "0",
                    "x-ratelimit-reset", Long.toString(resetEpochSecond)),
                    "{\"message\":\"API rate limit exceeded for installation ID 42.\"}", false, 0);
        }
    }

    public final List<CheckRun> checkRuns = new CopyOnWriteArrayList<>();
    public final List<CommitStatus> statuses = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
    private final AtomicLong ids = new AtomicLong(9000);
    private volatile boolean checksPermission = true;

    /** The App was not granted {@code checks: write}: check-run calls are refused as GitHub refuses them. */
    public void withoutChecksPermission() {
        checksPermission = false;
    }

    /** The next matching call meets this fault, once. */
    public void inject(Fault fault) {
        faults.add(fault);
    }

    public List<CheckRun> checkRunsOf(String externalId) {
        return checkRuns.stream().filter(run -> externalId.equals(run.externalId())).toList();
    }

    @Override
    public synchronized ResponseDefinition transform(ServeEvent serveEvent) {
        String method = serveEvent.getRequest().getMethod().getName();
        String path = serveEvent.getRequest().getUrl().replaceFirst("\\?.*$", "");
        Fault fault = takeFault(method, path);
        if (fault != null && !fault.applied()) {
            return answer(serveEvent, fault.status(), fault.body(), fault.headers(), 0);
        }
        ResponseDefinition real = handle(serveEvent, method, path);
        if (fault == null) {
            return real;
        }
        if (fault.delayMs() > 0) {
            return ResponseDefinitionBuilder.like(real).but().withFixedDelay(fault.delayMs()).build();
        }
        return answer(serveEvent, fault.status(), fault.body(), fault.headers(), 0);
    }

    private Fault takeFault(String method, String path) {
        for (Fault fault : faults) {
            if (fault.method().equals(method) && fault.path().matcher(path).matches() && faults.remove(fault)) {
                return fault;
            }
        }
        return null;
    }

    private ResponseDefinition handle(ServeEvent serveEvent, String method, String path) {
        Matcher m;
        boolean checkCall = path.contains("/check-runs");
        if (checkCall && !checksPermission) {
            return answer(serveEvent, 403, "{\"message\":\"Resource not accessible by integration\"}", Map.of(), 0);
        }
        try {
            if (method.equals("POST") && (m = CREATE.matcher(path)).matches()) {
                return create(serveEvent, m.group(1), body(serveEvent));
            }
            if (method.equals("PATCH") && (m = UPDATE.matcher(path)).matches()) {
                return update(serveEvent, m.group(1), Long.parseLong(m.group(2)), body(serveEvent));
            }
            if (method.equals("GET") && (m = LIST.matcher(path)).matches()) {
                return list(serveEvent, m.group(1), m.group(2));
            }
            if (method.equals("POST") && (m = STATUS.matcher(path)).matches()) {
                return status(serveEvent, m.group(1), m.group(2), body(serveEvent));
            }
        } catch (Invalid e) {
            return answer(serveEvent, 422, "{\"message\":" + quote("Invalid request.\n\n" + e.getMessage()) + "}", Map.of(), 0);
        }
        return answer(serveEvent, 404, "{\"message\":\"Not Found\"}", Map.of(), 0);
    }

    private ResponseDefinition create(ServeEvent serveEvent, String repository, JsonNode body) throws Invalid {
        require(body, "name");
        require(body, "head_sha");
        if (!body.get("head_sha").asText().matches("[0-9a-f]{40}")) {
            throw new Invalid("No commit found for SHA: " + body.get("head_sha").asText());
        }
        CheckRun run = validated(new CheckRun(ids.incrementAndGet(), repository, body.get("name").asText(),
                body.get("head_sha").asText(), text(body, "external_id"), "queued", null, null, null, List.of()), body);
        checkRuns.add(run);
        return answer(serveEvent, 201, view(run).toString(), Map.of(), 0);
    }

    private ResponseDefinition update(ServeEvent serveEvent, String repository, long id, JsonNode body) throws Invalid {
        for (int i = 0; i < checkRuns.size(); i++) {
            CheckRun run = checkRuns.get(i);
            if (run.id() == id && run.repository().equals(repository)) {
                CheckRun updated = validated(run, body);
                checkRuns.set(i, updated);
                return answer(serveEvent, 200, view(updated).toString(), Map.of(), 0);
            }
        }
        return answer(serveEvent, 404, "{\"message\":\"Not Found\"}", Map.of(), 0);
    }

    /** The run with the body's fields applied, validated as GitHub validates a create or an update. */
    private static CheckRun validated(CheckRun run, JsonNode body) throws Invalid {
        String status = text(body, "status") == null ? run.status() : text(body, "status");
        String conclusion = text(body, "conclusion") == null ? run.conclusion() : text(body, "conclusion");
        if (!STATUSES.contains(status)) {
            throw new Invalid("status is not one of " + STATUSES);
        }
        if (conclusion != null && !CONCLUSIONS.contains(conclusion)) {
            throw new Invalid("conclusion is not one of " + CONCLUSIONS);
        }
        if (conclusion != null) {
            status = "completed"; // GitHub: providing a conclusion sets the status to completed
        } else if (status.equals("completed")) {
            throw new Invalid("\"conclusion\" wasn't supplied.");
        }
        String title = run.title();
        String summary = run.summary();
        if (body.has("output")) {
            require(body.get("output"), "title");
            require(body.get("output"), "summary");
            title = body.get("output").get("title").asText();
            summary = body.get("output").get("summary").asText();
            if (summary.length() > 65535) {
                throw new Invalid("summary is too long (maximum is 65535 characters)");
            }
        }
        List<String> history = new ArrayList<>(run.history());
        history.add(conclusion == null ? status : status + ":" + conclusion);
        return new CheckRun(run.id(), run.repository(), run.name(), run.headSha(),
                text(body, "external_id") == null ? run.externalId() : text(body, "external_id"), status, conclusion,
                title, summary, List.copyOf(history));
    }

    private ResponseDefinition list(ServeEvent serveEvent, String repository, String sha) {
        ObjectNode page = JSON.createObjectNode();
        ArrayNode runs = page.putArray("check_runs");
        checkRuns.stream().filter(run -> run.repository().equals(repository) && run.headSha().equals(sha))
                .forEach(run -> runs.add(view(run)));
        page.put("total_count", runs.size());
        return answer(serveEvent, 200, page.toString(), Map.of(), 0);
    }

    private ResponseDefinition status(ServeEvent serveEvent, String repository, String sha, JsonNode body) throws Invalid {
        require(body, "state");
        if (!STATES.contains(body.get("state").asText())) {
            throw new Invalid("state is not one of " + STATES);
        }
        String description = text(body, "description");
        if (description != null && description.length() > 140) {
            throw new Invalid("description is too long (maximum is 140 characters)");
        }
        String context = text(body, "context") == null ? "default" : text(body, "context");
        statuses.add(new CommitStatus(repository, sha, context, body.get("state").asText(), description));
        return answer(serveEvent, 201, "{\"state\":" + quote(body.get("state").asText()) + "}", Map.of(), 0);
    }

    private static ObjectNode view(CheckRun run) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", run.id());
        node.put("name", run.name());
        node.put("head_sha", run.headSha());
        node.put("external_id", run.externalId());
        node.put("status", run.status());
        node.put("conclusion", run.conclusion());
        return node;
    }

    private static JsonNode body(ServeEvent serveEvent) throws Invalid {
        try {
            JsonNode body = JSON.readTree(serveEvent.getRequest().getBodyAsString());
            if (body == null || !body.isObject()) {
                throw new Invalid("Problems parsing JSON");
            }
            return body;
        } catch (java.io.IOException e) {
            throw new Invalid("Problems parsing JSON");
        }
    }

    private static void require(JsonNode node, String field) throws Invalid {
        if (!node.hasNonNull(field) || node.get(field).asText().isEmpty()) {
            throw new Invalid("\"" + field + "\" wasn't supplied.");
        }
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }

    private static String quote(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ResponseDefinition answer(ServeEvent serveEvent, int status, String body, Map<String, String> headers,
                                             int delayMs) {
        ResponseDefinitionBuilder builder = ResponseDefinitionBuilder.like(serveEvent.getResponseDefinition()).but()
                .withStatus(status).withHeader("content-type", "application/json").withBody(body);
        headers.forEach(builder::withHeader);
        return builder.build();
    }

    private static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    @Override
    public boolean applyGlobally() {
        return false;
    }

    @Override
    public String getName() {
        return NAME;
    }
}
