package dev.deltaci.runner;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A job this runner holds the lease on, as the lease answer describes it. */
record LeasedJob(String runId, String jobKey, String name, int attempt, long epoch, long startedAtEpochMs,
                 long heartbeatIntervalMs, long leaseTtlMs, String cloneUrl, String sha, String ref,
                 Map<String, String> env, int timeoutMinutes, List<Step> steps, String repository, String event,
                 Map<String, String> matrix, List<String> artifacts, List<Download> downloads,
                 Map<String, String> inputs, String image, Map<String, String> secrets, String secretsNote) {

    /** Artifacts of a job this one needs: where to download them (a presigned URL). */
    record Download(String jobKey, String name, String url, String sha256) {
    }

    /** A job without artifacts, as tests build them. */
    LeasedJob(String runId, String jobKey, String name, int attempt, long epoch, long startedAtEpochMs,
              long heartbeatIntervalMs, long leaseTtlMs, String cloneUrl, String sha, String ref,
              Map<String, String> env, int timeoutMinutes, List<Step> steps, String repository, String event,
              Map<String, String> matrix) {
        this(runId, jobKey, name, attempt, epoch, startedAtEpochMs, heartbeatIntervalMs, leaseTtlMs, cloneUrl, sha, ref,
                env, timeoutMinutes, steps, repository, event, matrix, List.of(), List.of(), Map.of(), null, Map.of(), null);
    }

    /** The same job with another environment (after its {@code ${{ }}} values were rendered). */
    LeasedJob withEnv(Map<String, String> renderedEnv) {
        return new LeasedJob(runId, jobKey, name, attempt, epoch, startedAtEpochMs, heartbeatIntervalMs, leaseTtlMs,
                cloneUrl, sha, ref, renderedEnv, timeoutMinutes, steps, repository, event, matrix, artifacts, downloads,
                inputs, image, secrets, secretsNote);
    }

    /** The {@code delta} context of expressions on this runner. */
    Map<String, Object> deltaContext() {
        Map<String, Object> delta = new LinkedHashMap<>();
        delta.put("sha", sha);
        delta.put("ref", ref);
        delta.put("branch", ref.startsWith("refs/heads/") ? ref.substring("refs/heads/".length()) : "");
        delta.put("event", event);
        delta.put("repository", repository);
        delta.put("run_id", runId);
        delta.put("attempt", (double) attempt);
        delta.put("job", jobKey);
        return delta;
    }

    /**
     * A step as the lease answer gives it: {@code checkout} steps have no command, timeout 0
     * means none, and {@code condition} is its {@code if:} (null: {@code success()}).
     */
    record Step(String name, boolean checkout, String run, String shell, Map<String, String> env,
                String workingDirectory, long timeoutMillis, boolean continueOnError, String condition) {

        static Step run(String name, String command) {
            return new Step(name, false, command, "bash", Map.of(), null, 0, false, null);
        }
    }

    static LeasedJob fromLeaseAnswer(JsonNode body) {
        JsonNode lease = body.get("lease");
        JsonNode job = body.get("job");
        Map<String, String> env = new LinkedHashMap<>();
        job.path("env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        List<Step> steps = new ArrayList<>();
        job.path("steps").forEach(s -> {
            Map<String, String> stepEnv = new LinkedHashMap<>();
            s.path("env").fields().forEachRemaining(e -> stepEnv.put(e.getKey(), e.getValue().asText()));
            steps.add(new Step(s.path("name").asText(), s.path("checkout").asBoolean(false), s.path("run").asText(null),
                    s.path("shell").asText("bash"), stepEnv,
                    s.hasNonNull("workingDirectory") ? s.get("workingDirectory").asText() : null,
                    java.util.concurrent.TimeUnit.MINUTES.toMillis(s.path("timeoutMinutes").asInt(0)),
                    s.path("continueOnError").asBoolean(false), s.hasNonNull("if") ? s.get("if").asText() : null));
        });
        return new LeasedJob(job.path("runId").asText(), job.path("jobKey").asText(), job.path("name").asText(),
                job.path("attempt").asInt(1), lease.path("epoch").asLong(), lease.path("startedAtEpochMs").asLong(),
                lease.path("heartbeatIntervalMs").asLong(),
                lease.path("ttlMs").asLong(), job.path("cloneUrl").asText(), job.path("sha").asText(),
                job.path("ref").asText(), env, job.path("timeoutMinutes").asInt(60), steps,
                job.path("repository").asText(""), job.path("event").asText(""), matrix(job), artifacts(job),
                downloads(job), strings(job.path("inputs")), job.hasNonNull("image") ? job.get("image").asText() : null,
                strings(job.path("secrets")), job.hasNonNull("secretsWithheld") ? job.get("secretsWithheld").asText() : null);
    }

    private static List<String> artifacts(JsonNode job) {
        List<String> paths = new ArrayList<>();
        job.path("artifacts").forEach(p -> paths.add(p.asText()));
        return paths;
    }

    private static List<Download> downloads(JsonNode job) {
        List<Download> downloads = new ArrayList<>();
        job.path("downloads").forEach(d -> downloads.add(new Download(d.path("job").asText(), d.path("name").asText(),
                d.path("url").asText(), d.hasNonNull("sha256") ? d.get("sha256").asText() : null)));
        return downloads;
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> values = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
        return values;
    }

    private static Map<String, String> matrix(JsonNode job) {
        Map<String, String> matrix = new LinkedHashMap<>();
        job.path("matrix").fields().forEachRemaining(e -> matrix.put(e.getKey(), e.getValue().asText()));
        return matrix;
    }
}
