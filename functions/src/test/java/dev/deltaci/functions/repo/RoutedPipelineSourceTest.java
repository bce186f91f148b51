package dev.deltaci.functions.repo;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deltaci.functions.github.GitHubApp;
import dev.deltaci.functions.github.GitHubAppSecret;
import dev.deltaci.functions.github.GitHubDouble;
import dev.deltaci.functions.github.GitHubHttp;
import dev.deltaci.functions.github.MovableClock;
import dev.deltaci.functions.github.TestKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** As a GitHub App, a GitHub repository never reaches git (Lambda has none); a local one still does. */
class RoutedPipelineSourceTest {

    /** A git reader that fails the test if it is used at all. */
    private static final PipelineSource NO_GIT = new PipelineSource() {
        @Override
        public Optional<String> read(String cloneUrl, String sha, String path) {
            throw new AssertionError("git was used for " + cloneUrl);
        }

        @Override
        public List<String> list(String cloneUrl, String sha, String directory) {
            throw new AssertionError("git was used for " + cloneUrl);
        }

        @Override
        public List<String> changedFiles(String cloneUrl, String before, String after) {
            throw new AssertionError("git was used for " + cloneUrl);
        }

        @Override
        public List<String> changedInPullRequest(String cloneUrl, String base, String head) {
            throw new AssertionError("git was used for " + cloneUrl);
        }

        @Override
        public Optional<ResolvedRef> resolve(String cloneUrl, String ref) {
            throw new AssertionError("git was used for " + cloneUrl);
        }
    };

    @Test
    void aGitHubRepository_shouldBeReadOverTheApi_andALocalOne_withGit() throws Exception {
        KeyPair keys = TestKeys.app();
        MovableClock clock = new MovableClock(Instant.now());
        try (GitHubDouble github = new GitHubDouble(9, (RSAPublicKey) keys.getPublic(), clock)) {
            String sha = "d".repeat(40);
            github.stubRepository(get(urlEqualTo("/repos/octo/app/contents/.delta/pipeline.yml?ref=" + sha))
                    .willReturn(aResponse().withStatus(200).withBody("jobs: {}")));
            GitHubApp app = new GitHubApp(() -> new GitHubAppSecret(9, (RSAPrivateKey) keys.getPrivate(), "hook"),
                    new GitHubHttp(URI.create(github.baseUrl()), HttpClient.newHttpClient(), Duration.ofSeconds(2), clock,
                            GitHubHttp.Sleeper.REAL), clock);
            PipelineSource routed = new RoutedPipelineSource(NO_GIT,
                    new GitHubPipelineSource(app.http(), app.tokens(), Duration.ofSeconds(5)));

            assertThat(routed.read("https://github.com/octo/app.git", sha, ".delta/pipeline.yml")).contains("jobs: {}");
            assertThatThrownBy(() -> routed.read("/srv/repos/app", sha, ".delta/pipeline.yml"))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("git was used for /srv/repos/app");
            assertThat(app.webhookSecret()).isEqualTo("hook");

            // the workflows of a commit: GitHub's contents listing, files only; no directory is no workflows
            github.stubRepository(get(urlEqualTo("/repos/octo/app/contents/.github/workflows?ref=" + sha))
                    .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody("""
                            [{"type": "file", "path": ".github/workflows/test.yml", "name": "test.yml"},
                             {"type": "dir", "path": ".github/workflows/shared", "name": "shared"},
                             {"type": "file", "path": ".github/workflows/lint.yaml", "name": "lint.yaml"}]""")));
            assertThat(routed.list("https://github.com/octo/app.git", sha, ".github/workflows"))
                    .containsExactly(".github/workflows/lint.yaml", ".github/workflows/test.yml");
            github.stubRepository(get(urlEqualTo("/repos/octo/app/contents/none?ref=" + sha))
                    .willReturn(aResponse().withStatus(404).withBody("{\"message\": \"Not Found\"}")));
            assertThat(routed.list("https://github.com/octo/app.git", sha, "none")).isEmpty();
        }
    }
}
