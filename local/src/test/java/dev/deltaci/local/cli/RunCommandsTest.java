package dev.deltaci.local.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.PlaneFixture;
import dev.deltaci.local.support.PlaneTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The CLI on the control API only: {@code delta logs -f} follows a running job to its end and
 * exits with how it ended; {@code runs}, {@code show}, {@code artifacts}, {@code rerun} against a
 * {@code delta dev} found through its data directory; {@code delta run PATH --dev} sends it work.
 */
class RunCommandsTest extends PlaneTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private RunnerPool runners;
    private Path data;

    @BeforeEach
    void startRunnersAndDevState() throws Exception {
        runners = RunnerPool.start(2, plane.runnerTarget(), Files.createTempDirectory("delta-cli-"));
        // what a running delta dev leaves in its data directory: this test's control plane
        data = Files.createTempDirectory("delta-dev-data-");
        new DevState(PlaneFixture.SECRET, plane.registrationToken(), null, plane.apiKey(), plane.apiUrl().toString(),
                ProcessHandle.current().pid()).write(data);
    }

    @AfterEach
    void stopRunners() {
        runners.close();
        dev.deltaci.local.TempTrees.deleteQuietly(data);
        dev.deltaci.local.TempTrees.deleteQuietly(data.resolveSibling(data.getFileName() + "-snapshots"));
    }

    record Outcome(int exitCode, String stdout, String stderr) {
        JsonNode json() throws Exception {
            return JSON.readTree(stdout);
        }
    }

    private static Outcome delta(Writer out, String... args) {
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new DeltaCli()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
        return new Outcome(exit, out.toString(), err.toString());
    }

    private static Outcome delta(String... args) {
        return delta(new StringWriter(), args);
    }

    private String[] onDev(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--data";
        all[args.length + 1] = data.toString();
        return all;
    }

    @Test
    void logsFollow_shouldPrintARunningJobsLinesAsTheyCome_untilItEnds_andExit0() throws Exception {
        String runId = pushRun("""
                jobs:
                  ticks:
                    steps: [{run: 'for i in $(seq 1 8); do echo "tick $i"; sleep 0.4; done'}]
                """);
        await().atMost(Duration.ofSeconds(30)).until(() -> store.getJob(runId, "ticks").orElseThrow().state() == JobState.RUNNING);
        AtomicLong firstTickAt = new AtomicLong();
        StringWriter out = new StringWriter() {
            @Override
            public void write(String text, int off, int len) {
                if (firstTickAt.get() == 0 && text.substring(off, off + len).contains("tick 1")) {
                    firstTickAt.set(System.currentTimeMillis());
                }
                super.write(text, off, len);
            }
        };
        Outcome followed = delta(out, onDev("logs", runId, "ticks", "-f"));

        assertThat(followed.exitCode()).as(followed.stderr()).isZero();
        List<String> ticks = followed.stdout().lines().filter(l -> l.startsWith("tick ")).toList();
        assertThat(ticks).containsExactly("tick 1", "tick 2", "tick 3", "tick 4", "tick 5", "tick 6", "tick 7", "tick 8");
        long finishedAt = store.getJob(runId, "ticks").orElseThrow().times().finishedAtEpochMs();
        assertThat(firstTickAt.get()).as("the first line was printed while the job still ran").isLessThan(finishedAt - 1000);
        assertThat(followed.stdout()).contains("::delta:: step 1 exited 0");
    }

    @Test
    void logsFollow_shouldExit1ForAFailedJob_and4ForACancelledOne() throws Exception {
        String failed = pushRun("""
                jobs:
                  broken:
                    steps: [{run: 'echo about to fail; exit 3'}]
                """);
        Outcome failing = delta(onDev("logs", failed, "broken", "-f"));
        assertThat(failing.exitCode()).as(failing.stderr()).isEqualTo(1);
        assertThat(failing.stdout()).contains("about to fail");

        String slow = pushRun("""
                jobs:
                  long:
                    steps: [{run: 'echo started; sleep 120'}]
                """);
        await().atMost(Duration.ofSeconds(30)).until(() -> store.getJob(slow, "long").orElseThrow().state() == JobState.RUNNING);
        CompletableFuture<Outcome> following = CompletableFuture.supplyAsync(() -> delta(onDev("logs", slow, "-f", "--json")));
        Thread.sleep(1000);
        assertThat(following).isNotDone();
        Outcome cancel = delta(onDev("cancel", slow, "--by", "tester"));
        assertThat(cancel.exitCode()).as(cancel.stderr()).isZero();
        Outcome cancelled = following.get(60, TimeUnit.SECONDS);
        assertThat(cancelled.exitCode()).as(cancelled.stderr()).isEqualTo(LogsCommand.CANCELLED);
        List<JsonNode> lines = cancelled.stdout().lines().map(RunCommandsTest::parse).toList();
        assertThat(lines.get(0).path("text").asText()).contains("::delta:: job long");
        assertThat(lines.get(lines.size() - 1).path("ended").asText()).isEqualTo("CANCELLED");
    }

    @Test
    void runDev_shouldSendTheCommitToTheRunningDelta_andTheReadCommandsShouldFindIt() throws Exception {
        Path repo = Files.createTempDirectory("delta-cli-repo-").resolve("shop");
        Files.createDirectories(repo.resolve(".delta"));
        Files.writeString(repo.resolve(".delta/pipeline.yml"), """
                jobs:
                  build:
                    artifacts: [dist]
                    steps: [{run: 'mkdir dist && echo "shop 1.0" > dist/version.txt'}]
                  test:
                    needs: build
                    steps: [{run: 'cat dist/version.txt'}]
                """);
        Outcome run = delta(onDev("run", repo.toString(), "--dev", "--json"));
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        String runId = run.json().path("runId").asText();
        assertThat(run.json().path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(run.stderr()).containsPattern("test +│ shop 1.0").contains("sending local/shop");

        Outcome runs = delta(onDev("runs", "--json"));
        assertThat(runs.exitCode()).isZero();
        assertThat(runs.json().path("runs").get(0).path("runId").asText()).isEqualTo(runId);
        Outcome table = delta(onDev("runs", "--repository", "local/shop"));
        assertThat(table.stdout()).contains(runId).contains("SUCCEEDED").contains("local/shop");

        Outcome show = delta(onDev("show", runId));
        assertThat(show.exitCode()).isZero();
        assertThat(show.stdout()).contains("build").contains("needs build").contains("local-runner-");

        Path downloads = Files.createTempDirectory("delta-cli-artifacts-");
        Outcome artifacts = delta(onDev("artifacts", runId, "--download", downloads.toString()));
        assertThat(artifacts.exitCode()).as(artifacts.stderr()).isZero();
        Path archive = downloads.resolve("build-artifacts.tar.gz");
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(archive))))
                .isEqualTo(store.getJob(runId, "build").orElseThrow().outcome().artifactSha256());

        Outcome rerun = delta(onDev("rerun", runId, "--follow"));
        assertThat(rerun.exitCode()).as(rerun.stderr()).isZero();
        assertThat(rerun.stdout()).contains("rerun of " + runId).contains("SUCCEEDED");
        Outcome nothingFailed = delta(onDev("rerun", runId, "--failed"));
        assertThat(nothingFailed.exitCode()).isEqualTo(2);
        assertThat(nothingFailed.stderr()).contains("no job to rerun");
    }

    @Test
    void theReadCommands_shouldSayWhatIsWrong_withExitCodesThatMeanIt() throws Exception {
        Path empty = Files.createTempDirectory("delta-no-dev-");
        Outcome noDev = delta("runs", "--data", empty.toString());
        assertThat(noDev.exitCode()).isEqualTo(2);
        assertThat(noDev.stderr()).contains("no delta dev is running on " + empty);
        Outcome unknown = delta(onDev("show", "r-0000000000000000"));
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("no run 'r-0000000000000000'");
        Outcome badKey = delta("runs", "--api-url", plane.apiUrl().toString(), "--api-key", "dak_wrong");
        assertThat(badKey.exitCode()).isEqualTo(2);
        assertThat(badKey.stderr()).contains("unknown API key");
        Outcome unreachable = delta("runs", "--api-url", "http://127.0.0.1:9", "--api-key", "dak_x");
        assertThat(unreachable.exitCode()).isEqualTo(3);
        String runId = pushRun("""
                jobs:
                  build:
                    steps: [{run: 'true'}]
                """);
        Outcome noJob = delta(onDev("logs", runId, "nope"));
        assertThat(noJob.exitCode()).isEqualTo(2);
        assertThat(noJob.stderr()).contains("has no job 'nope'; its jobs: [build]");
        for (String command : List.of("runs", "show", "logs", "artifacts", "rerun")) {
            Outcome help = delta(command, "--help");
            assertThat(help.exitCode()).isZero();
            assertThat(help.stdout()).contains("Exit codes:").contains("--api-url").contains("--json");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> store.getRun(runId).orElseThrow().status() == RunState.SUCCEEDED);
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }
}
