package dev.deltaci.local.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.runnerapi.RunnerAuth;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.MutableClock;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.local.support.StackContents;
import dev.deltaci.runner.RunnerApiClient;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runner identity through the real runner API: registration tokens scoped to a pool and labels,
 * per-runner credentials, and every way to use someone else's authority refused with nothing changed.
 */
class RunnerIdentityTest extends PlaneTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POOL_TOKEN = "linux-pool-token-0123456789";
    private static final String SIGNING_KEY = "ab".repeat(32);
    private final MutableClock clock = new MutableClock();

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options o) {
        // two pools: the local one (any labels) and a linux pool whose runners may claim only 'linux'
        return o.withClock(clock).withScheduleInterval(null).withEnvironment(Map.of(
                "RUNNER_CREDENTIAL_TTL_SECONDS", "600",
                "RUNNER_AUTH", "{\"signingKey\": \"" + SIGNING_KEY + "\", \"registrationTokens\": ["
                        + "{\"sha256\": \"" + RunnerAuth.tokenHash(POOL_TOKEN) + "\", \"pool\": \"linux\", \"labels\": [\"linux\"]},"
                        + "{\"sha256\": \"" + RunnerAuth.tokenHash("local-token-0123456789") + "\", \"pool\": \"local\"}]}"));
    }

    private int post(String action, String authorization, Map<String, Object> body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(plane.apiUrl().resolve("/runner/" + action))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (authorization != null) {
            request.header("authorization", authorization);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private RunnerApiClient runner(String id, String token, String... labels) {
        return new RunnerApiClient(plane.apiUrl(), id, List.of(labels), token);
    }

    @Test
    void callsWithoutAValidCredential_shouldBe401_andChangeNothing() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'true'}]\n");
        JobRecord before = store.getJob(runId, "build").orElseThrow();
        Map<String, Object> lease = Map.of("runId", runId, "jobKey", "build", "runnerId", "r1", "epoch", 0);
        RunnerAuth other = RunnerAuth.of("{\"signingKey\": \"" + "cd".repeat(32) + "\", \"registrationTokens\": "
                + "[{\"sha256\": \"00\", \"pool\": \"x\"}]}", Duration.ofMinutes(10), clock);
        String forged = other.encode(other.issue("r1", "local", List.of()));

        assertThat(post("lease", null, lease)).isEqualTo(401);
        assertThat(post("lease", "Bearer not.a.credential", lease)).isEqualTo(401);
        assertThat(post("lease", "Bearer " + forged, lease)).as("signed with another key").isEqualTo(401);
        assertThat(post("register", null, Map.of("registrationToken", "guessed", "runnerId", "r1"))).isEqualTo(401);
        assertThat(store.getJob(runId, "build").orElseThrow()).isEqualTo(before);
        assertThat(StackContents.of(stack).bucketObjects()).isZero();
    }

    @Test
    void aCredential_shouldActOnlyForItsRunner_andExpire() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'true'}]\n");
        RunnerApiClient a = runner("runner-a", "local-token-0123456789");
        assertThat(a.lease(runId, "build", 0).status()).isEqualTo(200);
        JobRecord leased = store.getJob(runId, "build").orElseThrow();
        String credentialOfB = registerDirectly("runner-b");

        // runner B's credential naming runner A: refused, whatever the body says
        int impersonation = post("heartbeat", "Bearer " + credentialOfB,
                Map.of("runId", runId, "jobKey", "build", "runnerId", "runner-a", "epoch", 1));
        clock.advance(Duration.ofMinutes(11));
        int expired = post("heartbeat", "Bearer " + credentialOfB,
                Map.of("runId", runId, "jobKey", "build", "runnerId", "runner-b", "epoch", 1));

        assertThat(impersonation).isEqualTo(403);
        assertThat(expired).isEqualTo(401);
        assertThat(store.getJob(runId, "build").orElseThrow()).isEqualTo(leased);
        // runner A's client renews its own expired credential and carries on
        assertThat(a.heartbeat(runId, "build", 1).status()).isEqualTo(200);
    }

    @Test
    void aPoolsToken_shouldGrantOnlyItsLabels() throws Exception {
        String runId = pushRun("jobs:\n  train:\n    labels: [gpu]\n    steps: [{run: 'true'}]\n");

        RunnerApiClient greedy = runner("linux-1", POOL_TOKEN, "linux", "gpu");
        RunnerApiClient.RegistrationRefusedException refused = org.junit.jupiter.api.Assertions.assertThrows(
                RunnerApiClient.RegistrationRefusedException.class, greedy::register);
        assertThat(refused.getMessage()).contains("403").contains("allows labels [linux], not [linux, gpu]");
        // a runner of that pool cannot lease a gpu job: its credential carries only 'linux'
        RunnerApiClient linux = runner("linux-2", POOL_TOKEN, "linux");
        assertThat(linux.lease(runId, "train", 0).reason()).isEqualTo("job needs labels [gpu]; runner linux-2 has [linux]");
    }

    @Test
    void steps_shouldNotSeeTheRunnersCredentials() throws Exception {
        String runId = pushRun("jobs:\n  snoop:\n    steps: [{run: env}]\n");
        RunnerPool.Target target = plane.runnerTarget();
        RunnerPool.Target withPoolToken = new RunnerPool.Target(target.apiUrl(), target.queueUrl(), target.sqsEndpoint(),
                target.region(), "local-token-0123456789");
        try (RunnerPool pool = RunnerPool.start(1, withPoolToken, Files.createTempDirectory("delta-snoop-"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
        }
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        var logs = plane.plane().logStore();
        String printed = String.join("", logs.listChunks(runId, "snoop", 1).stream().map(logs::read).toList());
        assertThat(printed).contains("DELTA_RUN_ID=" + runId)
                .doesNotContain("local-token-0123456789").doesNotContain("DELTA_REGISTRATION_TOKEN")
                .doesNotContain("AWS_SECRET_ACCESS_KEY").doesNotContain("AWS_ACCESS_KEY_ID");
    }

    private String registerDirectly(String runnerId) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        plane.apiUrl().resolve("/runner/register"))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                        Map.of("registrationToken", "local-token-0123456789", "runnerId", runnerId)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        String credential = JSON.readTree(response.body()).get("credential").asText();
        assertThat(new String(Base64.getUrlDecoder().decode(credential.split("\\.")[1]))).contains(runnerId);
        return credential;
    }
}
