package dev.deltaci.functions.github;

import dev.deltaci.functions.security.ParsedOnChange;
import dev.deltaci.functions.security.SecretText;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * This deployment as a GitHub App: its secret ({@code GITHUB_APP_SECRET_ARN} in the cloud,
 * {@code GITHUB_APP_FILE} or {@code GITHUB_APP} locally; parsed again when it is rotated), the API
 * it talks to ({@code GITHUB_API_URL}, default {@code https://api.github.com}; GitHub Enterprise
 * Server: {@code https://HOST/api/v3}), its JWT and its installation tokens.
 */
public final class GitHubApp {

    public static final String SECRET_ARN = "GITHUB_APP_SECRET_ARN";
    public static final String SECRET_FILE = "GITHUB_APP_FILE";
    public static final String SECRET_VALUE = "GITHUB_APP";
    public static final String API_URL = "GITHUB_API_URL";

    private final Supplier<GitHubAppSecret> secret;
    private final GitHubHttp http;
    private final AppJwt jwt;
    private final InstallationTokens tokens;

    public GitHubApp(Supplier<GitHubAppSecret> secret, GitHubHttp http, Clock clock) {
        this.secret = secret;
        this.http = http;
        this.jwt = new AppJwt(secret, clock);
        this.tokens = new InstallationTokens(http, jwt, clock);
    }

    /** The App this environment configures, or empty when it names none (a laptop without GitHub). */
    public static Optional<GitHubApp> fromEnvironment(Map<String, String> env, Clock clock) {
        if (!env.containsKey(SECRET_ARN) && !env.containsKey(SECRET_FILE) && !env.containsKey(SECRET_VALUE)) {
            return Optional.empty();
        }
        SecretText text = SecretText.fromEnvironment(env, SECRET_ARN, SECRET_FILE, SECRET_VALUE);
        URI api = URI.create(env.getOrDefault(API_URL, GitHubHttp.PUBLIC_API.toString()));
        return Optional.of(new GitHubApp(new ParsedOnChange<>(text, GitHubAppSecret::parse), GitHubHttp.of(api, clock),
                clock));
    }

    /** The secret GitHub signs this App's webhook deliveries with. */
    public String webhookSecret() {
        return secret.get().webhookSecret();
    }

    public GitHubHttp http() {
        return http;
    }

    public AppJwt jwt() {
        return jwt;
    }

    public InstallationTokens tokens() {
        return tokens;
    }
}
