package dev.deltaci.functions.repo;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deltaci.functions.github.AppJwt;
import dev.deltaci.functions.github.GitHubAppSecret;
import dev.deltaci.functions.github.GitHubDouble;
import dev.deltaci.functions.github.GitHubHttp;
import dev.deltaci.functions.github.InstallationTokens;
import dev.deltaci.functions.github.MovableClock;
import dev.deltaci.functions.github.TestKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pipelines read over GitHub's API, as the App, with no git: against a double that checks the App's JWT and tokens. */
class GitHubPipelineSourceTest {

    private static final String CLONE_URL = "https://github.com/octo/app.git";
    private static final String SHA = "a".repeat(40);
    private static final String BEFORE = "b".repeat(40);
    private static KeyPair keys;

    private final List<Duration> slept = new ArrayList<>();
    private MovableClock clock;
    private GitHubDouble github;
    private GitHubPipelineSource source;

    @BeforeAll
    static void keys() {
        keys = TestKeys.app();
    }

    @BeforeEach
    void start() {
        clock = new MovableClock(Instant.now());
        github = new GitHubDouble(7, (RSAPublicKey) keys.getPublic(), clock);
        GitHubHttp http = new GitHubHttp(URI.create(github.baseUrl()), HttpClient.newHttpClient(), Duration.ofSeconds(2),
                clock, d -> {
                    slept.add(d);
                    clock.advance(d);
                });
        AppJwt jwt = new AppJwt(new GitHubAppSecret(7, (RSAPrivateKey) keys.getPrivate(), "s"), clock);
        source = new GitHubPipelineSource(http, new InstallationTokens(http, jwt, clock), Duration.ofSeconds(8));
    }

    @AfterEach
    void stop() {
        github.close();
    }

    @Test
    void thePipelineFile_shouldBeReadAtTheExactCommit_withTheInstallationsToken() throws Exception {
        github.stubRepository(get(urlEqualTo("/repos/octo/app/contents/.delta/pipeline.yml?ref=" + SHA))
                .willReturn(aResponse().withStatus(200).withBody("jobs:\n  build:\n    steps: [{run: make}]\n")));

        Optional<String> yaml = source.read(CLONE_URL, SHA, ".delta/pipeline.yml");
        Optional<String> again = source.read(CLONE_URL, SHA, ".delta/pipeline.yml");

        assertThat(yaml).contains("jobs:\n  build:\n    steps: [{run: make}]\n");
        assertThat(again).isEqualTo(yaml);
        github.server.verify(getRequestedFor(urlPathEqualTo("/repos/octo/app/contents/.delta/pipeline.yml"))
                .withHeader("accept", com.github.tomakehurst.wiremock.client.WireMock.equalTo("application/vnd.github.raw")));
        github.server.verify(1, getRequestedFor(urlEqualTo("/repos/octo/app/installation")));
    }

    @Test
    void aCommitWithoutThePipelineFile_isNoFile_notAnOutage() throws Exception {
        github.stubRepository(get(urlPathMatching("/repos/octo/app/contents/.*"))
                .willReturn(aResponse().withStatus(404).withBody("{\"message\": \"Not Found\"}")));

        assertThat(source.read(CLONE_URL, SHA, ".delta/pipeline.yml")).isEmpty();
    }

    @Test
    void aRepositoryTheAppIsNotInstalledOn_shouldSaySo() {
        assertThatThrownBy(() -> source.read("https://github.com/someone/else.git", SHA, ".delta/pipeline.yml"))
                .isInstanceOf(PipelineSource.RepositoryUnavailableException.class)
                .hasMessageContaining("not installed on someone/else");
    }

    @Test
    void githubFailingDuringTheRead_shouldBeRetried_andAnOutageLongerThanThePatience_shouldFailTheRead() throws Exception {
        github.stubRepository(get(urlPathMatching("/repos/octo/app/contents/.*")).inScenario("down")
                .whenScenarioStateIs(STARTED).willReturn(aResponse().withStatus(502)).willSetStateTo("up"));
        github.stubRepository(get(urlPathMatching("/repos/octo/app/contents/.*")).inScenario("down")
                .whenScenarioStateIs("up").willReturn(aResponse().withStatus(200).withBody("jobs: {}")));
        assertThat(source.read(CLONE_URL, SHA, ".delta/pipeline.yml")).contains("jobs: {}");

        github.stubRepository(get(urlPathMatching("/repos/octo/app/contents/other.yml.*")).willReturn(aResponse()
                .withStatus(403).withHeader("x-ratelimit-remaining", "0")
                .withHeader("x-ratelimit-reset", Long.toString(clock.instant().getEpochSecond() + 600))
                .withBody("{\"message\": \"API rate limit exceeded\"}")));
        assertThatThrownBy(() -> source.read(CLONE_URL, SHA, "other.yml"))
                .isInstanceOf(PipelineSource.RepositoryUnavailableException.class)
                .hasMessageContaining("rate limit").hasMessageContaining("try again after");
    }

