package dev.deltaci.functions.github;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The App's identity against a GitHub double that checks it as GitHub does, and the HTTP edge's patience. */
class GitHubAppTest {

    private static final long APP_ID = 12345;
    private static KeyPair appKeys;
    private static KeyPair otherKeys;

    private final List<Duration> slept = new ArrayList<>();
    private MovableClock clock;
    private GitHubDouble github;

    @BeforeAll
    static void keys() {
        appKeys = TestKeys.app();
        otherKeys = TestKeys.other();
    }

    @BeforeEach
    void start() {
        clock = new MovableClock(Instant.now());
        github = new GitHubDouble(APP_ID, (RSAPublicKey) appKeys.getPublic(), clock);
    }

    @AfterEach
    void stop() {
        github.close();
    }

    @Test
    void anInstallationToken_shouldBeAskedForWithTheSignedAppJwt_andKeptUntilFiveMinutesBeforeItExpires()
            throws Exception {
        InstallationTokens tokens = tokens(appKeys);

        InstallationTokens.Token first = tokens.forInstallation(42);
        InstallationTokens.Token again = tokens.forInstallation(42);
        clock.advance(Duration.ofMinutes(56)); // GitHub's tokens last an hour: less than five minutes are left
        InstallationTokens.Token renewed = tokens.forInstallation(42);

        assertThat(first.value()).startsWith("ghs_");
        assertThat(again).isEqualTo(first);
        assertThat(renewed.value()).isNotEqualTo(first.value());
        github.server.verify(2, postRequestedFor(urlEqualTo("/app/installations/42/access_tokens"))
                .withHeader("accept", equalTo("application/vnd.github+json"))
                .withHeader("x-github-api-version", equalTo("2022-11-28")));
        assertThat(first.toString()).doesNotContain(first.value());
    }

