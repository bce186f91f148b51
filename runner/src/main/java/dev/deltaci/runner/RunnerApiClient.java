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

    private final HttpClient http;
    private final URI baseUrl;
    private final String name;
    private final List<String> labels;
    private final RegistrationToken registrationToken;
    private volatile String runnerId;
    private String credential;
    private long renewAtNanos;

    /**
     * Where the registration token comes from when the runner registers: read at that moment
     * (from a file, or once from standard input) and not kept, so it never sits in the runner's
     * memory, environment or command line for its lifetime. Empty: not available (any more).
     */
    public interface RegistrationToken {
        java.util.Optional<String> read() throws IOException;

        /** The exchange succeeded: a token that can be read only once is let go of now. */
        default void forget() {
        }

        /** A token held in memory until the first registration (tests, the local control plane's clients). */
        static RegistrationToken of(String token) {
            return () -> java.util.Optional.of(token);
        }

        /** A token that can be read only once (standard input): kept until an exchange succeeds, then let go. */
        static RegistrationToken once(String token) {
            java.util.concurrent.atomic.AtomicReference<String> held = new java.util.concurrent.atomic.AtomicReference<>(token);
            return new RegistrationToken() {
                @Override
                public java.util.Optional<String> read() {
                    return java.util.Optional.ofNullable(held.get());
                }

                @Override
                public void forget() {
                    held.set(null);
                }
            };
        }
    }

    /** A client that does not register (for stub APIs in tests): it acts as {@code runnerId}. */
    public RunnerApiClient(URI baseUrl, String runnerId) {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), baseUrl, runnerId, List.of(), null);
        this.runnerId = runnerId;
    }

    /**
     * @param name              the name this runner asks for; the control plane makes its id from it
     * @param labels            the runner's labels: it may lease only jobs whose labels are among them
     * @param registrationToken traded for the runner's own credential on the first call; the
     *                          credential is renewed with itself when four fifths of its life has passed
     */
    public RunnerApiClient(URI baseUrl, String name, List<String> labels, RegistrationToken registrationToken) {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), baseUrl, name, labels,
                registrationToken);
    }

    /** As above, over a given HTTP client (tests inject faults on the runner's side of a call with it). */
    public RunnerApiClient(HttpClient http, URI baseUrl, String name, List<String> labels,
                           RegistrationToken registrationToken) {
        this.http = http;
        this.baseUrl = baseUrl;
        this.name = name;
        this.labels = List.copyOf(labels);
        this.registrationToken = registrationToken;
    }

    /** The registration was refused (unknown token, labels it does not allow, no token): retrying will not help. */
    public static final class RegistrationRefusedException extends IOException {
        public RegistrationRefusedException(String message) {
            super(message);
        }
    }

    /**
     * Trades the registration token for a credential now (a runner does this at start, so a bad
     * token stops it at once), and learns the id the control plane gave this runner. The local
     * clock times renewal, so a clock that disagrees with the control plane's does not matter.
     */
    public synchronized void register() throws IOException {
        if (registrationToken == null) {
            return;
        }
        ObjectNode body = JSON.createObjectNode().put("name", name);
        labels.forEach(body.putArray("labels")::add);
        String token = registrationToken.read().orElseThrow(() -> new RegistrationRefusedException(
                "no registration token to register with (it is read once, from a file or standard input)"));
        body.put("registrationToken", token);
        long asked = System.nanoTime();
        Answer answer = send("register", body, null);
        if (answer.status() == 401 || answer.status() == 403 || answer.status() == 400) {
            throw new RegistrationRefusedException("registration refused (" + answer.status() + "): " + answer.reason());
        }
        accept(answer, asked, "registration");
        registrationToken.forget();
    }

    /** A fresh credential for the same runner, asked for with the current one; false if it was refused. */
    private boolean renew() throws IOException {
        long asked = System.nanoTime();
        Answer answer = send("renew", JSON.createObjectNode(), credential);
        if (answer.status() == 401) {
            return false;
        }
        accept(answer, asked, "renewal");
        return true;
    }

    private void accept(Answer answer, long askedAtNanos, String what) throws IOException {
        if (!answer.ok() || !answer.body().hasNonNull("credential") || !answer.body().hasNonNull("runnerId")) {
            throw new IOException(what + " failed (" + answer.status() + "): " + answer.reason());
        }
        credential = answer.body().get("credential").asText();
        runnerId = answer.body().get("runnerId").asText();
        long ttlNanos = TimeUnit.MILLISECONDS.toNanos(answer.body().path("ttlMs").asLong(60_000));
        renewAtNanos = askedAtNanos + ttlNanos * 4 / 5;
    }

    private synchronized String currentCredential(boolean refresh) throws IOException {
        if (registrationToken == null) {
            return null;
        }
        if (credential == null) {
            register();
        } else if ((refresh || System.nanoTime() - renewAtNanos >= 0) && !renew()) {
            // the credential ran out (the control plane was out of reach for a long time): register
            // anew if the token can still be read, as a new runner; the old id's leases are gone
            credential = null;
            register();
        }
        return credential;
    }

    /** The id the control plane gave this runner at registration (null before). */
    public String runnerId() {
        return runnerId;
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
        return complete(runId, jobKey, epoch, attempt, startedAtEpochMs, exitCode, failureClass, logChunks, null);
    }

    /** As above, with the SHA-256 of the artifact archive this attempt uploaded (null: none). */
    public Answer complete(String runId, String jobKey, long epoch, int attempt, long startedAtEpochMs, int exitCode,
                           String failureClass, int logChunks, String artifactSha256) throws IOException {
        ObjectNode body = base(runId, jobKey, epoch).put("attempt", attempt).put("startedAtEpochMs", startedAtEpochMs)
                .put("exitCode", exitCode).put("logChunks", logChunks);
        body.put("failureClass", failureClass);
        if (artifactSha256 != null) {
            body.put("artifactSha256", artifactSha256);
        }
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
        // the runner's id is put in by call(): it is known once the runner has registered
        return JSON.createObjectNode().put("runId", runId).put("jobKey", jobKey).put("epoch", epoch);
    }

    /** One runner-API call with the runner's credential; a 401 (credential expired) renews it and tries once more. */
    private Answer call(String action, ObjectNode body) throws IOException {
        String bearer = currentCredential(false);
        Answer answer = send(action, withRunnerId(body), bearer);
        if (answer.status() == 401 && registrationToken != null) {
            bearer = currentCredential(true);
            answer = send(action, withRunnerId(body), bearer);
        }
        return answer;
    }

    private ObjectNode withRunnerId(ObjectNode body) {
        return body.has("runId") ? body.put("runnerId", runnerId) : body;
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