    @Test
    void aPushesChangedFiles_shouldComeFromTheCompareApi_renamesUnderBothNames() throws Exception {
        github.stubRepository(get(urlEqualTo("/repos/octo/app/compare/" + BEFORE + "..." + SHA + "?per_page=100"))
                .willReturn(okJson("{\"total_commits\": 2, \"commits\": [{\"sha\": \"1\"}, {\"sha\": \"2\"}], \"files\": ["
                        + "{\"filename\": \"src/a.java\"}, {\"filename\": \"docs/new.md\", \"previous_filename\": \"docs/old.md\"}]}")));

        assertThat(source.changedFiles(CLONE_URL, BEFORE, SHA)).containsExactly("src/a.java", "docs/new.md", "docs/old.md");
    }

    @Test
    void aNewBranch_andABeforeGitHubNoLongerHas_shouldUseTheCommitsOwnFiles_acrossPages() throws Exception {
        String page1 = IntStream.range(0, 100).mapToObj(i -> "{\"filename\": \"f" + i + "\"}").collect(Collectors.joining(","));
        github.stubRepository(get(urlEqualTo("/repos/octo/app/commits/" + SHA + "?per_page=100&page=1"))
                .willReturn(okJson("{\"files\": [" + page1 + "]}")));
        github.stubRepository(get(urlEqualTo("/repos/octo/app/commits/" + SHA + "?per_page=100&page=2"))
                .willReturn(okJson("{\"files\": [{\"filename\": \"last\"}]}")));
        github.stubRepository(get(urlPathMatching("/repos/octo/app/compare/.*"))
                .willReturn(aResponse().withStatus(404).withBody("{\"message\": \"No common ancestor\"}")));

        List<String> newBranch = source.changedFiles(CLONE_URL, "0".repeat(40), SHA);
        List<String> forcePushed = source.changedFiles(CLONE_URL, BEFORE, SHA);

        assertThat(newBranch).hasSize(101).startsWith("f0").endsWith("last");
        assertThat(forcePushed).isEqualTo(newBranch);
    }

    @Test
    void aCompareOfMoreThan300Files_shouldReadEachCommitsFiles() throws Exception {
        String many = IntStream.range(0, 300).mapToObj(i -> "{\"filename\": \"g" + i + "\"}").collect(Collectors.joining(","));
        github.stubRepository(get(urlEqualTo("/repos/octo/app/compare/" + BEFORE + "..." + SHA + "?per_page=100"))
                .willReturn(okJson("{\"total_commits\": 2, \"commits\": [{\"sha\": \"c1\"}, {\"sha\": \"c2\"}], \"files\": [" + many + "]}")));
        github.stubRepository(get(urlEqualTo("/repos/octo/app/commits/c1?per_page=100&page=1"))
                .willReturn(okJson("{\"files\": [{\"filename\": \"beyond-300\"}]}")));
        github.stubRepository(get(urlEqualTo("/repos/octo/app/commits/c2?per_page=100&page=1"))
                .willReturn(okJson("{\"files\": [{\"filename\": \"g1\"}]}")));

        assertThat(source.changedFiles(CLONE_URL, BEFORE, SHA)).containsExactly("beyond-300", "g1");
    }

    @Test
    void aBranchOrATag_shouldResolveToItsCommit_anAnnotatedTagThroughItsObject() throws Exception {
        github.stubRepository(get(urlEqualTo("/repos/octo/app/git/ref/heads/main"))
                .willReturn(okJson("{\"object\": {\"type\": \"commit\", \"sha\": \"" + SHA + "\"}}")));
        github.stubRepository(get(urlEqualTo("/repos/octo/app/git/ref/heads/v1"))
                .willReturn(aResponse().withStatus(404).withBody("{\"message\": \"Not Found\"}")));
        github.stubRepository(get(urlEqualTo("/repos/octo/app/git/ref/tags/v1"))
                .willReturn(okJson("{\"object\": {\"type\": \"tag\", \"sha\": \"" + "c".repeat(40) + "\"}}")));
        github.stubRepository(get(urlEqualTo("/repos/octo/app/git/tags/" + "c".repeat(40)))
                .willReturn(okJson("{\"object\": {\"type\": \"commit\", \"sha\": \"" + BEFORE + "\"}}")));
        github.stubRepository(get(urlPathMatching("/repos/octo/app/git/ref/.*/nope"))
                .willReturn(aResponse().withStatus(404).withBody("{\"message\": \"Not Found\"}")));

        assertThat(source.resolve(CLONE_URL, "main")).contains(new PipelineSource.ResolvedRef("refs/heads/main", SHA));
        assertThat(source.resolve(CLONE_URL, "v1")).contains(new PipelineSource.ResolvedRef("refs/tags/v1", BEFORE));
        assertThat(source.resolve(CLONE_URL, "nope")).isEmpty();
    }

    @Test
    void cloneUrls_shouldNameTheirRepository() {
        assertThat(GitHubPipelineSource.repositoryOf("https://github.com/octo/app.git")).contains("octo/app");
        assertThat(GitHubPipelineSource.repositoryOf("https://ghe.example.com/octo/app")).contains("octo/app");
        assertThat(GitHubPipelineSource.repositoryOf("git@github.com:octo/app.git")).contains("octo/app");
        assertThat(GitHubPipelineSource.repositoryOf("/tmp/repo")).isEmpty();
        assertThat(GitHubPipelineSource.repositoryOf("file:///tmp/repo")).isEmpty();
    }
}