    @Test
    void aJwtSignedWithAnotherKey_shouldBeRefused_andNotRetried() {
        InstallationTokens tokens = tokens(otherKeys);

        assertThatThrownBy(() -> tokens.forInstallation(42)).isInstanceOfSatisfying(GitHubException.class, e -> {
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage()).contains("A JSON web token could not be decoded");
        });
        github.server.verify(1, postRequestedFor(urlPathMatching("/app/installations/.*")));
    }

    @Test
    void aRunnersToken_shouldBeForOneRepository_withOnlyThePermissionsAskedFor() throws Exception {
        InstallationTokens tokens = tokens(appKeys);

        tokens.forRepository(42, "private-repo", Map.of("contents", "read"));

        github.server.verify(postRequestedFor(urlEqualTo("/app/installations/42/access_tokens")).withRequestBody(
                equalToJson("{\"repositories\": [\"private-repo\"], \"permissions\": {\"contents\": \"read\"}}")));
    }

    @Test
    void githubsPrivateKeyFile_shouldBeRead_asGitHubGeneratesIt() {
        String pkcs1Pem = "-----BEGIN RSA PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pkcs1(appKeys))
                + "\n-----END RSA PRIVATE KEY-----\n";
        String json = "{\"appId\": 12345, \"privateKey\": " + quote(pkcs1Pem) + ", \"webhookSecret\": \"s3cret\"}";

        GitHubAppSecret secret = GitHubAppSecret.parse(json);

        assertThat(secret.privateKey().getModulus()).isEqualTo(((RSAPrivateKey) appKeys.getPrivate()).getModulus());
        assertThat(secret.toString()).doesNotContain("s3cret").doesNotContain("MII");
        assertThatThrownBy(() -> GitHubAppSecret.parse("{\"privateKey\": " + quote(pkcs1Pem) + ", \"webhookSecret\": \"x\"}"))
                .hasMessageContaining("'appId'");
        assertThatThrownBy(() -> GitHubAppSecret.parse("{\"appId\": 1, \"privateKey\": \"-----BEGIN RSA PRIVATE KEY-----"
                + "AAAA-----END RSA PRIVATE KEY-----\", \"webhookSecret\": \"x\"}"))
                .hasMessageContaining("cannot be read as an RSA key").hasMessageNotContaining("AAAA");
    }

    @Test
    void serverErrors_shouldBeRetriedWithBackoff_untilGitHubAnswers() throws Exception {
        github.server.stubFor(get(urlEqualTo("/flaky")).inScenario("flaky").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(502)).willSetStateTo("once"));
        github.server.stubFor(get(urlEqualTo("/flaky")).inScenario("flaky").whenScenarioStateIs("once")
                .willReturn(aResponse().withStatus(503)).willSetStateTo("twice"));
        github.server.stubFor(get(urlEqualTo("/flaky")).inScenario("flaky").whenScenarioStateIs("twice")
                .willReturn(aResponse().withStatus(200).withBody("{\"ok\": true}")));

        GitHubHttp.Response response = http(Duration.ofSeconds(2)).send("GET", "flaky", "t", null, Duration.ofSeconds(10));

        assertThat(response.json().path("ok").asBoolean()).isTrue();
        assertThat(slept).containsExactly(Duration.ofMillis(500), Duration.ofMillis(1000));
    }

    @Test
    void aSecondaryRateLimit_shouldBeWaitedOut_asRetryAfterSays() throws Exception {
        github.server.stubFor(get(urlEqualTo("/limited")).inScenario("limited").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(403).withHeader("retry-after", "2")
                        .withBody("{\"message\": \"You have exceeded a secondary rate limit.\"}")).willSetStateTo("waited"));
        github.server.stubFor(get(urlEqualTo("/limited")).inScenario("limited").whenScenarioStateIs("waited")
                .willReturn(aResponse().withStatus(200).withBody("{}")));

        http(Duration.ofSeconds(2)).send("GET", "limited", "t", null, Duration.ofSeconds(10));

        assertThat(slept).containsExactly(Duration.ofSeconds(2));
    }

    @Test
    void aSpentPrimaryLimit_longerThanThePatience_shouldFailAtOnce_sayingWhenToComeBack() {
        long reset = clock.instant().getEpochSecond() + 1800;
        github.server.stubFor(get(urlEqualTo("/spent")).willReturn(aResponse().withStatus(403)
                .withHeader("x-ratelimit-remaining", "0").withHeader("x-ratelimit-reset", Long.toString(reset))
                .withBody("{\"message\": \"API rate limit exceeded for installation ID 42.\"}")));

        assertThatThrownBy(() -> http(Duration.ofSeconds(2)).send("GET", "spent", "t", null, Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(GitHubException.class, e -> {
                    assertThat(e.retryAt()).isEqualTo(Instant.ofEpochSecond(reset));
                    assertThat(e.getMessage()).contains("rate limit");
                });
        assertThat(slept).isEmpty();
        github.server.verify(1, getRequestedFor(urlEqualTo("/spent")));
    }

    @Test
    void aForbiddenThatIsNoRateLimit_andANotFound_shouldNotBeRetried() {
        github.server.stubFor(get(urlEqualTo("/forbidden")).willReturn(aResponse().withStatus(403)
                .withBody("{\"message\": \"Resource not accessible by integration\"}")));
        github.server.stubFor(get(urlEqualTo("/missing")).willReturn(aResponse().withStatus(404)
                .withBody("{\"message\": \"Not Found\"}")));

        for (String path : List.of("forbidden", "missing")) {
            assertThatThrownBy(() -> http(Duration.ofSeconds(2)).send("GET", path, "t", null, Duration.ofSeconds(10)))
                    .isInstanceOfSatisfying(GitHubException.class, e -> assertThat(e.retryable()).isFalse());
        }
        assertThat(slept).isEmpty();
    }

    @Test
    void aCallGitHubDoesNotAnswerInTime_shouldTimeOut_andBeRetriedWithinThePatience() {
        github.server.stubFor(get(urlEqualTo("/slow")).willReturn(aResponse().withStatus(200).withFixedDelay(3000)));

        assertThatThrownBy(() -> http(Duration.ofMillis(300)).send("GET", "slow", "t", null, Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(GitHubException.class, e -> {
                    assertThat(e.status()).isZero();
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.getMessage()).contains("did not answer");
                });
        assertThat(slept).containsExactly(Duration.ofMillis(500)); // a second wait would pass the 1 s of patience
    }

    @Test
    void callsSharingABudget_shouldEndWithIt_andOneMadeAfterIt_shouldFailAtOnceWithoutAsking() {
        github.server.stubFor(get(urlEqualTo("/slow")).willReturn(aResponse().withStatus(200).withFixedDelay(4000)));
        github.server.stubFor(get(urlEqualTo("/next")).willReturn(aResponse().withStatus(200).withBody("{}")));
        GitHubHttp http = http(Duration.ofSeconds(5));
        List<GitHubException> failures = new ArrayList<>();

        GitHubHttp.within(Duration.ofMillis(800), () -> {
            for (String path : List.of("slow", "next")) {
                try {
                    http.send("GET", path, "t", null, Duration.ofSeconds(10));
                } catch (GitHubException e) {
                    failures.add(e);
                }
            }
            return null;
        });

        // the slow call's one try was cut to the budget (not its 5 s timeout), and nothing was left for the next
        assertThat(failures).hasSize(2).allSatisfy(e -> assertThat(e.retryable()).isTrue());
        assertThat(failures.get(0).getMessage()).contains("did not answer");
        assertThat(failures.get(1).getMessage()).contains("no time left");
        github.server.verify(1, getRequestedFor(urlEqualTo("/slow")));
        github.server.verify(0, getRequestedFor(urlEqualTo("/next")));
        assertThat(slept).isEmpty();
    }

    @Test
    void aRedirect_shouldBeFollowedOnGitHubsHost_andNeverToAnotherWithTheToken() throws Exception {
        github.server.stubFor(get(urlEqualTo("/repos/octo/old")).willReturn(aResponse().withStatus(301)
                .withHeader("location", github.baseUrl() + "/repositories/99")));
        github.server.stubFor(get(urlEqualTo("/repositories/99")).willReturn(aResponse().withStatus(200)
                .withBody("{\"full_name\": \"octo/new\"}")));
        github.server.stubFor(get(urlEqualTo("/repos/octo/leaky")).willReturn(aResponse().withStatus(302)
                .withHeader("location", "https://collector.example/steal")));

        GitHubHttp.Response moved = http(Duration.ofSeconds(2)).send("GET", "repos/octo/old", "t", null, Duration.ofSeconds(5));

        assertThat(moved.json().path("full_name").asText()).isEqualTo("octo/new");
        github.server.verify(getRequestedFor(urlEqualTo("/repositories/99"))
                .withHeader("authorization", equalTo("Bearer t")));
        assertThatThrownBy(() -> http(Duration.ofSeconds(2)).send("GET", "repos/octo/leaky", "t", null, Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(GitHubException.class, e -> {
                    assertThat(e.getMessage()).contains("another host (collector.example)");
                    assertThat(e.retryable()).isFalse();
                });
    }

    private InstallationTokens tokens(KeyPair keys) {
        GitHubAppSecret app = new GitHubAppSecret(APP_ID, (RSAPrivateKey) keys.getPrivate(), "s3cret");
        return new InstallationTokens(http(Duration.ofSeconds(2)), new AppJwt(app, clock), clock);
    }

    private GitHubHttp http(Duration callTimeout) {
        return new GitHubHttp(URI.create(github.baseUrl()), HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .build(), callTimeout, clock, duration -> {
            slept.add(duration);
            clock.advance(duration);
        });
    }

    /** The PKCS#1 key inside Java's PKCS#8 encoding of a 2048-bit key (after a 26-byte header). */
    private static byte[] pkcs1(KeyPair keys) {
        byte[] pkcs8 = keys.getPrivate().getEncoded();
        assertThat(pkcs8[22]).as("OCTET STRING with a two-byte length").isEqualTo((byte) 0x04);
        assertThat(pkcs8[23]).isEqualTo((byte) 0x82);
        return Arrays.copyOfRange(pkcs8, 26, pkcs8.length);
    }

    private static String quote(String text) {
        return "\"" + text.replace("\n", "\\n") + "\"";
    }
}
