package dev.deltaci.local.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.api.LeaseLost;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.security.RunnerAuth;
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

    private RunnerApiClient runner(String name, String token, String... labels) {
        return new RunnerApiClient(plane.apiUrl(), name, List.of(labels), RunnerApiClient.RegistrationToken.of(token));
    }

    private HttpResponse<String> send(String action, String authorization, Map<String, Object> body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(plane.apiUrl().resolve("/runner/" + action))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (authorization != null) {
            request.header("authorization", authorization);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
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
        assertThat(post("register", null, Map.of("registrationToken", "guessed", "name", "r1"))).isEqualTo(401);
        assertThat(store.getJob(runId, "build").orElseThrow()).isEqualTo(before);
        assertThat(StackContents.of(stack).bucketObjects()).isZero();
    }

    @Test
    void aCredential_shouldActOnlyForItsRunner_andExpire() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'true'}]\n");
        RunnerApiClient a = runner("runner-a", "local-token-0123456789");
        assertThat(a.lease(runId, "build", 0).httpStatus()).isEqualTo(200);
        JobRecord leased = store.getJob(runId, "build").orElseThrow();
        Registered b = registerDirectly("runner-b");

        // runner B's credential naming runner A: refused, whatever the body says
        HttpResponse<String> impersonation = send("heartbeat", "Bearer " + b.credential(),
                Map.of("runId", runId, "jobKey", "build", "runnerId", a.runnerId(), "epoch", 1));
        clock.advance(Duration.ofMinutes(11));
        int expired = post("heartbeat", "Bearer " + b.credential(),
                Map.of("runId", runId, "jobKey", "build", "runnerId", b.runnerId(), "epoch", 1));

        assertThat(impersonation.statusCode()).isEqualTo(403);
        assertThat(impersonation.body()).doesNotContain(b.runnerId());
        assertThat(expired).isEqualTo(401);
        assertThat(store.getJob(runId, "build").orElseThrow()).isEqualTo(leased);
        // an expired credential cannot be renewed: runner A's client registers anew, as a new runner,
        // and the lease its old id held is not the new one's (it would have expired by now anyway)
        String oldId = a.runnerId();
        assertThat(a.heartbeat(runId, "build", 1).httpStatus()).isEqualTo(403);
        assertThat(a.runnerId()).startsWith("runner-a-").isNotEqualTo(oldId);
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
        assertThat(((LeaseReply.NotLeasable) linux.lease(runId, "train", 0)).reason())
                .isEqualTo("job needs labels [gpu]; runner " + linux.runnerId() + " has [linux]");
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

    @Test
    void aRegistrationToken_shouldNotLetAnyoneClaimALiveRunnersId_norLearnWhoHoldsALease() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    artifacts: [dist]\n    steps: [{run: 'true'}]\n");
        RunnerApiClient victim = runner("local-runner-1", "local-token-0123456789");
        assertThat(victim.lease(runId, "build", 0).httpStatus()).isEqualTo(200);
        JobRecord leased = store.getJob(runId, "build").orElseThrow();

        // an attacker holding the pool's token asks to be the victim, by its name and by its exact id
        Registered byName = registerDirectly("local-runner-1");
        Registered byId = registerDirectly(victim.runnerId());
        Map<String, Object> asVictim = Map.of("runId", runId, "jobKey", "build", "runnerId", victim.runnerId(), "epoch", 1);
        Map<String, Object> asItself = Map.of("runId", runId, "jobKey", "build", "runnerId", byId.runnerId(), "epoch", 1);
        List<HttpResponse<String>> answers = List.of(
                send("heartbeat", "Bearer " + byId.credential(), asVictim),
                send("artifacts", "Bearer " + byId.credential(), asVictim),
                send("heartbeat", "Bearer " + byId.credential(), asItself),
                send("artifacts", "Bearer " + byId.credential(), asItself),
                send("logs", "Bearer " + byId.credential(), withText(asItself)),
                send("complete", "Bearer " + byName.credential(), Map.of("runId", runId, "jobKey", "build",
                        "runnerId", byName.runnerId(), "epoch", 1, "attempt", 1, "startedAtEpochMs", 0,
                        "exitCode", 0, "logChunks", 0)));

        assertThat(byName.runnerId()).startsWith("local-runner-1-").isNotEqualTo(victim.runnerId());
        assertThat(byId.runnerId()).isNotEqualTo(victim.runnerId());
        assertThat(answers).allSatisfy(answer -> {
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(403);
            assertThat(answer.body()).as("a refusal never names the lease holder").doesNotContain(victim.runnerId());
        });
        assertThat(store.getJob(runId, "build").orElseThrow()).isEqualTo(leased);
        assertThat(StackContents.of(stack).bucketObjects()).isZero();
    }

    @Test
    void aCompletionForAnotherAttempt_shouldSayWhichAttempt_notNameTheRunnerTwice() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'true'}]\n");
        RunnerApiClient runner = runner("runner-a", "local-token-0123456789");
        assertThat(runner.lease(runId, "build", 0).httpStatus()).isEqualTo(200);

        var wrongAttempt = runner.complete(runId, "build", 1, 7, 0, 0, null, 0);

        assertThat(wrongAttempt).isEqualTo(new LeaseLost("attempt 7 is not the lease's attempt 1"));
    }

    private static Map<String, Object> withText(Map<String, Object> body) {
        Map<String, Object> withText = new java.util.HashMap<>(body);
        withText.put("seq", 0);
        withText.put("text", "planted line\n");
        return withText;
    }

    @Test
    void aLogToken_shouldStandInForTheLeaseOnlyForItsOwnAttempt_andAForgedOrExpiredOneShouldBeCheckedAgainstTheStore()
            throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'true'}]\n  lint:\n    steps: [{run: 'true'}]\n");
        Registered a = registerDirectly("runner-a");
        Registered b = registerDirectly("runner-b");
        HttpResponse<String> leased = send("lease", "Bearer " + a.credential(),
                Map.of("runId", runId, "jobKey", "build", "runnerId", a.runnerId(), "epoch", 0));
        assertThat(leased.statusCode()).isEqualTo(200);
        String token = JSON.readTree(leased.body()).path("lease").path("logToken").asText();
        assertThat(token).startsWith("da1.");
        RunnerAuth otherKey = RunnerAuth.of("{\"signingKey\": \"" + "cd".repeat(32) + "\", \"registrationTokens\": "
                + "[{\"sha256\": \"00\", \"pool\": \"x\"}]}", Duration.ofMinutes(10), clock);
        String forged = otherKey.attemptToken(b.runnerId(), runId, "build", 1, clock.millis() + 600_000);

        // the holder's own chunk, with its token
        assertThat(sendLog(a, runId, "build", 1, "ok", token).statusCode()).isEqualTo(200);
        // someone else's token, the token for another epoch or job, or one signed with another key:
        // each is checked against the stored lease instead, which the caller does not hold
        List<HttpResponse<String>> refused = List.of(
                sendLog(b, runId, "build", 1, "runner b with a's token", token),
                sendLog(a, runId, "build", 2, "a later epoch", token),
                sendLog(a, runId, "lint", 1, "another job", token),
                sendLog(b, runId, "build", 1, "signed elsewhere", forged));
        assertThat(refused).allSatisfy(r -> {
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.body()).contains("lease_lost");
        });
        assertThat(StackContents.of(stack).bucketObjects()).isEqualTo(1);

        // past the lease's expiry the token is worth nothing: the stored lease decides, and the sweeper
        // has requeued the job the runner went silent on
        clock.advance(Duration.ofMinutes(5));
        assertThat(plane.plane().sweeperService().sweep().requeued()).isEqualTo(1);
        HttpResponse<String> late = sendLog(a, runId, "build", 1, "after the lease", token);
        assertThat(late.statusCode()).isEqualTo(403);
        assertThat(StackContents.of(stack).bucketObjects()).isEqualTo(1);
    }

    private HttpResponse<String> sendLog(Registered runner, String runId, String jobKey, long epoch, String text,
                                         String token) throws Exception {
        return send("logs", "Bearer " + runner.credential(), Map.of("runId", runId, "jobKey", jobKey,
                "runnerId", runner.runnerId(), "epoch", epoch, "seq", 0, "text", text, "token", token));
    }

    private record Registered(String runnerId, String credential) {
    }

    private Registered registerDirectly(String name) throws Exception {
        HttpResponse<String> response = send("register", null,
                Map.of("registrationToken", "local-token-0123456789", "name", name));
        assertThat(response.statusCode()).isEqualTo(200);
        String credential = JSON.readTree(response.body()).get("credential").asText();
        String runnerId = JSON.readTree(response.body()).get("runnerId").asText();
        assertThat(new String(Base64.getUrlDecoder().decode(credential.split("\\.")[1]))).contains(runnerId);
        return new Registered(runnerId, credential);
    }
}
