package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.RunRecord;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.repo.LocalRepository;
import dev.deltaci.local.support.Fixtures;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.local.support.StackContents;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** POST /runs: manual runs with inputs, checked against the pipeline before anything is written. */
class ManualRunTest extends PlaneTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Answer(int status, JsonNode body) {
    }

    private Answer post(Map<String, Object> body) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(plane.apiUrl().resolve("/runs"))
                .header("content-type", "application/json")
                .header("authorization", "Bearer " + plane.apiKey())
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), JSON.readTree(response.body()));
    }

    private Map<String, Object> request(LocalRepository repo, Map<String, String> inputs) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("repository", repo.name());
        body.put("cloneUrl", repo.cloneUrl());
        body.put("ref", "main");
        body.put("inputs", inputs);
        return body;
    }

    @Test
    void aManualRun_shouldResolveTheRef_andGiveItsInputsToConditionsAndSteps() throws Exception {
        LocalRepository repo = fixture.repository(Files.readString(Fixtures.example("manual").resolve(".delta/pipeline.yml")));
        Map<String, Object> body = request(repo, Map.of("environment", "production", "note", "v1.2"));
        body.put("requestId", "deploy-42");

        Answer created = post(body);
        Answer repeated = post(body);

        assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
        String runId = created.body().get("runId").asText();
        assertThat(repeated.status()).isEqualTo(200);
        assertThat(repeated.body().get("runId").asText()).as("the same requestId is the same run").isEqualTo(runId);
        RunRecord run = store.getRun(runId).orElseThrow();
        assertThat(run.sha()).isEqualTo(repo.sha());
        assertThat(run.ref()).isEqualTo("refs/heads/main");
        assertThat(run.trigger()).isEqualTo("workflow_dispatch");
        assertThat(run.inputs()).containsEntry("environment", "production").containsEntry("dry-run", "true")
                .containsEntry("note", "v1.2");
        try (RunnerPool pool = RunnerPool.start(1, plane.runnerTarget(), Files.createTempDirectory("delta-manual-"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
        }
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        assertThat(store.getJob(runId, "announce").orElseThrow().state()).as("if: inputs.environment == 'production'")
                .isEqualTo(JobState.SUCCEEDED);
        var logs = plane.plane().logStore();
        assertThat(String.join("", logs.listChunks(runId, "deploy", 1).stream().map(logs::read).toList()))
                .contains("deploying to production (dry run true) v1.2");
    }

    @Test
    void badRequests_shouldBeRefusedWithTheReason_andWriteNothing() throws Exception {
        LocalRepository manual = fixture.repository(Files.readString(Fixtures.example("manual").resolve(".delta/pipeline.yml")));
        LocalRepository pushOnly = fixture.repository("on: push\njobs:\n  a:\n    steps: [{run: x}]\n");

        Answer badInput = post(request(manual, Map.of("environment", "moon", "colour", "red")));
        Answer notManual = post(request(pushOnly, Map.of()));
        Map<String, Object> noSuchBranch = request(manual, Map.of());
        noSuchBranch.put("ref", "no-such-branch");
        Answer unknownRef = post(noSuchBranch);
        Map<String, Object> badRepository = request(manual, Map.of());
        badRepository.put("repository", "../etc");
        Answer malformed = post(badRepository);

        assertThat(badInput.status()).isEqualTo(400);
        assertThat(badInput.body().get("error").asText()).isEqualTo("invalid inputs: unknown input 'colour'; the pipeline "
                + "declares: environment, dry-run, note; input 'environment' must be one of [staging, production], not 'moon'");
        assertThat(notManual.status()).isEqualTo(422);
        assertThat(notManual.body().get("error").asText()).endsWith("does not run by hand ('on' lists push); "
                + "add 'workflow_dispatch' to 'on'");
        assertThat(unknownRef.status()).isEqualTo(404);
        assertThat(unknownRef.body().get("error").asText()).isEqualTo("no branch or tag 'no-such-branch' in " + manual.name());
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(StackContents.of(stack).tableItems()).isZero();
        assertThat(StackContents.of(stack).queuedMessages()).isZero();
    }

    @Test
    void deltaTrigger_shouldRunTheExampleWithItsInputs_andRefuseAnInvalidOneWithExit2() throws Exception {
        CliRunTestSupport.Outcome ok = CliRunTestSupport.delta("trigger", Fixtures.example("manual").toString(),
                "-i", "environment=production", "--json", "--runners", "1");
        CliRunTestSupport.Outcome refused = CliRunTestSupport.delta("trigger", Fixtures.example("manual").toString(),
                "-i", "environment=moon");

        assertThat(ok.exitCode()).as(ok.stderr()).isZero();
        assertThat(ok.stderr()).contains("created by POST /runs (workflow_dispatch)")
                .containsPattern("deploy +│ deploying to production \\(dry run true\\)");
        assertThat(ok.jobs().get("announce").get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.stderr()).contains("error: invalid inputs: input 'environment' must be one of "
                + "[staging, production], not 'moon'");
    }
}
