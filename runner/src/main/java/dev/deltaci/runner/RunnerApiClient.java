package dev.deltaci.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The runner's side of the runner API. Every call names the job, the runner and the lease epoch. */
public final class RunnerApiClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(10);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI baseUrl;
    private final String runnerId;
    private final List<String> labels;

    public RunnerApiClient(URI baseUrl, String runnerId) {
        this(baseUrl, runnerId, List.of());
    }

    /** @param labels the runner's labels: it may lease only jobs whose labels are among them */
    public RunnerApiClient(URI baseUrl, String runnerId, List<String> labels) {
        this.baseUrl = baseUrl;
        this.runnerId = runnerId;
        this.labels = List.copyOf(labels);
    }

    public List<String> labels() {
        return labels;
    }

    /** The API's answer: its HTTP status and JSON body. */
    public record Answer(int status, JsonNode body) {
        public boolean ok() {
            return status == 200;
        }

        /** 409: the lease is not (or no longer) ours. */
        public boolean conflict() {
            return status == 409;
        }

        /** Worth retrying later: the control plane is struggling, not saying no. */
        public boolean retryable() {
            return status >= 500 || status == 429;
        }

        public String reason() {
            JsonNode reason = body.has("reason") ? body.get("reason") : body.get("error");
            return reason == null ? "HTTP " + status : reason.asText();
        }
    }

    public Answer lease(String runId, String jobKey, long epoch) throws IOException {
        ObjectNode body = base(runId, jobKey, epoch);
        if (!labels.isEmpty()) {
            labels.forEach(body.putArray("labels")::add);
        }
        return call("lease", body);
    }

    public Answer heartbeat(String runId, String jobKey, long epoch) throws IOException {
        return call("heartbeat", base(runId, jobKey, epoch));
    }

    public Answer uploadLog(String runId, String jobKey, long epoch, int seq, String text) throws IOException {
        return call("logs", base(runId, jobKey, epoch).put("seq", seq).put("text", text));
    }

    /** Ends the attempt; {@code attempt} and {@code startedAtEpochMs} echo the lease answer. */
    public Answer complete(String runId, String jobKey, long epoch, int attempt, long startedAtEpochMs, int exitCode,
                           String failureClass, int logChunks) throws IOException {
        ObjectNode body = base(runId, jobKey, epoch).put("attempt", attempt).put("startedAtEpochMs", startedAtEpochMs)
                .put("exitCode", exitCode).put("logChunks", logChunks);
        body.put("failureClass", failureClass);
        return call("complete", body);
    }

    /** A presigned URL to upload this attempt's artifact archive to. */
    public Answer artifactUploadUrl(String runId, String jobKey, long epoch) throws IOException {
        return call("artifacts", base(runId, jobKey, epoch));
    }

    /** PUTs a file to a presigned URL; returns the HTTP status. */
    public int upload(URI url, Path file, String contentType) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(TRANSFER_TIMEOUT)
                .header("content-type", contentType).PUT(HttpRequest.BodyPublishers.ofFile(file)).build();
        return send(request, HttpResponse.BodyHandlers.discarding(), "upload").statusCode();
    }

    /** GETs a presigned URL into a file; returns the HTTP status. */
    public int download(URI url, Path file) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(TRANSFER_TIMEOUT).GET().build();
        return send(request, HttpResponse.BodyHandlers.ofFile(file), "download").statusCode();
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, String what)
            throws IOException {
        try {
            return http.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during " + what, e);
        }
    }

    private ObjectNode base(String runId, String jobKey, long epoch) {
        return JSON.createObjectNode().put("runId", runId).put("jobKey", jobKey)
                .put("runnerId", runnerId).put("epoch", epoch);
    }

    private Answer call(String action, ObjectNode body) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(baseUrl.resolve("/runner/" + action))
                .timeout(CALL_TIMEOUT)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = JSON.readTree(response.body());
            } catch (IOException e) {
                json = JSON.createObjectNode().put("error", response.body());
            }
            return new Answer(response.statusCode(), json == null ? JSON.createObjectNode() : json);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted calling " + action, e);
        }
    }
}
