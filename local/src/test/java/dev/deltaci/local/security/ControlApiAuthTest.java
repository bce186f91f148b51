package dev.deltaci.local.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.security.ApiKeys;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.repo.LocalRepository;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.local.support.StackContents;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The control API: an API key for every call, and only for the repositories the key covers. */
class ControlApiAuthTest extends PlaneTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPS_KEY = "ops-key-0123456789";
    private static final String OTHER_TEAM_KEY = "other-team-key-0123456789";

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options o) {
        return o.withScheduleInterval(null).withEnvironment(Map.of("CONTROL_API_KEYS", "{\"keys\": ["
                + "{\"sha256\": \"" + ApiKeys.hash(OPS_KEY) + "\", \"name\": \"ops\", \"repositories\": [\"local/**\"]},"
                + "{\"sha256\": \"" + ApiKeys.hash(OTHER_TEAM_KEY) + "\", \"name\": \"other team\", \"repositories\": [\"octo/*\"]}]}"));
    }

    private record Answer(int status, JsonNode body) {
    }

    private Answer post(String path, String key, Map<String, Object> body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(plane.apiUrl().resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (key != null) {
            request.header("authorization", "Bearer " + key);
        }
        HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), JSON.readTree(response.body()));
    }

    private Map<String, Object> manualRun(LocalRepository repo) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("repository", repo.name());
        body.put("cloneUrl", repo.cloneUrl());
        body.put("ref", "main");
        return body;
    }

    @Test
    void startingARun_shouldNeedAKeyForItsRepository() throws Exception {
        LocalRepository repo = fixture.repository("on: workflow_dispatch\njobs:\n  a:\n    steps: [{run: x}]\n");

        Answer anonymous = post("/runs", null, manualRun(repo));
        Answer unknown = post("/runs", "guessed-key", manualRun(repo));
        Answer otherTeam = post("/runs", OTHER_TEAM_KEY, manualRun(repo));

        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(otherTeam.status()).isEqualTo(403);
        assertThat(otherTeam.body().get("error").asText()).isEqualTo("API key 'other team' may not start runs of " + repo.name());
        assertThat(StackContents.of(stack).tableItems()).isZero();
        assertThat(post("/runs", OPS_KEY, manualRun(repo)).status()).isEqualTo(201);
    }

    @Test
    void cancellingARun_shouldNeedAKeyForItsRepository_andRecordTheKey() throws Exception {
        String runId = pushRun("jobs:\n  a:\n    steps: [{run: x}]\n");

        Answer anonymous = post("/runs/" + runId + "/cancel", null, Map.of("by", "mallory"));
        Answer otherTeam = post("/runs/" + runId + "/cancel", OTHER_TEAM_KEY, Map.of("by", "mallory"));
        RunState untouched = store.getRun(runId).orElseThrow().status();
        Answer ops = post("/runs/" + runId + "/cancel", OPS_KEY, Map.of("by", "alice"));

        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(otherTeam.status()).as("another team's run looks like no run at all").isEqualTo(404);
        assertThat(untouched).isEqualTo(RunState.PENDING);
        assertThat(ops.status()).isEqualTo(202);
        assertThat(store.getRun(runId).orElseThrow().cancelledBy()).isEqualTo("alice via ops");
    }
}
