package dev.deltaci.functions.github;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Deliveries GitHub failed to make are made again, and only those: against the double, which checks the App's JWT. */
class DeliveryReconcilerTest {

    private MovableClock clock;
    private GitHubDouble github;
    private DeliveryReconciler reconciler;

    @BeforeEach
    void start() throws Exception {
        KeyPair keys = TestKeys.app();
        clock = new MovableClock(Instant.now());
        github = new GitHubDouble(5, (RSAPublicKey) keys.getPublic(), clock);
        GitHubHttp http = new GitHubHttp(URI.create(github.baseUrl()), HttpClient.newHttpClient(), Duration.ofSeconds(2),
                clock, d -> clock.advance(d));
        reconciler = new DeliveryReconciler(http, new AppJwt(new GitHubAppSecret(5, (RSAPrivateKey) keys.getPrivate(), "s"),
                clock), clock);
        github.stubApp(post(urlPathMatching("/app/hook/deliveries/[0-9]+/attempts"))
                .willReturn(aResponse().withStatus(202).withBody("{}")));
    }

    @AfterEach
    void stop() {
        github.close();
    }

    @Test
    void onlyPushesAndPullRequestsThatNeverSucceeded_shouldBeRedelivered_onceSettled_acrossPages() throws Exception {
        List<String> page1 = new ArrayList<>();
        page1.add(delivery(11, "a", "push", 200, 60, true));        // a redelivery succeeded: done
        page1.add(delivery(10, "a", "push", 503, 300, false));
        page1.add(delivery(21, "b", "push", 503, 120, true));       // failed twice: redeliver the latest
        page1.add(delivery(20, "b", "push", 503, 600, false));
        page1.add(delivery(30, "c", "pull_request", 0, 200, false)); // no answer at all (timed out)
        page1.add(delivery(40, "d", "push", 401, 300, false));      // a bad signature fails again: left
        page1.add(delivery(50, "e", "push", 502, 20, false));       // too fresh: may be in flight
        page1.add(delivery(60, "f", "issues", 500, 300, false));    // not an event Delta acts on
        String next = github.baseUrl() + "/app/hook/deliveries?per_page=100&cursor=v1_2";
        github.stubApp(get(urlEqualTo("/app/hook/deliveries?per_page=100")).willReturn(okJson("[" + String.join(",", page1) + "]")
                .withHeader("link", "<" + next + ">; rel=\"next\"")));
        github.stubApp(get(urlEqualTo("/app/hook/deliveries?per_page=100&cursor=v1_2")).willReturn(okJson("["
                + delivery(70, "g", "push", 503, 1800, false) + "," + delivery(80, "h", "push", 503, 7200, false) + "]")
                .withHeader("link", "<" + github.baseUrl() + "/app/hook/deliveries?per_page=100&cursor=v1_3>; rel=\"next\"")));

        DeliveryReconciler.Result result = reconciler.reconcile(Duration.ofHours(1), Duration.ofMinutes(1), 10);

        assertThat(result.redeliveredGuids()).containsExactlyInAnyOrder("b", "c", "g");
        github.server.verify(1, postRequestedFor(urlEqualTo("/app/hook/deliveries/21/attempts")));
        github.server.verify(1, postRequestedFor(urlEqualTo("/app/hook/deliveries/30/attempts")));
        github.server.verify(1, postRequestedFor(urlEqualTo("/app/hook/deliveries/70/attempts")));
        github.server.verify(3, postRequestedFor(urlPathMatching("/app/hook/deliveries/.*")));
        assertThat(result.seen()).as("h is older than the window, and the page after it was not read").isEqualTo(9);
        github.server.verify(0, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlEqualTo("/app/hook/deliveries?per_page=100&cursor=v1_3")));
    }

    @Test
    void atMostMax_shouldBeRedeliveredInOnePass() throws Exception {
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            failures.add(delivery(100 + i, "x" + i, "push", 500, 300, false));
        }
        github.stubApp(get(urlEqualTo("/app/hook/deliveries?per_page=100")).willReturn(okJson("[" + String.join(",", failures) + "]")));

        DeliveryReconciler.Result result = reconciler.reconcile(Duration.ofHours(1), Duration.ofMinutes(1), 2);

        assertThat(result.failed()).isEqualTo(5);
        assertThat(result.redelivered()).isEqualTo(2);
        github.server.verify(2, postRequestedFor(urlPathMatching("/app/hook/deliveries/.*")));
    }

    private String delivery(long id, String guid, String event, int status, long secondsAgo, boolean redelivery) {
        return "{\"id\": " + id + ", \"guid\": \"" + guid + "\", \"event\": \"" + event + "\", \"status_code\": " + status
                + ", \"redelivery\": " + redelivery + ", \"delivered_at\": \"" + clock.instant().minusSeconds(secondsAgo)
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\"}";
    }
}
