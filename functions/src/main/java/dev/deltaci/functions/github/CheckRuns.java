package dev.deltaci.functions.github;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the App tells GitHub about a commit: check runs ({@code checks: write}) and, where the
 * App lacks that permission, commit statuses ({@code statuses: write}). Calls use the token of
 * the installation that covers the repository.
 *
 * <p>Creating a check run is the one call here that is not idempotent, so it is tried once: a
 * create that timed out may have landed, and the caller finds it by its {@code external_id}
 * ({@link #idsByExternalId}) before it creates again.
 */
public final class CheckRuns {

    private static final int MAX_PAGES = 10;

    /** A check run as GitHub shows it; {@code conclusion}, times and output are null where not known yet. */
    public record CheckRun(String name, String headSha, String externalId, String status, String conclusion,
                           Instant startedAt, Instant completedAt, String title, String summary) {

        Map<String, Object> body() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("head_sha", headSha);
            body.put("external_id", externalId);
            body.put("status", status);
            putIfSet(body, "conclusion", conclusion);
            putIfSet(body, "started_at", startedAt == null ? null : startedAt.toString());
            putIfSet(body, "completed_at", completedAt == null ? null : completedAt.toString());
            if (title != null) {
                body.put("output", Map.of("title", title, "summary", summary));
            }
            return body;
        }
    }

    /** A commit status: {@code state} is error, failure, pending or success; one per {@code context}. */
    public record CommitStatus(String state, String context, String description) {
    }

    private final GitHubHttp http;
    private final InstallationTokens tokens;

    public CheckRuns(GitHubHttp http, InstallationTokens tokens) {
        this.http = http;
        this.tokens = tokens;
    }

    /** The ids of the commit's check runs, by their {@code external_id} (those without one left out). */
    public Map<String, Long> idsByExternalId(String repository, String sha, Duration patience) throws GitHubException {
        Map<String, Long> ids = new HashMap<>();
        String path = "repos/" + repository + "/commits/" + sha + "/check-runs?filter=all&per_page=100";
        for (int page = 0; page < MAX_PAGES && path != null; page++) {
            GitHubHttp.Response response = http.send("GET", path, token(repository), null, patience);
            for (JsonNode run : response.json().path("check_runs")) {
                if (run.hasNonNull("external_id") && !run.get("external_id").asText().isEmpty()) {
                    ids.merge(run.get("external_id").asText(), run.path("id").asLong(), Math::min);
                }
            }
            path = response.nextPage().orElse(null);
        }
        return ids;
    }

    /** Creates the check run, trying once (see above); its id. */
    public long create(String repository, CheckRun run) throws GitHubException {
        return http.send("POST", "repos/" + repository + "/check-runs", token(repository), run.body(), Duration.ZERO)
                .json().path("id").asLong();
    }

    /** Brings the check run up to date; safe to repeat. */
    public void update(String repository, long id, CheckRun run, Duration patience) throws GitHubException {
        http.send("PATCH", "repos/" + repository + "/check-runs/" + id, token(repository), run.body(), patience);
    }

    /** Sets the commit's status for the context; the latest per context is what GitHub shows, so safe to repeat. */
    public void setStatus(String repository, String sha, CommitStatus status, Duration patience) throws GitHubException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("state", status.state());
        body.put("context", status.context());
        body.put("description", status.description());
        http.send("POST", "repos/" + repository + "/statuses/" + sha, token(repository), body, patience);
    }

    private String token(String repository) throws GitHubException {
        return tokens.forInstallation(tokens.installationOf(repository)).value();
    }

    private static void putIfSet(Map<String, Object> body, String key, Object value) {
        if (value != null) {
            body.put(key, value);
        }
    }
}
