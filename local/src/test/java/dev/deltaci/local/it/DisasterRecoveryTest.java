package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.logs.LogStore;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.repo.LocalRepository;
import dev.deltaci.local.stack.EmbeddedStack;
import dev.deltaci.local.support.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The drills of docs/operations/disaster-recovery.md, each against the real protocols with the
 * fault injected: the control plane restarted mid-run, DynamoDB away for less and for more than
 * a lease, the queue lost, the artifact store away, and the whole stack restored from the state
 * it persisted. In each, every run ends as it would have without the fault, and nothing runs twice
 * unless a lease expired (and then with a new epoch).
 */
class DisasterRecoveryTest {

    private static final String SECRET = "dr-secret";
    /** Short leases, so outages longer than a lease fit in a test: 6 s, heartbeats every 2 s. */
    private static final Map<String, String> FAST = Map.of("LEASE_TTL_SECONDS", "6", "CLOCK_SKEW_ALLOWANCE_MS", "500",
            "RECONCILE_AFTER_SECONDS", "2");

    private Path dataDir;
    private Path workDir;
    private EmbeddedStack stack;
    private final LocalControlPlane.Credentials credentials = LocalControlPlane.Credentials.generate();
    private LocalControlPlane plane;
    private RunnerPool pool;
    private LocalRepository repo;

    @BeforeEach
    void start() throws Exception {
        dataDir = Files.createTempDirectory("delta-dr-data-");
        workDir = Files.createTempDirectory("delta-dr-work-");
        stack = EmbeddedStack.start(dataDir);
        plane = newPlane(0);
    }

    @AfterEach
    void stop() throws java.io.IOException {
        if (pool != null) {
            pool.close();
        }
        if (repo != null) {
            repo.close();
        }
        plane.close();
        stack.close();
        Fixtures.deleteTree(dataDir);
        Fixtures.deleteTree(workDir);
    }

    private LocalControlPlane newPlane(int port) throws Exception {
        return new LocalControlPlane(stack, LocalControlPlane.Options.defaults(SECRET).withEnvironment(FAST)
                .withPort(port).withCredentials(credentials));
    }

    private String push(String pipeline) throws Exception {
        repo = Fixtures.repoWithPipeline(pipeline);
        GitHubPush.Delivery delivery = GitHubPush.send(plane.apiUrl(), SECRET, GitHubPush.payload(repo));
        assertThat(delivery.status()).as(delivery.body()).isEqualTo(201);
        return new ObjectMapper().readTree(delivery.body()).get("runId").asText();
    }

    private JobStore store() {
        return plane.plane().jobStore();
    }

    private JobRecord awaitRunning(String runId, String jobKey) {
        await().atMost(Duration.ofSeconds(30)).until(() ->
                store().getJob(runId, jobKey).orElseThrow().state() == JobState.RUNNING);
        return store().getJob(runId, jobKey).orElseThrow();
    }

