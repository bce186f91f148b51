package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.RunRecord;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.repo.LocalRepository;
import dev.deltaci.local.stack.AwsStack;
import dev.deltaci.local.support.Fixtures;
import dev.deltaci.local.support.StackContents;
import dev.deltaci.local.support.TestStacks;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The webhook function through the local HTTP API, against a real stack. No runners: nothing consumes the queue. */
class WebhookTest {

    private static final String SECRET = "test-secret";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private AwsStack stack;
    private LocalControlPlane plane;
    private static LocalRepository hello;

    @BeforeAll
    static void commitExample() throws Exception {
        hello = LocalRepository.resolve(Fixtures.example("hello"), null);
    }

    @AfterAll
    static void dropExample() {
        hello.close();
    }

    @BeforeEach
    void start() throws Exception {
        stack = TestStacks.start();
        plane = new LocalControlPlane(stack, LocalControlPlane.Options.defaults(SECRET));
    }

    @AfterEach
    void stop() {
        plane.close();
        stack.close();
    }

    private HttpResponse<String> post(byte[] body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(plane.apiUrl().resolve("/webhooks/github"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String sign(byte[] body) {
        return dev.deltaci.functions.security.GitHubSignature.sign(SECRET.getBytes(StandardCharsets.UTF_8), body);
    }

    @Test
    void webhook_shouldCreateOneRun_whenTheSameDeliveryArrivesTwice() throws Exception {
        byte[] payload = GitHubPush.payload(hello);
        String delivery = UUID.randomUUID().toString();

        GitHubPush.Delivery first = GitHubPush.send(plane.apiUrl(), SECRET, payload, delivery);
        StackContents afterFirst = StackContents.of(stack);
        GitHubPush.Delivery second = GitHubPush.send(plane.apiUrl(), SECRET, payload, delivery);

        assertThat(first.status()).isEqualTo(201);
        assertThat(second.status()).isEqualTo(200);
        JsonNode firstBody = JSON.readTree(first.body());
        JsonNode secondBody = JSON.readTree(second.body());
        assertThat(secondBody.get("runId").asText()).isEqualTo(firstBody.get("runId").asText());
        assertThat(secondBody.get("duplicate").asBoolean()).isTrue();
        assertThat(StackContents.of(stack)).isEqualTo(afterFirst);
        // one run item + two job items; one message, for the only job without needs
        assertThat(afterFirst).isEqualTo(new StackContents(3, 1, 0));
        List<JobRecord> jobs = plane.plane().jobStore().listJobs(firstBody.get("runId").asText());
        assertThat(jobs).extracting(JobRecord::jobKey, JobRecord::state)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("build", JobState.QUEUED),
                        org.assertj.core.groups.Tuple.tuple("greet", JobState.BLOCKED));
    }

    @Test
    void webhook_shouldAnswer401AndWriteNothing_whenSignatureIsWrongOrMissing() throws Exception {
        byte[] payload = GitHubPush.payload(hello);

        HttpResponse<String> forged = post(payload, "x-github-event", "push", "x-github-delivery", "d-1",
                "x-hub-signature-256", sign("something else".getBytes(StandardCharsets.UTF_8)));
        HttpResponse<String> unsigned = post(payload, "x-github-event", "push", "x-github-delivery", "d-2");

        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.body()).contains("does not match the body");
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(unsigned.body()).contains("missing X-Hub-Signature-256");
        assertThat(StackContents.of(stack)).isEqualTo(StackContents.EMPTY);
    }

    @Test
    void webhook_shouldRejectMalformedOversizedAndUnsupported_withoutWriting() throws Exception {
        byte[] notJson = "{\"ref\":".getBytes(StandardCharsets.UTF_8);
        byte[] oversized = new byte[1024 * 1024 + 1];
        byte[] ping = "{\"zen\":\"Keep it logically awesome.\"}".getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> malformed = post(notJson, "x-github-event", "push", "x-github-delivery", "d-3",
                "x-hub-signature-256", sign(notJson));
        HttpResponse<String> tooBig = post(oversized, "x-github-event", "push", "x-github-delivery", "d-4",
                "x-hub-signature-256", sign(oversized));
        HttpResponse<String> issues = post(ping, "x-github-event", "issues", "x-github-delivery", "d-5",
                "x-hub-signature-256", sign(ping));
        byte[] push = GitHubPush.payload(hello);
        HttpResponse<String> noDelivery = post(push, "x-github-event", "push", "x-hub-signature-256", sign(push));

        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).contains("malformed push event: body is not valid JSON");
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(issues.statusCode()).isEqualTo(202);
        assertThat(issues.body()).contains("event 'issues' is not supported");
        assertThat(noDelivery.statusCode()).isEqualTo(400);
        assertThat(StackContents.of(stack)).isEqualTo(StackContents.EMPTY);
    }

