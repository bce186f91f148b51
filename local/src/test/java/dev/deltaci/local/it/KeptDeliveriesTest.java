package dev.deltaci.local.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.ops.Health;
import dev.deltaci.functions.github.GitHubDouble;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.support.GitHubAppFixture;
import dev.deltaci.local.support.MutableClock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * No push is lost to GitHub being unreadable when it comes: the webhook keeps the delivery and
 * answers 202 (GitHub counts it delivered, so its own redelivery is not needed), the sweeper tries
 * it again with backoff until GitHub answers, and after a day gives it up where operators see it.
 */
class KeptDeliveriesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHA = "d".repeat(40);
    private static final String CONTENTS = "/repos/octo/app/contents/.delta/pipeline.yml?ref=" + SHA;

    private final MutableClock clock = new MutableClock();
    private LocalControlPlane plane;
    private GitHubAppFixture app;
    private GitHubDouble github;

    @BeforeEach
    void start() throws Exception {
        app = new GitHubAppFixture(clock);
        github = app.github;
        plane = app.startPlane(LocalControlPlane.Options.defaults("unused").withClock(clock).withScheduleInterval(null));
        github.stubRepository(get(urlEqualTo(CONTENTS)).willReturn(aResponse().withStatus(502).withBody("bad gateway")));
    }

    @AfterEach
    void stop() {
        app.close();
    }

    @Test
    void aPushWhileGitHubIsUnreadable_shouldBeKept_andItsRunStartedOnceGitHubAnswers() throws Exception {
        String deliveryId = UUID.randomUUID().toString();
        GitHubPush.Delivery delivered = send(deliveryId);

        assertThat(delivered.status()).as(delivered.body()).isEqualTo(202);
        JsonNode answer = JSON.readTree(delivered.body());
        assertThat(answer.get("kept").asBoolean()).isTrue();
        assertThat(answer.get("message").asText()).contains("GitHub could not be read for octo/app", "tried again");
        String runId = answer.get("runId").asText();
        assertThat(plane.plane().jobStore().getRun(runId)).as("nothing started yet").isEmpty();
        assertThat(snapshot().deliveriesWaiting()).isEqualTo(1);
        assertThat(plane.metrics().sum(Metric.WEBHOOKS_KEPT, Map.of("outcome", "kept"))).isEqualTo(1);

        int readsSoFar = contentReads();
        plane.sweepNow();
        assertThat(contentReads()).as("not due for 30 s").isEqualTo(readsSoFar);

        clock.advance(Duration.ofSeconds(31));
        plane.sweepNow();
        assertThat(contentReads()).as("tried again, GitHub still down").isGreaterThan(readsSoFar);
        assertThat(plane.plane().jobStore().getRun(runId)).isEmpty();
        assertThat(snapshot().deliveriesWaiting()).isEqualTo(1);

        github.stubRepository(get(urlEqualTo(CONTENTS)).willReturn(aResponse().withStatus(200)
                .withBody("jobs:\n  build:\n    steps: [{run: make}]\n")));
        clock.advance(Duration.ofSeconds(31));
        plane.sweepNow();

        assertThat(plane.plane().jobStore().listJobs(runId)).extracting(JobRecord::jobKey, JobRecord::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("build", JobState.QUEUED));
        assertThat(snapshot().deliveriesWaiting()).isZero();
        assertThat(plane.metrics().sum(Metric.WEBHOOKS_KEPT, Map.of("outcome", "started"))).isEqualTo(1);
        // GitHub delivering it again (a redelivery) finds the run: nothing starts twice
        GitHubPush.Delivery again = send(deliveryId);
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).get("duplicate").asBoolean()).isTrue();
    }

    @Test
    void aDeliveryGitHubNeverAnswersFor_shouldBeGivenUpAfterADay_where_deltaStatus_showsIt() throws Exception {
        GitHubPush.Delivery delivered = send(UUID.randomUUID().toString());
        assertThat(delivered.status()).as(delivered.body()).isEqualTo(202);

        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofMinutes(16));
            plane.sweepNow();
        }
        assertThat(snapshot().deliveriesGivenUp()).as("still trying").isZero();
        clock.advance(Duration.ofDays(1));
        plane.sweepNow();

        Health.Snapshot snapshot = snapshot();
        assertThat(snapshot.deliveriesWaiting()).isZero();
        assertThat(snapshot.deliveriesGivenUp()).isEqualTo(1);
        Health.Check check = Health.evaluate(snapshot).checks().stream()
                .filter(c -> c.name().equals("deliveries_given_up")).findFirst().orElseThrow();
        assertThat(check.verdict()).isEqualTo(Health.Verdict.WARN);
        assertThat(plane.metrics().sum(Metric.WEBHOOKS_KEPT, Map.of("outcome", "given_up"))).isEqualTo(1);
    }

    private Health.Snapshot snapshot() {
        return plane.plane().healthProbe().snapshot();
    }

    private int contentReads() {
        return github.server.findAll(getRequestedFor(urlPathMatching("/repos/octo/app/contents/.*"))).size();
    }

    private GitHubPush.Delivery send(String deliveryId) throws Exception {
        return GitHubPush.send(plane.apiUrl(), GitHubAppFixture.HOOK_SECRET, "push", GitHubAppFixture.push(SHA), deliveryId);
    }
}
