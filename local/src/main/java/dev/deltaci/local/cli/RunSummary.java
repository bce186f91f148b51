package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --json} result of a run: one object, stable field names, for scripts; made from the
 * run as the control API's {@code GET /runs/{id}} shows it.
 */
final class RunSummary {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RunSummary() {
    }

    static Map<String, Object> of(JsonNode view, long wallMillis) {
        JsonNode run = view.path("run");
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("runId", run.path("runId").asText());
        summary.put("status", run.path("status").asText());
        summary.put("repository", run.path("repository").asText());
        summary.put("sha", run.path("sha").asText());
        summary.put("ref", run.path("ref").asText());
        putIfPresent(summary, run, "failureClass");
        putIfPresent(summary, run, "message");
        putIfPresent(summary, run, "cancelledBy");
        putIfPresent(summary, run, "rerunOf");
        putIfPresent(summary, run, "workflow");
        summary.put("wallMillis", wallMillis);
        List<Map<String, Object>> jobs = new ArrayList<>();
        view.path("jobs").forEach(job -> jobs.add(job(job)));
        summary.put("jobs", jobs);
        return summary;
    }

    private static Map<String, Object> job(JsonNode job) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("key", job.path("key").asText());
        out.put("name", job.path("name").asText());
        if (job.path("matrix").isObject()) {
            out.put("matrix", JSON.convertValue(job.path("matrix").path("values"), Map.class));
        }
        out.put("status", job.path("state").asText());
        out.put("attempts", job.path("attempts").size());
        out.put("exitCode", number(job, "exitCode"));
        out.put("failureClass", job.path("failureClass").asText(null));
        Long started = number(job, "startedAtEpochMs");
        Long finished = number(job, "finishedAtEpochMs");
        Long queued = number(job, "queuedAtEpochMs");
        out.put("durationMs", started != null && finished != null ? finished - started : null);
        out.put("startedAtEpochMs", started);
        // how long its last attempt waited for a runner (with --autoscale: for the runner to be started)
        out.put("waitedMs", started != null && queued != null ? Math.max(0, started - queued) : null);
        out.put("finishedAtEpochMs", finished);
        out.put("logChunks", job.path("logChunks").asInt());
        putIfPresent(out, job, "reason");
        putIfPresent(out, job, "waiting");
        if (job.path("continueOnError").asBoolean()) {
            out.put("continueOnError", true);
        }
        putIfPresent(out, job, "reusedFromRunId");
        List<Map<String, Object>> history = new ArrayList<>();
        for (JsonNode a : job.path("attempts")) {
            if (!a.path("finished").asBoolean()) {
                continue;
            }
            Map<String, Object> attempt = new LinkedHashMap<>();
            attempt.put("attempt", a.path("attempt").asInt());
            attempt.put("runner", a.path("runner").asText(null));
            attempt.put("result", a.path("result").asText(null));
            attempt.put("failureClass", a.path("failureClass").asText(null));
            attempt.put("exitCode", number(a, "exitCode"));
            attempt.put("durationMs", number(a, "durationMs"));
            history.add(attempt);
        }
        out.put("history", history);
        return out;
    }

    private static Long number(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asLong() : null;
    }

    private static void putIfPresent(Map<String, Object> out, JsonNode node, String field) {
        if (node.hasNonNull(field)) {
            out.put(field, node.get(field).asText());
        }
    }
}
