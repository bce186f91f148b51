package dev.deltaci.functions.github;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Installation access tokens, one per installation of the App (and per repository and
 * permissions, for the narrow tokens runners clone with), cached until five minutes before they
 * expire (GitHub gives them an hour). Asked for with the App JWT.
 */
public final class InstallationTokens {

    static final Duration REFRESH_BEFORE = Duration.ofMinutes(5);
    private static final Duration PATIENCE = Duration.ofSeconds(5);

    /** An installation token; {@link #toString()} never shows it. */
    public record Token(String value, Instant expiresAt) {
        @Override
        public String toString() {
            return "Token[expiresAt=" + expiresAt + "]";
        }
    }

    private record Key(long installationId, String repository, Map<String, String> permissions) {
    }

    private final GitHubHttp http;
    private final AppJwt jwt;
    private final Clock clock;
    private final Map<Key, Token> cache = new ConcurrentHashMap<>();
    private final Map<String, Long> installations = new ConcurrentHashMap<>();

    public InstallationTokens(GitHubHttp http, AppJwt jwt, Clock clock) {
        this.http = http;
        this.jwt = jwt;
        this.clock = clock;
    }

    /** A token for everything the installation was granted. */
    public Token forInstallation(long installationId) throws GitHubException {
        return token(new Key(installationId, null, Map.of()));
    }

    /**
     * A token for one repository of the installation, with only the permissions given (e.g.
     * {@code contents: read} for a runner's clone).
     *
     * @param repository the repository's name without the owner
     */
    public Token forRepository(long installationId, String repository, Map<String, String> permissions)
            throws GitHubException {
        return token(new Key(installationId, repository, Map.copyOf(permissions)));
    }

    /**
     * The App's installation that covers {@code repository} ({@code owner/name}), looked up once
     * and kept. GitHub answers 404 when the App is not installed there.
     */
    public long installationOf(String repository) throws GitHubException {
        Long installation = installations.get(repository);
        if (installation == null) {
            installation = http.send("GET", "repos/" + repository + "/installation", jwt.sign(), null, PATIENCE)
                    .json().path("id").asLong();
            installations.put(repository, installation);
        }
        return installation;
    }

    private Token token(Key key) throws GitHubException {
        Token cached = cache.get(key);
        if (cached != null && clock.instant().plus(REFRESH_BEFORE).isBefore(cached.expiresAt())) {
            return cached;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (key.repository() != null) {
            body.put("repositories", List.of(key.repository()));
        }
        if (!key.permissions().isEmpty()) {
            body.put("permissions", key.permissions());
        }
        JsonNode answer = http.send("POST", "app/installations/" + key.installationId() + "/access_tokens",
                jwt.sign(), body.isEmpty() ? null : body, PATIENCE).json();
        String value = answer.path("token").asText("");
        Instant expiresAt;
        try {
            expiresAt = Instant.parse(answer.path("expires_at").asText(""));
        } catch (DateTimeParseException e) {
            throw new GitHubException(0, "GitHub's installation token answer has no valid 'expires_at'", null);
        }
        if (value.isEmpty()) {
            throw new GitHubException(0, "GitHub's installation token answer has no 'token'", null);
        }
        Token token = new Token(value, expiresAt);
        cache.put(key, token);
        return token;
    }
}
