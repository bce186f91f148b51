package dev.deltaci.runner;

import dev.deltaci.api.ArtifactUploadRequest;
import dev.deltaci.api.CompleteReply;
import dev.deltaci.api.CompleteRequest;
import dev.deltaci.api.HeartbeatReply;
import dev.deltaci.api.HeartbeatRequest;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.api.LeaseRequest;
import dev.deltaci.api.LogReply;
import dev.deltaci.api.LogRequest;
import dev.deltaci.api.LogTail;
import dev.deltaci.api.Presence;
import dev.deltaci.api.PresenceReply;
import dev.deltaci.api.PresenceRequest;
import dev.deltaci.api.Problem;
import dev.deltaci.api.RegisterReply;
import dev.deltaci.api.RegisterRequest;
import dev.deltaci.api.Replies;
import dev.deltaci.api.Reply;
import dev.deltaci.api.UploadReply;
import dev.deltaci.api.WireJson;
import dev.deltaci.core.job.FailureClass;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The runner's side of the runner API. Every call about a job names the job, the runner and the
 * lease epoch; every answer is the wire contract's sealed reply for the call (a {@link Problem}
 * when the API refused it without an outcome).
 */
public final class RunnerApiClient {

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(10);

    private final HttpClient http;
    private final URI baseUrl;
    private final String name;
    private final List<String> labels;
    private final RegistrationToken registrationToken;
    private final java.util.function.LongSupplier nanoTime;
    private volatile String runnerId;
    /** The autoscaled instance this runner runs on, named at registration; null for none. */
    private volatile String instanceId;
    private volatile java.util.function.Supplier<dev.deltaci.api.AwsIdentityProof> identityProofs;
    private String credential;
    private long renewAtNanos;
    /** Where requeued jobs wait for this runner to look first, as its registration said; null: nowhere. */
    private volatile String retryQueueUrl;
    /** The latest log token of each attempt in hand (run, job, epoch), from its lease answer and heartbeats. */
    private final Map<String, String> logTokens = new java.util.concurrent.ConcurrentHashMap<>();

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
        this(http, baseUrl, name, labels, registrationToken, System::nanoTime);
    }

    /** @param nanoTime the monotonic clock that times credential renewal (tests move their own) */
    RunnerApiClient(HttpClient http, URI baseUrl, String name, List<String> labels,
                    RegistrationToken registrationToken, java.util.function.LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.http = http;
        this.baseUrl = baseUrl;
        this.name = name;
        this.labels = List.copyOf(labels);
        this.registrationToken = registrationToken;
    }

    /** The registration was refused (unknown token, labels it does not allow, no token): retrying will not help. */
    public static class RegistrationRefusedException extends IOException {
        public RegistrationRefusedException(String message) {
            super(message);
        }
    }

    /** The runner's instance is drained: the scaler is taking it out, and this runner must not take work. */
    public static final class InstanceDrainedException extends RegistrationRefusedException {
        public InstanceDrainedException(String message) {
            super(message);
        }
    }

    /** Registers as the runner of this autoscaled instance (so the scaler can drain it); before the first call. */
    public RunnerApiClient onInstance(String id) {
        this.instanceId = id;
        return this;
    }

    /**
     * Registers with a fresh proof of the instance's identity each time instead of a token (the
     * instance is then whatever STS says); before the first call.
     */
    public RunnerApiClient withAwsIdentity(java.util.function.Supplier<dev.deltaci.api.AwsIdentityProof> proofs) {
        this.identityProofs = proofs;
        return this;
    }

    /**
     * Trades the registration token for a credential now (a runner does this at start, so a bad
     * token stops it at once), and learns the id the control plane gave this runner. The local
     * clock times renewal, so a clock that disagrees with the control plane's does not matter.
     */
    public synchronized void register() throws IOException {
        if (registrationToken == null && identityProofs == null) {
            return;
        }
        String token = identityProofs != null ? null : registrationToken.read().orElseThrow(() -> new RegistrationRefusedException(
                "no registration token to register with (it is read once, from a file or standard input)"));
        dev.deltaci.api.AwsIdentityProof proof;
        try {
            proof = identityProofs == null ? null : identityProofs.get();
        } catch (RuntimeException e) {
            // no instance credentials yet (the metadata service is slow at boot): worth trying again
            throw new IOException("could not sign an identity proof: " + e.getMessage(), e);
        }
        long asked = nanoTime.getAsLong();
        RegisterReply reply = send("register", new RegisterRequest(token, name, labels, instanceId, proof), null,
                RegisterReply.class);
        if (reply instanceof Problem problem && problem.status() == 409 && (instanceId != null || proof != null)) {
            throw new InstanceDrainedException("registration refused: " + problem.error());
        }
        if (reply instanceof Problem problem && !problem.retryable()) {
            throw new RegistrationRefusedException("registration refused (" + problem.status() + "): " + problem.error());
        }
        accept(reply, asked, "registration");
        if (registrationToken != null) {
            registrationToken.forget();
        }
    }

    /** A fresh credential for the same runner, asked for with the current one; false if it was refused. */
    private boolean renew() throws IOException {
        long asked = nanoTime.getAsLong();
        RegisterReply reply = send("renew", Map.of(), credential, RegisterReply.class);
        if (reply instanceof Problem problem && problem.status() == 401) {
            return false;
        }
        accept(reply, asked, "renewal");
        return true;
    }

    private void accept(RegisterReply reply, long askedAtNanos, String what) throws IOException {
        if (!(reply instanceof RegisterReply.Registered registered)) {
            Problem problem = (Problem) reply;
            throw new IOException(what + " failed (" + problem.status() + "): " + problem.error());
        }
        credential = registered.credential();
        runnerId = registered.runnerId();
        retryQueueUrl = registered.retryQueueUrl();
        long ttlNanos = TimeUnit.MILLISECONDS.toNanos(registered.ttlMs() > 0 ? registered.ttlMs() : 60_000);
        renewAtNanos = askedAtNanos + ttlNanos * 4 / 5;
    }

    private synchronized String currentCredential(boolean refresh) throws IOException {
        if (registrationToken == null && identityProofs == null) {
            return null;
        }
        if (credential == null) {
            register();
        } else if ((refresh || nanoTime.getAsLong() - renewAtNanos >= 0) && !renew()) {
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

    /** The queue of requeued jobs, to look at before the job queue (null until registered, or when there is none). */
    public String retryQueueUrl() {
        return retryQueueUrl;
    }

    /** Tells the control plane this runner is here: idle, busy, or gone when it stops. */
    public PresenceReply presence(Presence state) throws IOException {
        return presence(state, null);
    }

    /** As above, saying for how long it has been in this state (what the scaler's idle timeout counts). */
    public PresenceReply presence(Presence state, Long inStateForMs) throws IOException {
        return call("presence", () -> new PresenceRequest(state, inStateForMs), PresenceReply.class);
    }

    /** Leases a job; the control plane matches the job's labels against those of this runner's credential. */
    public LeaseReply lease(String runId, String jobKey, long epoch) throws IOException {
        LeaseReply reply = call("lease", () -> new LeaseRequest(runId, jobKey, runnerId, epoch), LeaseReply.class);
        if (reply instanceof LeaseReply.Leased leased && leased.lease().logToken() != null) {
            logTokens.put(attempt(runId, jobKey, leased.lease().epoch()), leased.lease().logToken());
        }
        return reply;
    }

    public HeartbeatReply heartbeat(String runId, String jobKey, long epoch) throws IOException {
        HeartbeatReply reply = call("heartbeat", () -> new HeartbeatRequest(runId, jobKey, runnerId, epoch),
                HeartbeatReply.class);
        if (reply instanceof HeartbeatReply.Renewed renewed && renewed.logToken() != null) {
            logTokens.put(attempt(runId, jobKey, epoch), renewed.logToken());
        } else if (reply instanceof dev.deltaci.api.LeaseLost) {
            logTokens.remove(attempt(runId, jobKey, epoch)); // nothing more is sent for this attempt
        }
        return reply;
    }

    /** Sends a log chunk with the attempt's latest log token, so the control plane need not read the lease. */
    public LogReply uploadLog(String runId, String jobKey, long epoch, int seq, String text) throws IOException {
        String token = logTokens.get(attempt(runId, jobKey, epoch));
        return call("logs", () -> new LogRequest(runId, jobKey, runnerId, epoch, seq, text, token), LogReply.class);
    }

    private static String attempt(String runId, String jobKey, long epoch) {
        return runId + "/" + jobKey + "/" + epoch;
    }

    /**
     * Ends the attempt; {@code attempt} and {@code startedAtEpochMs} echo the lease answer,
     * {@code failureClass} is null for a success, {@code artifactSha256} the SHA-256 of the archive
     * this attempt uploaded (null: none).
     */
    public CompleteReply complete(String runId, String jobKey, long epoch, int attempt, long startedAtEpochMs,
                                  int exitCode, FailureClass failureClass, int logChunks, String artifactSha256)
            throws IOException {
        return complete(runId, jobKey, epoch, attempt, startedAtEpochMs, exitCode, failureClass, logChunks, artifactSha256,
                Map.of());
    }

    /** As above, with what the job's {@code outputs:} rendered to. */
    public CompleteReply complete(String runId, String jobKey, long epoch, int attempt, long startedAtEpochMs,
                                  int exitCode, FailureClass failureClass, int logChunks, String artifactSha256,
                                  Map<String, String> outputs) throws IOException {
        return complete(runId, jobKey, epoch, attempt, startedAtEpochMs, exitCode, failureClass, logChunks, artifactSha256,
                outputs, null);
    }

    /**
     * As above, carrying the log's last chunk ({@code lastLogText}, numbered {@code logChunks - 1};
     * null: every chunk was sent) with the attempt's latest log token. The token is kept until the
     * completion is answered: a completion that cannot take the chunk leaves it to {@link #uploadLog}.
     */
    public CompleteReply complete(String runId, String jobKey, long epoch, int attempt, long startedAtEpochMs,
                                  int exitCode, FailureClass failureClass, int logChunks, String artifactSha256,
                                  Map<String, String> outputs, String lastLogText) throws IOException {
        String key = attempt(runId, jobKey, epoch);
        LogTail lastLog = lastLogText == null ? null : new LogTail(logChunks - 1, lastLogText, logTokens.get(key));
        CompleteReply reply = call("complete", () -> new CompleteRequest(runId, jobKey, runnerId, epoch, attempt,
                startedAtEpochMs, exitCode, failureClass, logChunks, artifactSha256, outputs, lastLog), CompleteReply.class);
        if (!(reply instanceof Problem)) {
            logTokens.remove(key); // no chunk follows an answered completion
        }
        return reply;
    }

    /** As above, for an attempt that kept no artifacts. */
    public CompleteReply complete(String runId, String jobKey, long epoch, int attempt, long startedAtEpochMs,
                                  int exitCode, FailureClass failureClass, int logChunks) throws IOException {
        return complete(runId, jobKey, epoch, attempt, startedAtEpochMs, exitCode, failureClass, logChunks, null);
    }

    /** A presigned URL to upload this attempt's artifact archive to. */
    public UploadReply artifactUploadUrl(String runId, String jobKey, long epoch) throws IOException {
        return call("artifacts", () -> new ArtifactUploadRequest(runId, jobKey, runnerId, epoch), UploadReply.class);
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

    /**
     * One runner-API call with the runner's credential; a 401 (credential expired) renews it and
     * tries once more. The request is built after the credential, so it names the runner's current id.
     */
    private <T extends Reply> T call(String action, java.util.function.Supplier<Object> request, Class<T> replyType)
            throws IOException {
        String bearer = currentCredential(false);
        T reply = send(action, request.get(), bearer, replyType);
        if (reply instanceof Problem problem && problem.status() == 401 && registrationToken != null) {
            bearer = currentCredential(true);
            reply = send(action, request.get(), bearer, replyType);
        }
        return reply;
    }

    private <T extends Reply> T send(String action, Object body, String bearer, Class<T> replyType) throws IOException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(baseUrl.resolve("/runner/" + action))
                .timeout(CALL_TIMEOUT)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(WireJson.write(body)));
        if (bearer != null) {
            builder.header("authorization", "Bearer " + bearer);
        }
        try {
            HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return Replies.decode(replyType, response.statusCode(), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted calling " + action, e);
        }
    }
}
