package dev.deltaci.functions.github;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * GitHub does not redeliver a webhook delivery that failed (Delta was down, timed out, or
 * answered 5xx because GitHub itself could not be read). This asks GitHub for the App's recent
 * deliveries ({@code GET /app/hook/deliveries}, newest first, cursor-paged) and redelivers each
 * {@code push} and {@code pull_request} whose every attempt failed with 5xx or no answer, once
 * the latest attempt has had time to settle. Redelivery keeps the delivery's id, which is what
 * a run's id is made from, so a redelivery that races a late success starts nothing twice.
 * A 4xx (a bad signature, a malformed body) is not redelivered: it would fail again.
 */
public final class DeliveryReconciler {

    private static final Set<String> EVENTS = Set.of("push", "pull_request");
    private static final int MAX_PAGES = 10;
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    /** What one pass found and did. */
    public record Result(int seen, int failed, int redelivered, List<String> redeliveredGuids) {
    }

    private record Attempt(long id, String guid, String event, int statusCode, Instant deliveredAt) {
        boolean succeeded() {
            return statusCode >= 200 && statusCode < 300;
        }

        boolean worthRedelivering() {
            return statusCode == 0 || statusCode >= 500;
        }
    }

    private final GitHubHttp http;
    private final AppJwt jwt;
    private final Clock clock;

    public DeliveryReconciler(GitHubHttp http, AppJwt jwt, Clock clock) {
        this.http = http;
        this.jwt = jwt;
        this.clock = clock;
    }

    /**
     * @param window how far back to look (GitHub keeps deliveries for three days)
     * @param settle how old a failed attempt must be before it is redelivered (one may be in flight)
     * @param max    at most this many redeliveries in one pass
     */
    public Result reconcile(Duration window, Duration settle, int max) throws GitHubException {
        Instant now = clock.instant();
        Instant since = now.minus(window);
        Map<String, List<Attempt>> byGuid = new LinkedHashMap<>();
        int seen = 0;
        String path = "app/hook/deliveries?per_page=100";
        for (int page = 0; page < MAX_PAGES && path != null; page++) {
            GitHubHttp.Response response = http.send("GET", path, jwt.sign(), null, PATIENCE);
            boolean older = false;
            for (JsonNode delivery : response.json()) {
                Instant at = instant(delivery.path("delivered_at").asText(""));
                if (at == null || at.isBefore(since)) {
                    older = true;
                    continue;
                }
                seen++;
                byGuid.computeIfAbsent(delivery.path("guid").asText(), g -> new ArrayList<>())
                        .add(new Attempt(delivery.path("id").asLong(), delivery.path("guid").asText(),
                                delivery.path("event").asText(), delivery.path("status_code").asInt(0), at));
            }
            path = older ? null : response.nextPage().orElse(null);
        }
        int failed = 0;
        List<String> redelivered = new ArrayList<>();
        Map<String, Attempt> latestFailures = new HashMap<>();
        for (List<Attempt> attempts : byGuid.values()) {
            Attempt latest = attempts.stream().max(java.util.Comparator.comparing(Attempt::deliveredAt)).orElseThrow();
            if (!EVENTS.contains(latest.event()) || attempts.stream().anyMatch(Attempt::succeeded)) {
                continue;
            }
            failed++;
            if (latest.worthRedelivering() && !latest.deliveredAt().isAfter(now.minus(settle))) {
                latestFailures.put(latest.guid(), latest);
            }
        }
        for (Attempt attempt : latestFailures.values()) {
            if (redelivered.size() >= max) {
                break;
            }
            http.send("POST", "app/hook/deliveries/" + attempt.id() + "/attempts", jwt.sign(), null, PATIENCE);
            redelivered.add(attempt.guid());
        }
        return new Result(seen, failed, redelivered.size(), List.copyOf(redelivered));
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