    @Test
    void webhook_shouldRecordAConfigErrorRun_whenThePipelineIsInvalid() throws Exception {
        try (LocalRepository broken = Fixtures.repoWithPipeline("""
                jobs:
                  build:
                    needs: [nothing]
                    steps:
                      - run: make
                """)) {
            GitHubPush.Delivery delivery = GitHubPush.send(plane.apiUrl(), SECRET, GitHubPush.payload(broken));

            assertThat(delivery.status()).isEqualTo(201);
            RunRecord run = plane.plane().jobStore().getRun(JSON.readTree(delivery.body()).get("runId").asText())
                    .orElseThrow();
            assertThat(run.status()).isEqualTo(RunState.FAILED);
            assertThat(run.failureClass()).isEqualTo("config_error");
            assertThat(run.message()).isEqualTo(".delta/pipeline.yml:3:12: job 'build' needs unknown job 'nothing'; jobs are: build");
            assertThat(StackContents.of(stack)).isEqualTo(new StackContents(1, 0, 0));
        }
    }

    @Test
    void webhook_shouldCreateNothing_whenThePushMatchesNoOnFilter() throws Exception {
        try (LocalRepository filtered = Fixtures.repoWithPipeline("""
                on:
                  push:
                    branches: ['release/**']
                jobs:
                  a:
                    steps: [{run: 'true'}]
                """);
             LocalRepository byPath = Fixtures.repoWithPipeline("""
                on:
                  push:
                    paths: ['src/**']
                jobs:
                  a:
                    steps: [{run: 'true'}]
                """);
             LocalRepository pathMatches = Fixtures.repoWithPipeline("""
                on:
                  push:
                    paths: ['.delta/**']
                jobs:
                  a:
                    steps: [{run: 'true'}]
                """)) {
            GitHubPush.Delivery wrongBranch = GitHubPush.send(plane.apiUrl(), SECRET, GitHubPush.payload(filtered));
            GitHubPush.Delivery noPath = GitHubPush.send(plane.apiUrl(), SECRET, GitHubPush.payload(byPath));

            assertThat(wrongBranch.status()).isEqualTo(202);
            assertThat(JSON.readTree(wrongBranch.body()).get("ignored").asText())
                    .isEqualTo("branch 'main' matches none of 'on.push.branches' [release/**]");
            assertThat(noPath.status()).isEqualTo(202);
            assertThat(JSON.readTree(noPath.body()).get("ignored").asText())
                    .isEqualTo("no changed file matches 'on.push.paths' [src/**]");
            assertThat(StackContents.of(stack)).isEqualTo(StackContents.EMPTY);

            assertThat(GitHubPush.send(plane.apiUrl(), SECRET, GitHubPush.payload(pathMatches)).status()).isEqualTo(201);
        }
    }

    @Test
    void host_shouldAnswer404_forRoutesTheTemplateDoesNotDeclare() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(plane.apiUrl() + "/webhooks/gitlab"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(404);
    }
}