    private RunState awaitEnd(String runId, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> store().getRun(runId).orElseThrow().status().isTerminal());
        return store().getRun(runId).orElseThrow().status();
    }

    private String log(String runId, JobRecord job) {
        LogStore logs = plane.plane().logStore();
        return String.join("", logs.listChunks(runId, job.jobKey(), job.lease().epoch()).stream().map(logs::read).toList());
    }

    @Test
    void controlPlaneRestartMidRun_shouldLoseNothing_andNotRetryTheJob() throws Exception {
        pool = RunnerPool.start(1, plane.runnerTarget(), workDir);
        String runId = push("jobs:\n  build:\n    steps:\n      - run: for i in 1 2 3 4 5 6; do echo tick-$i; sleep 1; done\n");
        awaitRunning(runId, "build");
        int port = plane.apiUrl().getPort();

        plane.close(); // every function instance goes away: stateless, so nothing of the run goes with them
        Thread.sleep(2000);
        plane = newPlane(port);

        assertThat(awaitEnd(runId, Duration.ofSeconds(60))).isEqualTo(RunState.SUCCEEDED);
        JobRecord job = store().getJob(runId, "build").orElseThrow();
        assertThat(job.attempts().current()).isEqualTo(1);
        assertThat(log(runId, job)).contains("tick-1\n", "tick-3\n", "tick-6\n");
    }

    @Test
    void runnerStoppedWithSigterm_shouldHandTheJobBack_notFailIt() throws Exception {
        pool = RunnerPool.start(2, plane.runnerTarget(), workDir);
        String runId = push("jobs:\n  build:\n    steps:\n      - run: sleep 12 && echo finished\n");
        JobRecord first = awaitRunning(runId, "build");

        pool.process(first.lease().owner()).destroy(); // SIGTERM, as a scale-in or a spot interruption sends

        assertThat(awaitEnd(runId, Duration.ofSeconds(60))).isEqualTo(RunState.SUCCEEDED);
        JobRecord job = store().getJob(runId, "build").orElseThrow();
        assertThat(job.attempts().current()).isEqualTo(2);
        // reported by the stopping runner (not found later by the sweeper, which would say runner_lost)
        assertThat(job.attempts().history().get(0).failureClass()).isEqualTo("infra_error");
        assertThat(job.attempts().history().get(1).runner()).isNotEqualTo(first.lease().owner());
    }

    @Test
    void dynamoDbOutageShorterThanTheLeaseTtl_shouldNotRetryTheJob() throws Exception {
        pool = RunnerPool.start(1, plane.runnerTarget(), workDir);
        String runId = push("jobs:\n  build:\n    steps:\n      - run: sleep 8 && echo survived-$((1 + 1))\n");
        awaitRunning(runId, "build");

        stack.stopDynamoDb();
        Thread.sleep(3000); // half a lease: heartbeats fail, the lease does not run out
        stack.startDynamoDb();

        assertThat(awaitEnd(runId, Duration.ofSeconds(60))).isEqualTo(RunState.SUCCEEDED);
        JobRecord job = store().getJob(runId, "build").orElseThrow();
        assertThat(job.attempts().current()).isEqualTo(1);
        assertThat(job.attempts().history()).hasSize(1);
        assertThat(log(runId, job)).contains("survived-2");
    }

    @Test
    void dynamoDbOutageLongerThanTheLeaseTtl_shouldStopTheAttempt_thenRetryItOnceWithANewEpoch() throws Exception {
        pool = RunnerPool.start(1, plane.runnerTarget(), workDir);
        String runId = push("jobs:\n  build:\n    steps:\n      - run: sleep 6 && echo all-done-$((1 + 1))\n");
        JobRecord first = awaitRunning(runId, "build");

        stack.stopDynamoDb();
        Thread.sleep(10_000); // longer than a lease: the runner fences itself off and stops the step
        stack.startDynamoDb();

        assertThat(awaitEnd(runId, Duration.ofSeconds(90))).isEqualTo(RunState.SUCCEEDED);
        JobRecord job = store().getJob(runId, "build").orElseThrow();
        assertThat(job.attempts().current()).isEqualTo(2);
        assertThat(job.lease().epoch()).isGreaterThan(first.lease().epoch());
        assertThat(job.attempts().history()).hasSize(2);
        assertThat(job.attempts().history().get(0).failureClass()).isEqualTo("runner_lost");
        assertThat(log(runId, job)).contains("all-done-2");
        // the first attempt stopped itself before finishing (its log shows the command, not its output)
        LogStore logs = plane.plane().logStore();
        assertThat(String.join("", logs.listChunks(runId, "build", first.lease().epoch()).stream().map(logs::read).toList()))
                .doesNotContain("all-done-2");
    }

    @Test
    void queueLoss_shouldBeRepairedFromDynamoDb_byTheSweeper() throws Exception {
        String runId = push("jobs:\n  build:\n    steps:\n      - run: echo from-a-lost-message-$((2 * 2))\n");
        stack.restartElasticMq(); // the job's only message is gone with the queue

        pool = RunnerPool.start(1, plane.runnerTarget(), workDir);

        assertThat(awaitEnd(runId, Duration.ofSeconds(60))).isEqualTo(RunState.SUCCEEDED);
        JobRecord job = store().getJob(runId, "build").orElseThrow();
        assertThat(job.attempts().current()).isEqualTo(1);
        assertThat(log(runId, job)).contains("from-a-lost-message-4");
    }

    @Test
    void artifactStoreOutageShorterThanTheLimit_shouldLoseNoLogLine_andNotFailTheJob() throws Exception {
        pool = RunnerPool.start(1, plane.runnerTarget(), workDir);
        String runId = push("jobs:\n  build:\n    steps:\n      - run: for i in 1 2 3 4 5 6 7 8; do echo line-$i; sleep 1; done\n");
        awaitRunning(runId, "build");

        stack.stopS3();
        Thread.sleep(4000); // log chunks cannot be stored; the runner keeps them and retries
        stack.startS3();

        assertThat(awaitEnd(runId, Duration.ofSeconds(60))).isEqualTo(RunState.SUCCEEDED);
        JobRecord job = store().getJob(runId, "build").orElseThrow();
        assertThat(job.attempts().current()).isEqualTo(1);
        String log = log(runId, job);
        for (int i = 1; i <= 8; i++) {
            assertThat(log).contains("line-" + i + "\n");
        }
        assertThat(plane.plane().logStore().listChunks(runId, "build", job.lease().epoch())).hasSize(job.outcome().logChunks());
    }

    @Test
    void logStoreDownWhenTheJobEnds_shouldStoreTheLastChunkOnItsOwn_andThenComplete() throws Exception {
        pool = RunnerPool.start(1, plane.runnerTarget(), workDir);
        String runId = push("jobs:\n  build:\n    steps:\n      - run: echo first; sleep 3; echo the-last-line\n");
        long epoch = awaitRunning(runId, "build").lease().epoch();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !plane.plane().logStore().listChunks(runId, "build", epoch).isEmpty());

        // the job ends while S3 is away: the completion cannot store the chunk it carries (503,
        // nothing written), so the runner sends it on its own, waiting the outage out
        stack.stopS3();
        Thread.sleep(5000);
        assertThat(store().getJob(runId, "build").orElseThrow().state()).isEqualTo(JobState.RUNNING);
        stack.startS3();

        assertThat(awaitEnd(runId, Duration.ofSeconds(60))).isEqualTo(RunState.SUCCEEDED);
        JobRecord job = store().getJob(runId, "build").orElseThrow();
        assertThat(job.attempts().current()).isEqualTo(1);
        assertThat(log(runId, job)).contains("first\n", "the-last-line\n", "step 1 exited 0");
        assertThat(plane.plane().logStore().listChunks(runId, "build", job.lease().epoch())).hasSize(job.outcome().logChunks());
    }

    @Test
    void restoreFromPersistedState_shouldKeepRunsAndLogs_andRunNewWork() throws Exception {
        pool = RunnerPool.start(1, plane.runnerTarget(), workDir);
        String before = push("jobs:\n  build:\n    steps:\n      - run: echo before-the-restore-$((3 + 3))\n");
        assertThat(awaitEnd(before, Duration.ofSeconds(60))).isEqualTo(RunState.SUCCEEDED);
        pool.close();
        plane.close();
        stack.close(); // every server stops; only the data directory remains

        stack = EmbeddedStack.start(dataDir);
        plane = newPlane(0);
        pool = RunnerPool.start(1, plane.runnerTarget(), workDir);

        JobRecord restored = store().getJob(before, "build").orElseThrow();
        assertThat(store().getRun(before).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        assertThat(log(before, restored)).contains("before-the-restore-6");
        repo.close();
        String after = push("jobs:\n  build:\n    steps:\n      - run: echo after-the-restore\n");
        assertThat(awaitEnd(after, Duration.ofSeconds(60))).isEqualTo(RunState.SUCCEEDED);
    }
}
