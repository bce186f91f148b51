package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.security.ApiKeys;
import dev.deltaci.functions.store.RunRecord;
import dev.deltaci.functions.view.RunReadService;
import dev.deltaci.local.api.ControlApiClient;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.repo.LocalRepository;
import dev.deltaci.local.support.PlaneFixture;
import dev.deltaci.local.support.PlaneTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The read and steer API, route by route: its filters, its pages, and who may see and do what.
 * Keys: {@code writer} (every repository, write), {@code alpha-reader} (local/alpha, read only),
 * {@code beta-reader} (local/beta, read only).
 */
class RunsApiTest extends PlaneTest {

    private static final String WRITER = "dak_writer-key";
    private static final String ALPHA_READER = "dak_alpha-reader-key";
    private static final String BETA_READER = "dak_beta-reader-key";
    private final List<LocalRepository> repos = new ArrayList<>();

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options defaults) {
        return defaults.withEnvironment(Map.of("CONTROL_API_KEYS", "{\"keys\": ["
                + key(WRITER, "writer", "**", "write") + ", " + key(ALPHA_READER, "alpha-reader", "local/alpha", "read")
                + ", " + key(BETA_READER, "beta-reader", "local/beta", "read") + "]}"));
    }

    private static String key(String key, String name, String repositories, String access) {
        return "{\"sha256\": \"" + ApiKeys.hash(key) + "\", \"name\": \"" + name + "\", \"repositories\": [\""
                + repositories + "\"], \"access\": \"" + access + "\"}";
    }

    @AfterEach
    void closeRepos() {
        repos.forEach(LocalRepository::close);
    }

    private ControlApiClient as(String key) {
        return new ControlApiClient(plane.apiUrl(), key);
    }

    @Test
    void listRuns_shouldPageNewestFirst_withACursor_andFilterByRepositoryBranchAndStatus() throws Exception {
        long base = 1_700_000_000_000L;
        for (int i = 0; i < 130; i++) {
            String repository = i % 2 == 0 ? "local/alpha" : "local/beta";
            String ref = i % 3 == 0 ? "refs/heads/dev" : "refs/heads/main";
            RunState status = i % 5 == 0 ? RunState.FAILED : RunState.SUCCEEDED;
            store.createRunIfAbsent(new RunRecord(String.format("r-seed%04d", i), repository, "file:///nowhere",
                    "a".repeat(40), ref, "push", status, null, null, 0, true, base + i * 1000L, base + i * 1000L + 500,
                    null, null, false, Map.of(), false));
        }

        List<String> all = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Map<String, String> query = new LinkedHashMap<>();
            query.put("limit", "50");
            query.put("cursor", cursor);
            JsonNode page = as(WRITER).runs(query);
            page.path("runs").forEach(run -> all.add(run.path("runId").asText()));
            cursor = page.path("next").isNull() ? null : page.path("next").asText();
            pages++;
        } while (cursor != null && pages < 10);
        List<String> expected = new ArrayList<>();
        for (int i = 129; i >= 0; i--) {
            expected.add(String.format("r-seed%04d", i));
        }
        assertThat(all).as("every run once, newest first, in three pages").containsExactlyElementsOf(expected);
        assertThat(pages).isEqualTo(3);

        JsonNode filtered = as(WRITER).runs(Map.of("repository", "local/alpha", "branch", "dev", "status", "FAILED",
                "limit", "200"));
        List<String> ids = new ArrayList<>();
        filtered.path("runs").forEach(run -> {
            ids.add(run.path("runId").asText());
            assertThat(run.path("repository").asText()).isEqualTo("local/alpha");
            assertThat(run.path("branch").asText()).isEqualTo("dev");
            assertThat(run.path("status").asText()).isEqualTo("FAILED");
        });
        // i even, divisible by 3 and by 5: multiples of 30
        assertThat(ids).containsExactly("r-seed0120", "r-seed0090", "r-seed0060", "r-seed0030", "r-seed0000");
        assertThat(filtered.path("next").isNull()).isTrue();

        JsonNode first = as(WRITER).runs(Map.of("limit", "1")).path("runs").get(0);
        assertThat(first.path("durationMs").asLong()).isEqualTo(500);
        assertThat(first.path("sha").asText()).hasSize(40);
    }

    @Test
    void listRuns_shouldRefuseBadFilters_andCursorsItDidNotGive() throws Exception {
        assertThat(status(() -> as(WRITER).runs(Map.of("limit", "0")))).isEqualTo(400);
        assertThat(status(() -> as(WRITER).runs(Map.of("limit", "201")))).isEqualTo(400);
        assertThat(status(() -> as(WRITER).runs(Map.of("status", "DONE")))).isEqualTo(400);
        assertThat(status(() -> as(WRITER).runs(Map.of("repository", "no-slash")))).isEqualTo(400);
        assertThat(status(() -> as(WRITER).runs(Map.of("cursor", "not-base64!")))).isEqualTo(400);
        assertThat(status(() -> as(WRITER).runs(Map.of("cursor", java.util.Base64.getUrlEncoder()
                .encodeToString("{\"pk\":\"s:RUN#x\"}".getBytes()))))).isEqualTo(400);
        assertThat(status(() -> as("dak_unknown").runs(Map.of()))).isEqualTo(401);
        HttpResponse<String> noKey = HttpClient.newHttpClient().send(HttpRequest.newBuilder(plane.apiUrl().resolve("/runs"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(noKey.body()).contains("missing API key");
    }

    @Test
    void aKeyForAnotherRepository_shouldSeeNothingOfIt_andAReadOnlyKeyShouldChangeNothing() throws Exception {
        String alpha = push("alpha", """
                jobs:
                  build:
                    artifacts: [out]
                    steps: [{run: 'mkdir out && echo alpha > out/a.txt'}]
                """);
        String beta = push("beta", """
                jobs:
                  build:
                    steps: [{run: echo beta}]
                """);
        runToTheEnd(2, alpha, beta);

        assertThat(ids(as(ALPHA_READER).runs(Map.of()))).containsExactly(alpha);
        assertThat(ids(as(BETA_READER).runs(Map.of()))).containsExactly(beta);
        assertThat(ids(as(WRITER).runs(Map.of()))).containsExactlyInAnyOrder(alpha, beta);
        assertThat(ids(as(ALPHA_READER).runs(Map.of("repository", "local/beta")))).isEmpty();

        // another repository's run answers exactly as a run that does not exist
        ControlApiClient.ApiError hidden = error(() -> as(ALPHA_READER).run(beta));
        ControlApiClient.ApiError missing = error(() -> as(ALPHA_READER).run("r-0000000000000000"));
        assertThat(hidden.status()).isEqualTo(404);
        assertThat(hidden.getMessage()).isEqualTo(missing.getMessage().replace("r-0000000000000000", beta));
        assertThat(status(() -> as(ALPHA_READER).logs(beta, "build", null, null))).isEqualTo(404);
        assertThat(status(() -> as(ALPHA_READER).artifacts(beta))).isEqualTo(404);
        assertThat(as(ALPHA_READER).artifacts(alpha).path("artifacts")).hasSize(1);

        // read-only: no rerun, no cancel, no manual run; and nothing written
        int runsBefore = ids(as(WRITER).runs(Map.of())).size();
        ControlApiClient.ApiError rerun = error(() -> as(ALPHA_READER).rerun(alpha, false));
        assertThat(rerun.status()).isEqualTo(403);
        assertThat(rerun.getMessage()).contains("read-only");
        assertThat(status(() -> as(ALPHA_READER).cancel(alpha, "mallory"))).isEqualTo(403);
        assertThat(status(() -> as(ALPHA_READER).startRun(Map.of("repository", "local/alpha", "ref", "main"))))
                .isEqualTo(403);
        assertThat(ids(as(WRITER).runs(Map.of()))).hasSize(runsBefore);
        assertThat(store.getRun(alpha).orElseThrow().cancelledBy()).isNull();
    }

    @Test
    void showRun_shouldGiveJobsInGraphOrder_edgesMatrixGroupsAttempts_andWhyAJobWaits() throws Exception {
        String runId = push("alpha", """
                jobs:
                  build:
                    steps: [{run: echo build}]
                  test:
                    needs: build
                    # both instances must fail, in whichever order: fail-fast would cancel the slower one
                    strategy: {matrix: {n: [1, 2]}, fail-fast: false}
                    steps: [{run: 'exit ${{ matrix.n }}'}]
                  report:
                    needs: test
                    steps: [{run: echo never}]
                """);
        JsonNode waiting = as(WRITER).run(runId);
        assertThat(job(waiting, "build").path("waiting").asText()).startsWith("waiting for a runner (queued ");
        assertThat(job(waiting, "test.1").path("waiting").asText()).isEqualTo("waiting for build to finish");
        runToTheEnd(2, runId);
        JsonNode view = as(WRITER).run(runId);
        assertThat(view.path("run").path("status").asText()).isEqualTo("FAILED");
        List<String> order = new ArrayList<>();
        view.path("jobs").forEach(j -> order.add(j.path("key").asText()));
        assertThat(order).containsExactly("build", "test.1", "test.2", "report");
        List<String> edges = new ArrayList<>();
        view.path("edges").forEach(e -> edges.add(e.get(0).asText() + "→" + e.get(1).asText()));
        assertThat(edges).containsExactlyInAnyOrder("build→test.1", "build→test.2", "test.1→report", "test.2→report");
        assertThat(view.path("matrixGroups").get(0).path("group").asText()).isEqualTo("test");
        assertThat(view.path("matrixGroups").get(0).path("jobs")).hasSize(2);

        JsonNode failed = job(view, "test.2");
        assertThat(failed.path("state").asText()).isEqualTo("FAILED");
        assertThat(failed.path("exitCode").asInt()).isEqualTo(2);
        assertThat(failed.path("failureClass").asText()).isEqualTo("script_failure");
        assertThat(failed.path("matrix").path("values").path("n").asText()).isEqualTo("2");
        JsonNode attempt = failed.path("attempts").get(0);
        assertThat(attempt.path("runner").asText()).startsWith("local-runner-");
        assertThat(attempt.path("finished").asBoolean()).isTrue();
        assertThat(attempt.path("durationMs").asLong()).isPositive();
        assertThat(failed.path("durationMs").asLong()).isPositive();
        assertThat(job(view, "report").path("state").asText()).isEqualTo("SKIPPED");
        assertThat(job(view, "report").path("attempts")).isEmpty();
        assertThat(job(view, "report").path("waiting").isNull()).isTrue();
    }

    @Test
    void logs_shouldComeInOrderBySequenceCursor_inBoundedPages_andSayWhenTheAttemptIsComplete() throws Exception {
        String runId = push("alpha", """
                jobs:
                  loud:
                    steps: [{run: 'seq 1 150000'}]
                """);
        runToTheEnd(1, runId);
        StringBuilder text = new StringBuilder();
        Integer after = null;
        int pages = 0;
        boolean complete = false;
        while (!complete && pages < 100) {
            JsonNode page = as(ALPHA_READER).logs(runId, "loud", null, after);
            int bytes = 0;
            int lastSeq = after == null ? -1 : after;
            for (JsonNode chunk : page.path("chunks")) {
                assertThat(chunk.path("seq").asInt()).as("in order, none twice").isGreaterThan(lastSeq);
                lastSeq = chunk.path("seq").asInt();
                text.append(chunk.path("text").asText());
                bytes += chunk.path("text").asText().length();
            }
            assertThat(bytes).as("a page stays near its budget").isLessThan(RunReadService.LOG_PAGE_BYTES + 256 * 1024);
            assertThat(page.path("finished").asBoolean()).isTrue();
            complete = page.path("complete").asBoolean();
            after = page.path("next").asInt();
            pages++;
        }
        assertThat(complete).isTrue();
        assertThat(pages).as("about 1 MB of log: more than one page").isGreaterThan(1);
        List<String> numbers = text.toString().lines().filter(l -> l.matches("\\d+")).toList();
        assertThat(numbers).hasSize(150000);
        assertThat(numbers.get(0)).isEqualTo("1");
        assertThat(numbers.get(149999)).isEqualTo("150000");

        JsonNode past = as(ALPHA_READER).logs(runId, "loud", 1, after);
        assertThat(past.path("chunks")).isEmpty();
        assertThat(past.path("complete").asBoolean()).isTrue();
        assertThat(status(() -> as(ALPHA_READER).logs(runId, "loud", 7, null))).isEqualTo(404);
        assertThat(status(() -> as(ALPHA_READER).logs(runId, "nope", null, null))).isEqualTo(404);
    }

    @Test
    void aFiftyMegabyteLog_shouldOpenWithOnePageOfIt_andBeReadableToItsEndByCursor() throws Exception {
        String runId = push("alpha", """
                jobs:
                  huge:
                    steps: [{run: echo small}]
                """);
        runToTheEnd(1, runId);
        // 50 MiB more of the same attempt: 200 chunks of 256 KiB, the largest the runner API takes
        var logs = plane.plane().logStore();
        String block = ("x".repeat(1023) + "\n").repeat(256);
        for (int seq = 1000; seq < 1200; seq++) {
            logs.putChunk(runId, "huge", 1, seq, block);
        }
        long began = System.nanoTime();
        JsonNode first = as(ALPHA_READER).logs(runId, "huge", null, null);
        long firstMillis = Duration.ofNanos(System.nanoTime() - began).toMillis();
        int firstBytes = 0;
        for (JsonNode chunk : first.path("chunks")) {
            firstBytes += chunk.path("text").asText().length();
        }
        assertThat(firstBytes).as("the first page is a page, not the log").isLessThanOrEqualTo(
                RunReadService.LOG_PAGE_BYTES + block.length());
        assertThat(first.path("complete").asBoolean()).isFalse();
        JsonNode last = as(ALPHA_READER).logs(runId, "huge", null, 1198);
        assertThat(last.path("chunks")).hasSize(1);
        assertThat(last.path("chunks").get(0).path("seq").asInt()).isEqualTo(1199);
        assertThat(last.path("complete").asBoolean()).isTrue();
        System.out.printf("50 MiB log: first page %d KiB in %d ms%n", firstBytes / 1024, firstMillis);
    }

    @Test
    void artifacts_shouldBeListedWithShortLivedUrls_thatGiveTheRecordedBytes() throws Exception {
        String runId = push("alpha", """
                jobs:
                  build:
                    artifacts: [dist]
                    steps: [{run: 'mkdir dist && seq 1 1000 > dist/numbers.txt'}]
                  plain:
                    steps: [{run: 'true'}]
                """);
        runToTheEnd(2, runId);
        JsonNode listed = as(ALPHA_READER).artifacts(runId).path("artifacts");
        assertThat(listed).hasSize(1);
        JsonNode archive = listed.get(0);
        assertThat(archive.path("job").asText()).isEqualTo("build");
        assertThat(archive.path("paths").get(0).asText()).isEqualTo("dist");
        assertThat(archive.path("expiresAtEpochMs").asLong() - System.currentTimeMillis())
                .isBetween(Duration.ofMinutes(14).toMillis(), Duration.ofMinutes(15).toMillis() + 1000);
        HttpResponse<byte[]> download = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(archive.path("url").asText())).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body().length).isEqualTo(archive.path("sizeBytes").asInt());
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(download.body())))
                .isEqualTo(archive.path("sha256").asText())
                .isEqualTo(store.getJob(runId, "build").orElseThrow().outcome().artifactSha256());
        assertThat(download.headers().firstValue("content-disposition").orElse(""))
                .contains("build-artifacts.tar.gz");
    }

    @Test
    void rerunFailedOnly_shouldKeepTheJobsThatSucceeded_andRunTheRest_withTheFirstRunsArtifacts() throws Exception {
        Path marker = Files.createTempDirectory("delta-rerun-").resolve("fixed");
        String runId = push("alpha", """
                jobs:
                  build:
                    artifacts: [dist]
                    steps: [{run: 'mkdir dist && echo built-once > dist/out.txt'}]
                  test:
                    needs: build
                    steps: [{run: 'cat dist/out.txt && test -f %s'}]
                """.formatted(marker));
        ControlApiClient.ApiError running = error(() -> as(WRITER).rerun(runId, false));
        assertThat(running.status()).isEqualTo(409);
        assertThat(running.getMessage()).contains("still");
        try (RunnerPool pool = RunnerPool.start(2, plane.runnerTarget(), Files.createTempDirectory("delta-api-"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
            assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.FAILED);
            Files.writeString(marker, "now it passes");

            JsonNode answer = as(WRITER).rerun(runId, true);
            String rerun = answer.path("runId").asText();
            assertThat(rerun).isNotEqualTo(runId);
            assertThat(answer.path("reusedJobs")).extracting(JsonNode::asText).containsExactly("build");
            await().atMost(Duration.ofSeconds(60)).until(() -> store.getRun(rerun).orElseThrow().status().isTerminal());

            JsonNode view = as(WRITER).run(rerun);
            assertThat(view.path("run").path("status").asText()).isEqualTo("SUCCEEDED");
            assertThat(view.path("run").path("rerunOf").asText()).isEqualTo(runId);
            JsonNode build = job(view, "build");
            assertThat(build.path("reusedFromRunId").asText()).isEqualTo(runId);
            assertThat(build.path("attempts").get(0).path("runner").asText())
                    .isEqualTo(job(as(WRITER).run(runId), "build").path("attempts").get(0).path("runner").asText());
            // the kept job's log is the first run's; the rerun job read the first run's artifact
            assertThat(text(as(WRITER).logs(rerun, "build", null, null))).contains("mkdir dist");
            assertThat(text(as(WRITER).logs(rerun, "test", null, null))).contains("built-once");
            assertThat(as(WRITER).artifacts(rerun).path("artifacts").get(0).path("sha256").asText())
                    .isEqualTo(store.getJob(runId, "build").orElseThrow().outcome().artifactSha256());
            // the first run is as it ended
            assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.FAILED);
            assertThat(store.getJob(runId, "test").orElseThrow().state()).isEqualTo(JobState.FAILED);

            ControlApiClient.ApiError nothingFailed = error(() -> as(WRITER).rerun(rerun, true));
            assertThat(nothingFailed.status()).isEqualTo(409);
            String all = as(WRITER).rerun(rerun, false).path("runId").asText();
            await().atMost(Duration.ofSeconds(60)).until(() -> store.getRun(all).orElseThrow().status().isTerminal());
            assertThat(store.getJob(all, "build").orElseThrow().outcome().reusedFromRunId()).as("all: built again").isNull();
            assertThat(store.getRun(all).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        }
    }

    @Test
    void rerun_withTheSameRequestId_shouldStartOneRun() throws Exception {
        String runId = push("alpha", """
                jobs:
                  build:
                    steps: [{run: 'false'}]
                """);
        runToTheEnd(1, runId);
        HttpClient http = HttpClient.newHttpClient();
        Set<String> started = new HashSet<>();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(plane.apiUrl().resolve("/runs/" + runId + "/rerun"))
                    .header("authorization", "Bearer " + WRITER).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"requestId\": \"retry-1\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            statuses.add(answer.statusCode());
            started.add(PlaneFixture.json(answer.body()).path("runId").asText());
        }
        assertThat(statuses).containsExactly(201, 200, 200);
        assertThat(started).hasSize(1);
        assertThat(status(() -> as(WRITER).startRun(Map.of()))).isEqualTo(400);
        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(plane.apiUrl().resolve("/runs/" + runId + "/rerun"))
                .header("authorization", "Bearer " + WRITER)
                .POST(HttpRequest.BodyPublishers.ofString("{\"failedOnly\": \"yes\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
    }

    // --- helpers --------------------------------------------------------------------------------

    /** A repository named local/NAME with this pipeline, pushed; the new run's id. */
    private String push(String name, String pipeline) throws Exception {
        Path dir = Files.createTempDirectory("delta-repos-").resolve(name);
        Files.createDirectories(dir.resolve(".delta"));
        Files.writeString(dir.resolve(".delta/pipeline.yml"), pipeline);
        LocalRepository repo = LocalRepository.resolve(dir, null);
        repos.add(repo);
        GitHubPush.Delivery delivery = GitHubPush.send(plane.apiUrl(), PlaneFixture.SECRET, GitHubPush.payload(repo));
        assertThat(delivery.status()).as(delivery.body()).isEqualTo(201);
        return PlaneFixture.json(delivery.body()).get("runId").asText();
    }

    /** Runners until every one of these runs has ended. */
    private void runToTheEnd(int runners, String... runIds) throws Exception {
        try (RunnerPool pool = RunnerPool.start(runners, plane.runnerTarget(), Files.createTempDirectory("delta-api-"))) {
            for (String runId : runIds) {
                await().atMost(Duration.ofSeconds(60)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
            }
        }
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.path("runs").forEach(run -> ids.add(run.path("runId").asText()));
        return ids;
    }

    private static JsonNode job(JsonNode view, String key) {
        for (JsonNode job : view.path("jobs")) {
            if (job.path("key").asText().equals(key)) {
                return job;
            }
        }
        throw new AssertionError("no job " + key + " in " + view);
    }

    private static String text(JsonNode logs) {
        StringBuilder text = new StringBuilder();
        logs.path("chunks").forEach(chunk -> text.append(chunk.path("text").asText()));
        return text.toString();
    }

    @FunctionalInterface
    private interface Call {
        Object call() throws Exception;
    }

    private static ControlApiClient.ApiError error(Call call) {
        ControlApiClient.ApiError error = catchThrowableOfType(ControlApiClient.ApiError.class, call::call);
        assertThat(error).as("the API refused").isNotNull();
        return error;
    }

    private static int status(Call call) {
        return error(call).status();
    }

}
