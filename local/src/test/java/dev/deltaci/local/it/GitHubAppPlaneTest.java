package dev.deltaci.local.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.github.GitHubDouble;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.support.GitHubAppFixture;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A local control plane made a GitHub App (as `delta dev --github-app` makes it), against a GitHub
 * double that checks the App's JWT and tokens: a push to a GitHub repository is checked with the
 * App's webhook secret and its pipeline is read over the API, never with git.
 */
class GitHubAppPlaneTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HOOK_SECRET = GitHubAppFixture.HOOK_SECRET;
    private static final String SHA = "e".repeat(40);

    private LocalControlPlane plane;
    private GitHubAppFixture app;
    private GitHubDouble github;

    @BeforeEach
    void start() throws Exception {
        app = new GitHubAppFixture();
        github = app.github;
        plane = app.startPlane(LocalControlPlane.Options.defaults("the-repository-webhook-secret").withScheduleInterval(null));
    }

    @AfterEach
    void stop() {
        app.close();
    }

    @Test
    void aPush_shouldBeCheckedWithTheAppsSecret_andItsPipelineReadOverTheApi() throws Exception {
        github.stubRepository(get(urlEqualTo("/repos/octo/app/contents/.delta/pipeline.yml?ref=" + SHA))
                .willReturn(aResponse().withStatus(200).withBody("""
                        jobs:
                          build:
                            steps: [{run: make}]
                          test:
                            needs: build
                            steps: [{run: make test}]
                        """)));

        GitHubPush.Delivery wrongSecret = GitHubPush.send(plane.apiUrl(), "the-repository-webhook-secret", push());
        GitHubPush.Delivery delivered = GitHubPush.send(plane.apiUrl(), HOOK_SECRET, push());

        assertThat(wrongSecret.status()).as(wrongSecret.body()).isEqualTo(401);
        assertThat(delivered.status()).as(delivered.body()).isEqualTo(201);
        String runId = JSON.readTree(delivered.body()).get("runId").asText();
        assertThat(plane.plane().jobStore().getRun(runId).orElseThrow().status()).isEqualTo(RunState.PENDING);
        assertThat(plane.plane().jobStore().listJobs(runId)).extracting(JobRecord::jobKey, JobRecord::state)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("build", JobState.QUEUED),
                        org.assertj.core.groups.Tuple.tuple("test", JobState.BLOCKED));
        github.server.verify(1, getRequestedFor(urlPathMatching("/repos/octo/app/contents/.*")));

        // the runner that leases a job gets a token that can only read this repository
        var leased = (LeaseReply.Leased) plane.runnerClient("runner-a").lease(runId, "build", 0);
        assertThat(github.issued).contains(leased.job().checkoutToken());
        github.server.verify(postRequestedFor(urlEqualTo("/app/installations/42/access_tokens"))
                .withRequestBody(equalToJson("{\"repositories\": [\"app\"], \"permissions\": {\"contents\": \"read\"}}")));
    }

    @Test
    void asOnLambda_withNoGitToRun_aPushToAGitHubRepository_shouldStillStartItsRun() throws Exception {
        // Lambda's Java runtime has no git: the plane's git is a command that does not exist
        Map<String, String> noGit = Map.of("DELTA_GIT", "/nonexistent/bin/git");
        try (GitHubAppFixture lambda = new GitHubAppFixture()) {
            LocalControlPlane withoutGit = lambda.startPlane(LocalControlPlane.Options.defaults("unused")
                    .withScheduleInterval(null).withEnvironment(noGit));
            lambda.github.stubRepository(get(urlEqualTo("/repos/octo/app/contents/.delta/pipeline.yml?ref=" + SHA))
                    .willReturn(aResponse().withStatus(200).withBody("on: push\njobs:\n  build:\n    steps: [{run: make}]\n")));

            GitHubPush.Delivery delivered = GitHubPush.send(withoutGit.apiUrl(), HOOK_SECRET, push());

            assertThat(delivered.status()).as(delivered.body()).isEqualTo(201);
            String runId = JSON.readTree(delivered.body()).get("runId").asText();
            assertThat(withoutGit.plane().jobStore().listJobs(runId)).extracting(JobRecord::jobKey).containsExactly("build");
        }
        // the control: that setting does take git away, so a local repository cannot be read with it
        assertThatThrownBy(() -> dev.deltaci.functions.wiring.ControlPlane.pipelineSource(noGit, java.util.Optional.empty())
                .read("/tmp", SHA, ".delta/pipeline.yml"))
                .hasMessageContaining("cannot run /nonexistent/bin/git");
    }

    @Test
    void aPullRequestFromAFork_shouldBeReadFromTheBaseRepository_whereTheAppIsInstalled() throws Exception {
        String base = "f".repeat(40);
        github.stubRepository(get(urlEqualTo("/repos/octo/app/contents/.delta/pipeline.yml?ref=" + SHA))
                .willReturn(aResponse().withStatus(200).withBody("on: pull_request\njobs:\n  test:\n    steps: [{run: make}]\n")));

        GitHubPush.Delivery delivered = GitHubPush.send(plane.apiUrl(), HOOK_SECRET, "pull_request",
                pullRequestFromFork(base), java.util.UUID.randomUUID().toString());

        assertThat(delivered.status()).as(delivered.body()).isEqualTo(201);
        String runId = JSON.readTree(delivered.body()).get("runId").asText();
        var run = plane.plane().jobStore().getRun(runId).orElseThrow();
        assertThat(run.fork()).isTrue();
        assertThat(run.cloneUrl()).as("runners clone the contributor's fork").isEqualTo("https://github.com/someone/app.git");
        // a fork's clone gets no token: the run's repository's token would not be the fork's anyway
        var leased = (LeaseReply.Leased) plane.runnerClient("runner-a").lease(runId, "test", 0);
        assertThat(leased.job().checkoutToken()).isNull();
        // the App is not installed on the fork (the double answers 404 for it): nothing was asked of it
        github.server.verify(0, getRequestedFor(urlPathMatching("/repos/someone/.*")));
    }

    @Test
    void aPushGitHubFailedToDeliver_shouldBeRedeliveredByTheSweeper() throws Exception {
        String failedAt = Instant.now().minusSeconds(300).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        github.stubApp(get(urlEqualTo("/app/hook/deliveries?per_page=100")).willReturn(okJson("[{\"id\": 77, "
                + "\"guid\": \"g-1\", \"event\": \"push\", \"status_code\": 503, \"delivered_at\": \"" + failedAt + "\"}]")));
        github.stubApp(post(urlEqualTo("/app/hook/deliveries/77/attempts")).willReturn(aResponse().withStatus(202)));

        plane.sweepNow();

        github.server.verify(1, postRequestedFor(urlEqualTo("/app/hook/deliveries/77/attempts")));
        assertThat(plane.metrics().sum(Metric.WEBHOOKS_REDELIVERED, Map.of())).isEqualTo(1);
    }

    private static byte[] pullRequestFromFork(String baseSha) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        root.put("action", "opened");
        root.put("number", 7);
        ObjectNode pr = root.putObject("pull_request");
        ObjectNode head = pr.putObject("head");
        head.put("sha", SHA);
        head.put("ref", "feature");
        head.putObject("repo").put("full_name", "someone/app").put("clone_url", "https://github.com/someone/app.git");
        ObjectNode base = pr.putObject("base");
        base.put("sha", baseSha);
        base.put("ref", "main");
        root.putObject("repository").put("full_name", "octo/app").put("clone_url", "https://github.com/octo/app.git");
        root.putObject("installation").put("id", 42);
        return JSON.writeValueAsBytes(root);
    }

    private static byte[] push() throws Exception {
        return GitHubAppFixture.push(SHA);
    }
}
