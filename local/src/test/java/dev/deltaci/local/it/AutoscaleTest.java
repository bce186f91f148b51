package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.AttemptRecord;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.ProcessFleet;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.PlaneTest;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * End to end with the scaler sizing a pool of runner processes (as {@code --autoscale} does): the
 * pool goes from zero to its max and back to zero while jobs run, and no job is interrupted by
 * scale-in — also when a runner is SIGKILLed while the pool shrinks.
 */
class AutoscaleTest extends PlaneTest {

    private static final int MAX = 4;
    private final ProcessFleet fleet = new ProcessFleet();

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options defaults) {
        // short leases: a killed runner's job comes back within seconds
        return defaults.withEnvironment(Map.of("LEASE_TTL_SECONDS", "6"))
                .withAutoscaling(fleet, ProcessFleet.GROUP, MAX, Duration.ofSeconds(1));
    }

    @BeforeEach
    void attachRunners() throws Exception {
        fleet.attach(RunnerPool.start(0, plane.runnerTarget(), Files.createTempDirectory("delta-autoscale-")));
    }

    @AfterEach
    void stopRunners() {
        fleet.close();
    }

    @Test
    void twentyJobsOfMixedLength_shouldScaleZeroToMaxAndBack_withNoJobInterrupted() throws Exception {
        // given no runners at all
        assertThat(fleet.stats().running()).isZero();
        StringBuilder pipeline = new StringBuilder("jobs:\n");
        String[] lengths = {"0.1", "1", "2", "4"};
        for (int i = 1; i <= 20; i++) {
            pipeline.append(String.format("  j%02d:%n    steps: [{run: 'sleep %s'}]%n", i, lengths[i % lengths.length]));
        }
        // when
        String runId = pushRun(pipeline.toString());
        AtomicInteger sizeWhileRunning = new AtomicInteger();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            sizeWhileRunning.accumulateAndGet(fleet.stats().running(), Math::max);
            return store.getRun(runId).orElseThrow().status().isTerminal();
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> fleet.stats().running() == 0);

        // then every job ran once, to its end: no attempt was cut short, none was lost with its runner
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        List<JobRecord> jobs = store.listJobs(runId);
        assertThat(jobs).hasSize(20).allSatisfy(job -> {
            assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(job.attempts().history()).as(job.jobKey() + " attempts").hasSize(1);
        });
        ProcessFleet.Stats stats = fleet.stats();
        assertThat(sizeWhileRunning.get()).as("the pool reached its max").isEqualTo(MAX);
        assertThat(stats.peak()).isEqualTo(MAX);
        assertThat(stats.running()).as("ends with no runner").isZero();
        assertThat(stats.stopped()).isEqualTo(stats.started());
        assertThat(stats.restarted()).isZero();
    }

    @Test
    void aRunnerKilledWhileThePoolScalesIn_shouldLoseNothing() throws Exception {
        // given four quick jobs and one long one: the quick ones' runners go idle and are drained
        // while the long one still runs
        String runId = pushRun("""
                jobs:
                  q1: {steps: [{run: 'sleep 0.2'}]}
                  q2: {steps: [{run: 'sleep 0.2'}]}
                  q3: {steps: [{run: 'sleep 0.2'}]}
                  long: {steps: [{run: 'sleep 8'}]}
                  after:
                    needs: [long]
                    steps: [{run: 'echo done'}]
                """);
        await().atMost(Duration.ofSeconds(60)).until(() -> fleet.stats().stopped() >= 1
                && store.getJob(runId, "long").orElseThrow().state() == JobState.RUNNING);
        // when, scale-in under way, the long job's runner is SIGKILLed
        String holder = store.getJob(runId, "long").orElseThrow().lease().owner();
        List<String> before = new ArrayList<>(fleet.instances());
        assertThat(fleet.kill(holder)).as("killed " + holder + " of " + before).isTrue();

        // then the job is run again, the run succeeds, and the pool still ends at zero
        await().atMost(Duration.ofSeconds(120)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
        await().atMost(Duration.ofSeconds(60)).until(() -> fleet.stats().running() == 0);
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        JobRecord longJob = store.getJob(runId, "long").orElseThrow();
        assertThat(longJob.attempts().history()).extracting(AttemptRecord::failureClass)
                .as("the killed attempt, then the one that ran it to the end").containsExactly("runner_lost", null);
        for (String key : List.of("q1", "q2", "q3", "after")) {
            assertThat(store.getJob(runId, key).orElseThrow().attempts().history()).as(key).hasSize(1);
        }
        assertThat(fleet.stats().running()).isZero();
    }
}
