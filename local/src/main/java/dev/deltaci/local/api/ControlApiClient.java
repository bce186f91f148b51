package dev.deltaci.local.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The control API as the CLI calls it: one method per route, JSON answers, the key sent as
 * {@code Authorization: Bearer}. A refusal is an {@link ApiError} with the API's status and
 * message; an unreachable API is an {@link IOException}. The key is never put in a URL.
 */
public final class ControlApiClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final String key;
    private final HttpClient http;

    public ControlApiClient(URI base, String key) {
        this.base = base;
        this.key = key;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** The API answered with an error status. */
    public static final class ApiError extends Exception {
        private final int status;
        private final JsonNode body;

        ApiError(int status, JsonNode body, String raw) {
            super(body != null && body.hasNonNull("error") ? body.get("error").asText()
                    : "the API answered " + status + ": " + raw);
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public JsonNode body() {
            return body;
        }
    }

    public URI base() {
        return base;
    }

    /** Where a person opens the dashboard. */
    public URI dashboard() {
        return base.resolve("/ui/");
    }

    public JsonNode status() throws IOException, ApiError, InterruptedException {
        return get("/status", Map.of());
    }

    /** {@code GET /runs}; null values are left out. */
    public JsonNode runs(Map<String, String> query) throws IOException, ApiError, InterruptedException {
        return get("/runs", query);
    }

    public JsonNode run(String runId) throws IOException, ApiError, InterruptedException {
        return get("/runs/" + segment(runId), Map.of());
    }

    public JsonNode logs(String runId, String jobKey, Integer attempt, Integer after)
            throws IOException, ApiError, InterruptedException {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("attempt", attempt == null ? null : attempt.toString());
        query.put("after", after == null ? null : after.toString());
        return get("/runs/" + segment(runId) + "/jobs/" + segment(jobKey) + "/logs", query);
    }

    public JsonNode artifacts(String runId) throws IOException, ApiError, InterruptedException {
        return get("/runs/" + segment(runId) + "/artifacts", Map.of());
    }

    public JsonNode rerun(String runId, boolean failedOnly) throws IOException, ApiError, InterruptedException {
        return post("/runs/" + segment(runId) + "/rerun", Map.of("failedOnly", failedOnly));
    }

    public JsonNode cancel(String runId, String by) throws IOException, ApiError, InterruptedException {
        return post("/runs/" + segment(runId) + "/cancel", Map.of("by", by));
    }

    public JsonNode startRun(Map<String, Object> request) throws IOException, ApiError, InterruptedException {
        return post("/runs", request);
    }

    private JsonNode get(String path, Map<String, String> query) throws IOException, ApiError, InterruptedException {
        String q = query.entrySet().stream().filter(e -> e.getValue() != null)
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(base.resolve(path + (q.isEmpty() ? "" : "?" + q))).GET());
    }

    private JsonNode post(String path, Object body) throws IOException, ApiError, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException, ApiError, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(TIMEOUT).header("authorization", "Bearer " + key)
                .build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (response.statusCode() / 100 != 2 || body == null) {
            throw new ApiError(response.statusCode(), body, response.body());
        }
        return body;
    }

    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
