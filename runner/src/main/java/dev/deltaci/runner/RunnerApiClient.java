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
import java.util.concurrent.TimeUnit;

/** The runner's side of the runner API. Every call names the job, the runner and the lease epoch. */
public final class RunnerApiClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(10);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI baseUrl;
    private final String runnerId;
    private final List<String> labels;
    private final String registrationToken;
    private String credential;
    private long renewAtNanos;

    /** A client that does not register (for stub APIs in tests). */
    public RunnerApiClient(URI baseUrl, String runnerId) {
        this(baseUrl, runnerId, List.of(), null);
    }

    /**
     * @param labels            the runner's labels: it may lease only jobs whose labels are among them
     * @param registrationToken traded for the runner's own credential on the first call, and again
     *                          when four fifths of the credential's life has passed
     */
    public RunnerApiClient(URI baseUrl, String runnerId, List<String> labels, String registrationToken) {
        this.baseUrl = baseUrl;
        this.runnerId = runnerId;
        this.labels = List.copyOf(labels);
        this.registrationToken = registrationToken;
    }

    /** The registration was refused (unknown token, labels it does not allow): retrying will not help. */
    public static final class RegistrationRefusedException extends IOException {
        public RegistrationRefusedException(String message) {
            super(message);
        }
    }

    /**
     * Trades the registration token for a credential now (a runner does this at start, so a bad
     * token stops it at once). Renewal is by the same call; the local clock times it, so a clock
     * that disagrees with the control plane's does not matter.
     */
    public synchronized void register() throws IOException {
        if (registrationToken == null) {
            return;
        }
        ObjectNode body = JSON.createObjectNode().put("registrationToken", registrationToken).put("runnerId", runnerId);
        labels.forEach(body.putArray("labels")::add);
        long asked = System.nanoTime();
        Answer answer = send("register", body, null);
        if (answer.status() == 401 || answer.status() == 403 || answer.status() == 400) {
            throw new RegistrationRefusedException("registration refused (" + answer.status() + "): " + answer.reason());
        }
        if (!answer.ok() || !answer.body().hasNonNull("credential")) {
            throw new IOException("registration failed (" + answer.status() + "): " + answer.reason());
        }
        credential = answer.body().get("credential").asText();
        long ttlNanos = TimeUnit.MILLISECONDS.toNanos(answer.body().path("ttlMs").asLong(60_000));
        renewAtNanos = asked + ttlNanos * 4 / 5;
    }

    private synchronized String currentCredential(boolean renew) throws IOException {
        if (registrationToken == null) {
            return null;
        }
        if (renew || credential == null || System.nanoTime() - renewAtNanos >= 0) {
            register();
        }
        return credential;
    }

    public List<String> labels() {
        return labels;
    }

    /** The API's answer: its HTTP status and JSON body. */
    public record Answer(int status, JsonNode body) {
        public boolean ok() {
            return status == 200;
        }

        /** 409 or 403: the job is not (or no longer) ours to act on. */
        public boolean conflict() {
            return status == 409 || status == 403;
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

    /** Tells the control plane this runner is here: {@code idle}, {@code busy}, or {@code gone} when it stops. */
    public Answer presence(String state) throws IOException {
        return call("presence", JSON.createObjectNode().put("state", state));
    }

    /** Leases a job; the control plane matches the job's labels against those of this runner's credential. */
    public Answer lease(String runId, String jobKey, long epoch) throws IOException {
        return call("lease", base(runId, jobKey, epoch));
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

    /** One runner-API call with the runner's credential; a 401 (credential expired) renews it and tries once more. */
    private Answer call(String action, ObjectNode body) throws IOException {
        Answer answer = send(action, body, currentCredential(false));
        if (answer.status() == 401 && registrationToken != null) {
            answer = send(action, body, currentCredential(true));
        }
        return answer;
    }

    private Answer send(String action, ObjectNode body, String bearer) throws IOException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(baseUrl.resolve("/runner/" + action))
                .timeout(CALL_TIMEOUT)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (bearer != null) {
            builder.header("authorization", "Bearer " + bearer);
        }
        HttpRequest request = builder.build();
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
