package dev.deltaci.functions.github;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * The one HTTP edge to GitHub's REST API. Every call has a timeout. What GitHub asks for is
 * honoured within a budget of patience given per use (a webhook has seconds, the sweeper more):
 * {@code Retry-After} (secondary rate limits), a spent primary limit ({@code x-ratelimit-remaining: 0}
 * until {@code x-ratelimit-reset}), and 5xx or a failed connection, retried with backoff. Past
 * the budget the call fails with {@link GitHubException#retryAt()}, so the caller can come back
 * then instead of hammering.
 */
public final class GitHubHttp {

    public static final URI PUBLIC_API = URI.create("https://api.github.com");
    static final String API_VERSION = "2022-11-28";
    /** GitHub: without a Retry-After, wait at least a minute after a secondary rate limit. */
    static final Duration SECONDARY_LIMIT_WAIT = Duration.ofMinutes(1);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.regex.Pattern NEXT = java.util.regex.Pattern.compile("<([^>]+)>;\\s*rel=\"next\"");
    private static final int MAX_TRIES = 4;
    /** A try with less time than this left in the budget is not started. */
    private static final Duration MIN_TRY = Duration.ofMillis(100);
    private static final int MAX_REDIRECTS = 3;
    private static final java.util.Set<Integer> REDIRECTS = java.util.Set.of(301, 302, 303, 307, 308);

    /** The end of the budget the calls on this thread share (System.nanoTime), or null: each has its own patience. */
    private static final ThreadLocal<Long> BUDGET_ENDS = new ThreadLocal<>();

    /**
     * Runs {@code work} with every GitHub call it makes on this thread sharing one budget: each
     * call's patience and each try's timeout end with it, and a call made once it is spent fails at
     * once (retryable). What the webhook uses to answer within GitHub's 10 s however many reads it
     * makes. Measured on the monotonic clock: an injected {@link Clock} may be moved by tests.
     */
    public static <T> T within(Duration budget, java.util.function.Supplier<T> work) {
        Long outer = BUDGET_ENDS.get();
        long ends = System.nanoTime() + budget.toNanos();
        BUDGET_ENDS.set(outer == null || ends - outer < 0 ? ends : outer);
        try {
            return work.get();
        } finally {
            if (outer == null) {
                BUDGET_ENDS.remove();
            } else {
                BUDGET_ENDS.set(outer);
            }
        }
    }

    /** What is left of this thread's budget, or null when it has none. */
    private static Duration budgetLeft() {
        Long ends = BUDGET_ENDS.get();
        return ends == null ? null : Duration.ofNanos(Math.max(0, ends - System.nanoTime()));
    }

    /** How a call waits before it tries again (tests pass one that records instead of sleeping). */
    public interface Sleeper {
        Sleeper REAL = duration -> Thread.sleep(duration.toMillis());

        void sleep(Duration duration) throws InterruptedException;
    }

    /** A 2xx answer (or 304). */
    public record Response(int status, String body, HttpResponse<String> raw) {
        public JsonNode json() throws GitHubException {
            try {
                JsonNode json = JSON.readTree(body);
                return json == null ? JSON.nullNode() : json;
            } catch (JsonProcessingException e) {
                throw new GitHubException(status, "GitHub answered " + status + " with a body that is not JSON", null);
            }
        }

        public Optional<String> header(String name) {
            return raw == null ? Optional.empty() : raw.headers().firstValue(name);
        }

        /** The next page GitHub's {@code Link} header names (an absolute URL on GitHub's host), if any. */
        public Optional<String> nextPage() {
            return header("link").map(NEXT::matcher).filter(java.util.regex.Matcher::find).map(m -> m.group(1));
        }
    }

    private final URI baseUrl;
    private final HttpClient http;
    private final Duration callTimeout;
    private final Clock clock;
    private final Sleeper sleeper;

    /**
     * @param baseUrl     {@code https://api.github.com}, {@code https://HOST/api/v3} (GitHub Enterprise Server), or a double
     * @param callTimeout how long one request may take
     */
    public GitHubHttp(URI baseUrl, HttpClient http, Duration callTimeout, Clock clock, Sleeper sleeper) {
        String base = baseUrl.toString();
        this.baseUrl = URI.create(base.endsWith("/") ? base : base + "/");
        this.http = http;
        this.callTimeout = callTimeout;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    public static GitHubHttp of(URI baseUrl, Clock clock) {
        // redirects are followed here, not by the client: only to GitHub's own host, so a token never leaves it
        return new GitHubHttp(baseUrl, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3))
                .followRedirects(HttpClient.Redirect.NEVER).build(), Duration.ofSeconds(5), clock, Sleeper.REAL);
    }

    public URI baseUrl() {
        return baseUrl;
    }

    /**
     * @param path     relative to the base URL, e.g. {@code repos/o/r/contents/x?ref=sha}
     * @param bearer   the App JWT or an installation token
     * @param body     a JSON-serialisable body, or null
     * @param patience how long this call may spend waiting for GitHub in all
     */
    public Response send(String method, String path, String bearer, Object body, Duration patience)
            throws GitHubException {
        return send(method, path, bearer, body, patience, "application/vnd.github+json");
    }

    /** As above, asking for another media type, e.g. {@code application/vnd.github.raw} for a file's bytes. */
    public Response send(String method, String path, String bearer, Object body, Duration patience, String accept)
            throws GitHubException {
        if (!sameOrigin(baseUrl.resolve(path))) {
            // a path is relative to the API, or an absolute URL GitHub gave (a Link header) on its own host
            throw new GitHubException(0, "not a GitHub API URL: " + baseUrl.resolve(path).getHost(), null);
        }
        Duration left = budgetLeft();
        if (left != null && left.compareTo(MIN_TRY) < 0) {
            throw new GitHubException(0, "no time left to call GitHub (" + method + " " + path
                    + "): the budget of this request is spent", clock.instant().plus(Duration.ofSeconds(1)));
        }
        Instant giveUpAt = clock.instant().plus(left == null || patience.compareTo(left) < 0 ? patience : left);
        Duration backoff = Duration.ofMillis(500);
        int redirects = 0;
        GitHubException last = null;
        for (int attempt = 1; attempt <= MAX_TRIES; attempt++) {
            Duration wait;
            try {
                HttpResponse<String> response = http.send(request(method, path, bearer, body, accept, tryTimeout()),
                        HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                Optional<String> location = response.headers().firstValue("location");
                if (REDIRECTS.contains(status) && location.isPresent() && redirects++ < MAX_REDIRECTS) {
                    URI next = baseUrl.resolve(location.get());
                    if (!sameOrigin(next)) {
                        throw new GitHubException(status, "GitHub redirected " + method + " " + path + " to another host ("
                                + next.getHost() + "); not following it with the App's credentials", null);
                    }
                    path = next.toString();
                    attempt--; // a redirect is not a failed try
                    continue;
                }
                if (status < 400) {
                    return new Response(status, response.body(), response);
                }
                Optional<Instant> limitedUntil = rateLimitedUntil(response);
                if (limitedUntil.isPresent()) {
                    wait = Duration.between(clock.instant(), limitedUntil.get());
                    last = new GitHubException(status, "GitHub rate limit (" + path + "): " + message(response),
                            limitedUntil.get());
                } else if (status >= 500) {
                    wait = backoff;
                    last = new GitHubException(status, "GitHub answered " + status + " to " + method + " " + path + ": "
                            + message(response), clock.instant().plus(backoff));
                } else {
                    throw new GitHubException(status, "GitHub answered " + status + " to " + method + " " + path + ": "
                            + message(response), null);
                }
            } catch (IOException e) {
                wait = backoff;
                last = new GitHubException(0, "GitHub did not answer " + method + " " + path + " ("
                        + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")",
                        clock.instant().plus(backoff));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GitHubException(0, "interrupted calling GitHub", null);
            }
            Duration stillLeft = budgetLeft();
            if (attempt == MAX_TRIES || clock.instant().plus(wait).isAfter(giveUpAt)
                    || (stillLeft != null && stillLeft.compareTo(wait.plus(MIN_TRY)) < 0)) {
                break;
            }
            try {
                sleeper.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw last;
            }
            backoff = backoff.multipliedBy(2);
        }
        throw last;
    }

    private boolean sameOrigin(URI other) {
        return baseUrl.getScheme().equalsIgnoreCase(String.valueOf(other.getScheme()))
                && baseUrl.getHost().equalsIgnoreCase(String.valueOf(other.getHost())) && baseUrl.getPort() == other.getPort();
    }

    /** One try's timeout: the client's, or what is left of the thread's budget if that is less. */
    private Duration tryTimeout() {
        Duration left = budgetLeft();
        return left == null || callTimeout.compareTo(left) <= 0 ? callTimeout : left;
    }

    private HttpRequest request(String method, String path, String bearer, Object body, String accept,
                                Duration timeout) throws GitHubException {
        HttpRequest.BodyPublisher publisher;
        try {
            publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new GitHubException(0, "cannot write the request to GitHub: " + e.getOriginalMessage(), null);
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(baseUrl.resolve(path)).timeout(timeout)
                .header("accept", accept)
                .header("x-github-api-version", API_VERSION)
                .header("user-agent", "delta-ci")
                .method(method, publisher);
        if (body != null) {
            builder.header("content-type", "application/json");
        }
        if (bearer != null) {
            builder.header("authorization", "Bearer " + bearer);
        }
        return builder.build();
    }

    /**
     * Until when GitHub asks to wait, when a 403 or 429 is a rate limit: its {@code Retry-After};
     * else {@code x-ratelimit-reset} when the primary limit is spent; else a minute for a
     * secondary limit. Empty for a 403 that is about permissions.
     */
    private Optional<Instant> rateLimitedUntil(HttpResponse<String> response) {
        int status = response.statusCode();
        if (status != 403 && status != 429) {
            return Optional.empty();
        }
        Optional<String> retryAfter = response.headers().firstValue("retry-after");
        if (retryAfter.isPresent() && retryAfter.get().strip().matches("[0-9]{1,6}")) {
            return Optional.of(clock.instant().plusSeconds(Long.parseLong(retryAfter.get().strip())));
        }
        if (response.headers().firstValue("x-ratelimit-remaining").filter("0"::equals).isPresent()) {
            Optional<Instant> reset = response.headers().firstValue("x-ratelimit-reset")
                    .filter(v -> v.matches("[0-9]{1,12}")).map(v -> Instant.ofEpochSecond(Long.parseLong(v)));
            Instant soonest = clock.instant().plusSeconds(1);
            return Optional.of(reset.filter(soonest::isBefore).orElse(soonest));
        }
        String body = response.body() == null ? "" : response.body().toLowerCase(Locale.ROOT);
        if (status == 429 || body.contains("secondary rate limit") || body.contains("abuse")) {
            return Optional.of(clock.instant().plus(SECONDARY_LIMIT_WAIT));
        }
        return Optional.empty();
    }

    private static String message(HttpResponse<String> response) {
        try {
            JsonNode json = JSON.readTree(response.body());
            if (json != null && json.hasNonNull("message")) {
                return json.get("message").asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: say so briefly below
        }
        String body = response.body() == null ? "" : response.body().strip();
        return body.length() > 200 ? body.substring(0, 200) + "…" : body;
    }
}
