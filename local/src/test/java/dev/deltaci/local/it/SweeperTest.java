package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deltaci.api.LeaseLost;
import dev.deltaci.core.job.FailureClass;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.run.JobLifecycle;
import dev.deltaci.functions.store.AttemptRecord;
import dev.deltaci.functions.store.GateStore;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.SweepStore;
import dev.deltaci.functions.sweeper.SweepPolicy;
import dev.deltaci.functions.sweeper.SweepReport;
import dev.deltaci.functions.sweeper.SweeperService;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.local.support.StackContents;
import dev.deltaci.runner.RunnerApiClient;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The sweeper against injected faults: killed runners, silent runners, lost messages, skewed clocks. */
class SweeperTest extends PlaneTest {

    /** Short leases so that expiry happens within a test: 2 s TTL, heartbeats every 667 ms. */
    private static final Map<String, String> FAST = Map.of("LEASE_TTL_SECONDS", "2", "CLOCK_SKEW_ALLOWANCE_MS", "500",
            "RECONCILE_AFTER_SECONDS", "2", "INFRA_RETRY_BUDGET", "1");


    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options o) {
        return o.withEnvironment(FAST).withScheduleInterval(null);
    }

    private SweeperService sweeper(Clock clock, long skewAllowanceMs) {
        JobStore jobs = new JobStore(plane.plane().dynamo(), plane.plane().config().tableName(), clock);
        SweepStore sweeps = new SweepStore(plane.plane().dynamo(), plane.plane().config().tableName(), clock);
        return new SweeperService(jobs, sweeps,
                new GateStore(plane.plane().dynamo(), plane.plane().config().tableName(), clock),
                new JobLifecycle(jobs, sweeps, plane.plane().jobQueue(), plane.plane().runProgressor()),
                plane.plane().runProgressor(),
                new SweepPolicy(Duration.ofMillis(skewAllowanceMs), 1, Duration.ofSeconds(2), 100), plane.metrics(), clock);
    }

    @Test
    void runnerKilledMidJob_shouldBeRequeuedWithANewEpoch_andFinishOnAnotherRunner() throws Exception {
        String runId = pushRun("""
                jobs:
                  slow:
                    steps:
                      - run: sleep 4 && echo finished
                """);
        try (RunnerPool pool = RunnerPool.start(2, plane.runnerTarget(), Files.createTempDirectory("delta-sweep-"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> store.getJob(runId, "slow").orElseThrow().state() == JobState.RUNNING);
            JobRecord leased = store.getJob(runId, "slow").orElseThrow();
            pool.process(leased.lease().owner()).destroyForcibly(); // SIGKILL, mid-step
            long killedAt = System.currentTimeMillis();

            // the lease expires after its TTL (+ skew allowance); only then may the sweeper act
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
                plane.sweepNow();
                return store.getJob(runId, "slow").orElseThrow().lease().epoch() >= 2;
            });
            long requeuedAfterMs = System.currentTimeMillis() - killedAt;
            await().atMost(Duration.ofSeconds(30)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());

            JobRecord finished = store.getJob(runId, "slow").orElseThrow();
            assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
            assertThat(finished.attempts().current()).isEqualTo(2);
            assertThat(finished.lease().epoch()).isEqualTo(3); // 1: first lease, 2: requeue, 3: second lease
            assertThat(finished.attempts().infraRetries()).isEqualTo(1);
            assertThat(finished.lease().owner()).isNotEqualTo(leased.lease().owner());
            assertThat(finished.attempts().history()).extracting(AttemptRecord::attempt, AttemptRecord::result, AttemptRecord::failureClass)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "QUEUED", "runner_lost"),
                            org.assertj.core.groups.Tuple.tuple(2, "SUCCEEDED", null));
            assertThat(requeuedAfterMs).isGreaterThanOrEqualTo(2000 - 700); // never before the lease could expire

            // the dead runner's epoch is fenced off for good
            RunnerApiClient ghost = plane.runnerClient(leased.lease().owner());
            assertThat(ghost.heartbeat(runId, "slow", leased.lease().epoch()).httpStatus()).isEqualTo(403);
            assertThat(ghost.complete(runId, "slow", leased.lease().epoch(), 1, leased.times().startedAtEpochMs(), 0, null, 1))
                    .isInstanceOf(LeaseLost.class);
            assertThat(store.getJob(runId, "slow").orElseThrow()).isEqualTo(finished);

            // the killed runner moved the lease-expiration count, as the runbook reads it
            assertThat(plane.metrics().sum(Metric.LEASE_EXPIRED, Map.of("outcome", "requeued"))).isEqualTo(1);
            assertThat(plane.metrics().sum(Metric.LEASE_ACQUIRED, Map.of())).isEqualTo(2);
            assertThat(plane.metrics().prometheus()).contains("delta_lease_expired_total{outcome=\"requeued\"} 1")
                    .contains("delta_job_finished_total{result=\"succeeded\"} 1")
                    .containsPattern("delta_dispatch_latency_milliseconds_count 2");
        }
    }

    @Test
    void silentRunner_shouldFailAsRunnerLost_onceTheBudgetIsSpent_andSkipDependants() throws Exception {
        String runId = pushRun("""
                jobs:
                  build:
                    steps: [{run: 'true'}]
                  deploy:
                    needs: build
                    steps: [{run: 'true'}]
                """);
        RunnerApiClient silent = plane.runnerClient("silent-runner");

        assertThat(silent.lease(runId, "build", 0).httpStatus()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
            plane.sweepNow();
            return store.getJob(runId, "build").orElseThrow().state() == JobState.QUEUED;
        });
        RunnerApiClient alsoSilent = plane.runnerClient("another-silent-runner");
        assertThat(alsoSilent.lease(runId, "build", 2).httpStatus()).as("the requeue's message carries epoch 2").isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
            plane.sweepNow();
            return store.getJob(runId, "build").orElseThrow().state().isTerminal();
        });

        JobRecord build = store.getJob(runId, "build").orElseThrow();
        assertThat(build.state()).isEqualTo(JobState.FAILED);
        assertThat(build.outcome().failureClass()).isEqualTo("runner_lost");
        assertThat(build.outcome().reason()).contains("runner " + alsoSilent.runnerId() + " stopped renewing its lease");
        assertThat(build.attempts().history()).extracting(AttemptRecord::result).containsExactly("QUEUED", "FAILED");
        assertThat(store.getJob(runId, "deploy").orElseThrow().state()).isEqualTo(JobState.SKIPPED);
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.FAILED);
    }

    @Test
    void sweeperRacingALiveHeartbeat_shouldLoseTheRace_andDispatchNothing() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'true'}]\n");
        RunnerApiClient runner = plane.runnerClient("live-runner");
        runner.lease(runId, "build", 0);
        JobRecord seenBySweeper = store.getJob(runId, "build").orElseThrow();
        SweepStore sweeps = new SweepStore(plane.plane().dynamo(), plane.plane().config().tableName(), Clock.systemUTC());
        int messagesBefore = StackContents.of(stack).queuedMessages();

        assertThat(runner.heartbeat(runId, "build", 1).httpStatus()).isEqualTo(200); // lands first
        boolean requeued = sweeps.requeueExpired(seenBySweeper, seenBySweeper.lease().expiresAtEpochMs() + 1,
                dev.deltaci.core.job.FailureClass.RUNNER_LOST).applied();

        assertThat(requeued).isFalse();
        JobRecord after = store.getJob(runId, "build").orElseThrow();
        assertThat(after.state()).isEqualTo(JobState.RUNNING);
        assertThat(after.lease().epoch()).isEqualTo(1);
        assertThat(StackContents.of(stack).queuedMessages()).isEqualTo(messagesBefore);
    }

    @Test
    void clockSkew_withinTheAllowance_neverRequeuesAHeartbeatingJob_beyondItWould() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'true'}]\n");
        RunnerApiClient runner = plane.runnerClient("live-runner");
        runner.lease(runId, "build", 0);
        // the sweeper's clock runs 1.5 s ahead of the functions' clock; the allowance is 2 s
        SweeperService skewed = sweeper(Clock.offset(Clock.systemUTC(), Duration.ofMillis(1500)), 2000);

        long until = System.currentTimeMillis() + 4000;
        while (System.currentTimeMillis() < until) {
            assertThat(runner.heartbeat(runId, "build", 1).httpStatus()).isEqualTo(200);
            assertThat(skewed.sweep().requeued()).isZero();
            Thread.sleep(600); // TTL 2 s, so heartbeats every TTL/3 or so
        }
        assertThat(store.getJob(runId, "build").orElseThrow().lease().epoch()).isEqualTo(1);

        // negative control: a clock 5 s ahead with no allowance takes a live job away
        SweepReport wrong = sweeper(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(5)), 0).sweep();
        assertThat(wrong.requeued()).isEqualTo(1);
    }

    @Test
    void lostQueueMessage_shouldBeSentAgain_andTheJobRun() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: echo reconciled}]\n");
        try (SqsClient sqs = stack.endpoints().sqsClient()) {
            sqs.purgeQueue(b -> b.queueUrl(plane.queueUrl())); // the message is lost
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> StackContents.of(stack).queuedMessages() == 0);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300))
                .until(() -> ((SweepReport) plane.sweepNow()).reenqueued() == 1);
        try (RunnerPool pool = RunnerPool.start(1, plane.runnerTarget(), Files.createTempDirectory("delta-sweep-"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
        }

        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        assertThat(store.getJob(runId, "build").orElseThrow().attempts().current()).isEqualTo(1);
    }

    @Test
    void jobNobodyTakes_shouldFailAfterItsQueueTimeout_sayingWhy() throws Exception {
        String runId = pushRun("""
                jobs:
                  build:
                    queue-timeout-minutes: 1
                    steps: [{run: 'true'}]
                """);

        SweepReport report = sweeper(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(61)), 500).sweep();

        assertThat(report.queueTimedOut()).isEqualTo(1);
        JobRecord build = store.getJob(runId, "build").orElseThrow();
        assertThat(build.state()).isEqualTo(JobState.FAILED);
        assertThat(build.outcome().failureClass()).isEqualTo("infra_error");
        assertThat(build.outcome().reason()).isEqualTo("waited 1 min in the queue; no runner took it within queue-timeout-minutes 1");
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.FAILED);
    }

    @Test
    void aRunWhoseEndWasLost_shouldBeEndedByTheSweeper_onceIdlePastTheAbandonedStartAge() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'true'}]\n");
        plane.runnerClient("runner-a").lease(runId, "build", 0);
        JobRecord leased = store.getJob(runId, "build").orElseThrow();
        // the job's end is written, and the function dies before its run's tally (nobody repeats the call)
        store.leases().complete(runId, "build", leased.lease().owner(), leased.lease().epoch(), 1,
                leased.times().startedAtEpochMs(), JobState.SUCCEEDED, 0, null, 1);
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.RUNNING);

        SweepReport early = sweeper(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(60)), 500).sweep();
        assertThat(early.runsEnded()).as("not idle long enough yet").isZero();
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.RUNNING);

        SweepReport report = sweeper(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(121)), 500).sweep();

        assertThat(report.runsEnded()).isEqualTo(1);
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        assertThat(sweeper(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(300)), 500).sweep().runsEnded())
                .as("an ended run is no longer live").isZero();
    }

    @Test
    void silentJobPastItsTimeout_shouldBeTimedOutByTheSweeper() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    timeout-minutes: 1\n    steps: [{run: sleep 600}]\n");
        plane.runnerClient("silent-runner").lease(runId, "build", 0);

        SweepReport report = sweeper(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(61)), 500).sweep();

        assertThat(report.timedOut()).isEqualTo(1);
        JobRecord build = store.getJob(runId, "build").orElseThrow();
        assertThat(build.state()).isEqualTo(JobState.TIMED_OUT);
        assertThat(build.outcome().failureClass()).isEqualTo("timeout");
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.FAILED);
    }
}
