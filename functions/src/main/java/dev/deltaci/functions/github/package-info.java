/**
 * Delta CI as a GitHub App: its identity ({@link dev.deltaci.functions.github.GitHubAppSecret}),
 * the App JWT ({@link dev.deltaci.functions.github.AppJwt}, signed by nimbus-jose-jwt),
 * installation tokens cached until shortly before they expire
 * ({@link dev.deltaci.functions.github.InstallationTokens}), and one HTTP edge to the REST API
 * ({@link dev.deltaci.functions.github.GitHubHttp}) with timeouts and GitHub's rate limits
 * honoured. The API base URL is configurable: {@code https://api.github.com}, or
 * {@code https://HOST/api/v3} for GitHub Enterprise Server, or a test double.
 */
package dev.deltaci.functions.github;
