package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.functions.store.RunRecord;
import dev.deltaci.local.DeltaHome;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.support.Fixtures;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.local.support.StackContents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * pull_request webhooks on GitHub's payload shape, against a real repository with a base branch
 * and a PR branch: the run builds the head commit, and branch, type and path filters decide
 * whether a run is created (202 with the reason, nothing written, when not).
 */
class PullRequestTest extends PlaneTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PIPELINE = """
            on:
              push:
                branches: [main]
              pull_request:
                branches: [main]
                paths: ['src/**']
            jobs:
              test:
                steps: [{run: echo test}]
            """;

    private Path repo;
    private String base;

    @BeforeEach
    void repository() throws Exception {
        repo = Files.createTempDirectory("delta-pr-");
        git("init", "--quiet", "--initial-branch=main");
        Files.createDirectories(repo.resolve(".delta"));
        Files.writeString(repo.resolve(".delta/pipeline.yml"), PIPELINE);
        Files.createDirectories(repo.resolve("src"));
        Files.writeString(repo.resolve("src/app.txt"), "v1");
        base = commit("base");
        git("checkout", "--quiet", "-b", "feature");
    }

    @AfterEach
    void removeRepository() throws IOException {
        Fixtures.deleteTree(repo);
    }

    @Test
    void aPullRequestChangingSource_shouldRunItsHeadCommit() throws Exception {
        Files.writeString(repo.resolve("src/app.txt"), "v2");
        String head = commit("change the app");

        GitHubPush.Delivery delivery = send(payload("opened", head, "main"));

        assertThat(delivery.status()).as(delivery.body()).isEqualTo(201);
        RunRecord run = store.getRun(JSON.readTree(delivery.body()).get("runId").asText()).orElseThrow();
        assertThat(run.sha()).isEqualTo(head);
        assertThat(run.ref()).isEqualTo("refs/pull/7/head");
        assertThat(run.trigger()).isEqualTo("pull_request");
        assertThat(run.repository()).isEqualTo("octo-org/hello");
        assertThat(store.listJobs(run.runId())).hasSize(1);
    }

    @Test
    void pullRequestsTheFiltersExclude_shouldBeAnswered202WithTheReason_andWriteNothing() throws Exception {
        Files.createDirectories(repo.resolve("docs"));
        Files.writeString(repo.resolve("docs/readme.md"), "docs only");
        String docsOnly = commit("docs");

        GitHubPush.Delivery paths = send(payload("synchronize", docsOnly, "main"));
        GitHubPush.Delivery branch = send(payload("opened", docsOnly, "release"));
        GitHubPush.Delivery closed = send(payload("closed", docsOnly, "main"));

        assertThat(paths.status()).isEqualTo(202);
        assertThat(JSON.readTree(paths.body()).get("ignored").asText())
                .isEqualTo("no changed file matches 'on.pull_request.paths' [src/**]");
        assertThat(JSON.readTree(branch.body()).get("ignored").asText())
                .isEqualTo("base branch 'release' matches none of 'on.pull_request.branches' [main]");
        assertThat(JSON.readTree(closed.body()).get("ignored").asText())
                .isEqualTo("pull_request action 'closed' does not start runs; opened, synchronize, reopened do");
        assertThat(StackContents.of(stack).tableItems()).isZero();
    }

    @Test
    void aPipelineThatDoesNotListPullRequest_shouldIgnoreThem_andAMalformedOneGet400() throws Exception {
        Files.writeString(repo.resolve(".delta/pipeline.yml"), "on: push\njobs:\n  a:\n    steps: [{run: x}]\n");
        Files.writeString(repo.resolve("src/app.txt"), "v3");
        String head = commit("push only");

        GitHubPush.Delivery ignored = send(payload("opened", head, "main"));
        ObjectNode malformed = payload("opened", head, "main");
        ((ObjectNode) malformed.get("pull_request").get("head")).put("sha", "nope");
        GitHubPush.Delivery rejected = send(malformed);

        assertThat(JSON.readTree(ignored.body()).get("ignored").asText())
                .isEqualTo("the pipeline does not run on pull_request ('on' lists push)");
        assertThat(rejected.status()).isEqualTo(400);
        assertThat(JSON.readTree(rejected.body()).get("error").asText())
                .isEqualTo("malformed pull_request event: 'pull_request.head.sha' must be a 40-character hex commit sha, found 'nope'");
        assertThat(StackContents.of(stack).tableItems()).isZero();
    }

    @Test
    void aPullRequestFromAFork_shouldGetNoSecrets() throws Exception {
        Files.writeString(repo.resolve(".delta/pipeline.yml"), "on: pull_request\njobs:\n  test:\n"
                + "    steps: [{run: 'echo ${{ secrets.DEPLOY_TOKEN }}'}]\n");
        Files.writeString(repo.resolve("src/app.txt"), "v4");
        String head = commit("uses a secret");

        GitHubPush.Delivery delivery = send(payload("opened", head, "main"));
        String runId = JSON.readTree(delivery.body()).get("runId").asText();
        var lease = plane.runnerClient("runner-a").lease(runId, "test", 0);

        assertThat(store.getRun(runId).orElseThrow().fork()).isTrue();
        assertThat(((LeaseReply.Leased) lease).job().secrets().size()).isZero();
        assertThat(((LeaseReply.Leased) lease).job().secretsWithheld())
                .isEqualTo("a pull request from a fork gets no secrets; DEPLOY_TOKEN are empty");
    }

    /** GitHub's pull_request payload, as in functions' test fixture, pointing at the local repository. */
    private ObjectNode payload(String action, String headSha, String baseRef) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(DeltaHome.locate()
                .resolve("functions/src/test/resources/github/pull_request.opened.fork.json").toFile());
        root.put("action", action);
        root.put("number", 7);
        ObjectNode pr = (ObjectNode) root.get("pull_request");
        ObjectNode head = (ObjectNode) pr.get("head");
        head.put("sha", headSha);
        head.put("ref", "feature");
        ((ObjectNode) head.get("repo")).put("clone_url", repo.toString());
        ObjectNode baseNode = (ObjectNode) pr.get("base");
        baseNode.put("sha", base);
        baseNode.put("ref", baseRef);
        return root;
    }

    private GitHubPush.Delivery send(JsonNode payload) throws Exception {
        return GitHubPush.send(plane.apiUrl(), dev.deltaci.local.support.PlaneFixture.SECRET, "pull_request",
                JSON.writeValueAsBytes(payload), UUID.randomUUID().toString());
    }

    private String commit(String message) throws Exception {
        git("add", "-A");
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", message);
        return git("rev-parse", "HEAD").strip();
    }

    private String git(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "git";
        System.arraycopy(args, 0, command, 1, args.length);
        Process process = new ProcessBuilder(command).directory(repo.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException("git " + String.join(" ", args) + ": " + output);
        }
        return output;
    }
}
