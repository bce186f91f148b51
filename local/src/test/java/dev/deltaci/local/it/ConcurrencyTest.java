package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.GateStore;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.sweeper.SweepReport;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.repo.LocalRepository;
import dev.deltaci.local.support.MutableClock;
import dev.deltaci.local.support.PlaneTest;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Concurrency groups through real runners: members of a group run one at a time, in arrival
 * order, and a waiting job says which group holds it and who holds it; cancel-in-progress
 * cancels the holder instead; a group whose holder finished without letting go is freed by the sweeper.
 */
class ConcurrencyTest extends PlaneTest {

    private static final String DEPLOY = """
            concurrency: deploy-${{ delta.branch }}
            jobs:
              deploy:
                steps:
                  - run: sleep 2; echo deployed
            """;

    private final MutableClock clock = new MutableClock();

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options o) {
        // short leases: runners heartbeat every second, so a stop reaches them quickly
        return o.withEnvironment(Map.of("LEASE_TTL_SECONDS", "3")).withClock(clock).withScheduleInterval(null);
    }

    private JobRecord job(String runId, String key) {
        return store.getJob(runId, key).orElseThrow();
    }

    private RunState status(String runId) {
        return store.getRun(runId).orElseThrow().status();
    }

    @Test
    void secondRunOfAGroup_shouldWaitSayingWhoHoldsIt_thenRunAfterTheFirst() throws Exception {
        LocalRepository repo = fixture.repository(DEPLOY);
        String first = fixture.push(repo);
        String second = fixture.push(repo);

        JobRecord waiting = job(second, "deploy");
        assertThat(waiting.state()).isEqualTo(JobState.BLOCKED);
        assertThat(waiting.waitingFor()).isEqualTo("waiting for concurrency group 'deploy-main', held by run " + first);
        try (RunnerPool pool = RunnerPool.start(2, plane.runnerTarget(), Files.createTempDirectory("delta-conc-"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> status(second).isTerminal());
        }

        assertThat(status(first)).isEqualTo(RunState.SUCCEEDED);
        assertThat(status(second)).isEqualTo(RunState.SUCCEEDED);
        // two runners were free, yet the second deploy started only after the first had finished
        assertThat(job(second, "deploy").times().startedAtEpochMs()).isGreaterThanOrEqualTo(job(first, "deploy").times().finishedAtEpochMs());
        assertThat(job(second, "deploy").waitingFor()).isNull();
        assertThat(plane.plane().gateStore().read(GateStore.gateId(repo.name(), "deploy-main"))).isEmpty();
    }

    @Test
    void cancelInProgress_shouldCancelTheRunningHolder_andRunTheNewcomer() throws Exception {
        LocalRepository repo = fixture.repository("""
                concurrency:
                  group: deploy
                  cancel-in-progress: true
                jobs:
                  deploy:
                    steps:
                      - run: sleep 8
                """);
        String first = fixture.push(repo);
        try (RunnerPool pool = RunnerPool.start(2, plane.runnerTarget(), Files.createTempDirectory("delta-conc-"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> job(first, "deploy").state() == JobState.RUNNING);
            String second = fixture.push(repo);
            await().atMost(Duration.ofSeconds(60)).until(() -> status(second).isTerminal());
            assertThat(status(first)).isEqualTo(RunState.CANCELLED);
            assertThat(store.getRun(first).orElseThrow().cancelledBy()).contains("newer run " + second);
            assertThat(status(second)).isEqualTo(RunState.SUCCEEDED);
            JobRecord cancelled = job(first, "deploy");
            assertThat(cancelled.times().finishedAtEpochMs() - cancelled.times().startedAtEpochMs()).as("sleep 8 was cut short")
                    .isLessThan(8_000);
            assertThat(job(second, "deploy").times().startedAtEpochMs()).isGreaterThanOrEqualTo(cancelled.times().finishedAtEpochMs());
        }
    }

    @Test
    void jobsOfOneRunSharingAGroup_shouldRunOneAtATime() throws Exception {
        String runId = fixture.pushRun("""
                jobs:
                  migrate-a:
                    concurrency: database
                    steps: [{run: sleep 1}]
                  migrate-b:
                    concurrency: database
                    steps: [{run: sleep 1}]
                  unrelated:
                    steps: [{run: sleep 1}]
                """);
        assertThat(job(runId, "migrate-b").waitingFor())
                .isEqualTo("waiting for concurrency group 'database', held by run " + runId + " (job migrate-a)");
        try (RunnerPool pool = RunnerPool.start(3, plane.runnerTarget(), Files.createTempDirectory("delta-conc-"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> status(runId).isTerminal());
        }
        assertThat(status(runId)).isEqualTo(RunState.SUCCEEDED);
        assertThat(job(runId, "migrate-b").times().startedAtEpochMs()).isGreaterThanOrEqualTo(job(runId, "migrate-a").times().finishedAtEpochMs());
    }

    @Test
    void aGroupWhoseHolderFinishedWithoutLettingGo_shouldBeHandedOnByTheSweeper() throws Exception {
        LocalRepository repo = fixture.repository(DEPLOY);
        String first = fixture.push(repo);
        String second = fixture.push(repo);
        String gate = GateStore.gateId(repo.name(), "deploy-main");
        // the first run is cancelled, but its progressor "crashes" before letting go: put the gate back
        store.requestRunCancel(first, "test");
        store.cancelNotStarted(first, "deploy", "test");
        store.updateRunStatus(first, RunState.CANCELLED);
        assertThat(plane.plane().gateStore().read(gate).orElseThrow().holder()).isEqualTo(first);

        SweepReport report = (SweepReport) plane.sweepNow();
        assertThat(report.gatesFreed()).as("a gate is checked once it is older than the reconcile age").isZero();
        clock.advance(Duration.ofMinutes(4));
        report = (SweepReport) plane.sweepNow();

        assertThat(report.gatesFreed()).isEqualTo(1);
        assertThat(plane.plane().gateStore().read(gate).orElseThrow().holder()).isEqualTo(second);
        assertThat(job(second, "deploy").state()).isEqualTo(JobState.QUEUED);
    }
}
