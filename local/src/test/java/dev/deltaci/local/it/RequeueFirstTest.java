package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deltaci.api.JobMessage;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.runner.RunnerAgent;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * A job whose runner was lost goes back to the queue ahead of the work already waiting: the
 * sweeper sends it to the retry queue too, which a runner between jobs looks at first.
 */
class RequeueFirstTest extends PlaneTest {

    private static final int WAITING = 500;

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options o) {
        return o.withEnvironment(Map.of("LEASE_TTL_SECONDS", "2", "CLOCK_SKEW_ALLOWANCE_MS", "500"))
                .withScheduleInterval(null);
    }

    @Test
    void aJobRequeuedAfterItsRunnerWasLost_shouldBeLeasedNext_aheadOf500WaitingMessages() throws Exception {
        String runId = pushRun("jobs:\n  victim:\n    steps: [{run: echo survived}]\n");
        // its runner takes it and dies at once: no heartbeat ever comes
        assertThat(plane.runnerClient("doomed").lease(runId, "victim", 0).httpStatus()).isEqualTo(200);

        try (SqsClient sqs = stack.endpoints().runnerSqsClient()) {
            // 500 messages wait in the job queue ahead of whatever comes next (each costs a runner a lease call)
            for (int batch = 0; batch < WAITING / 10; batch++) {
                List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i)).messageBody(
                            new JobMessage("r-00000000000000" + String.format("%02d", batch % 100), "waiting-" + i, 0,
                                    List.of()).toJson()).build());
                }
                sqs.sendMessageBatch(b -> b.queueUrl(plane.queueUrl()).entries(entries));
            }
            RunnerAgent agent = new RunnerAgent(sqs, plane.queueUrl(), plane.runnerClient("alive"),
                    Files.createTempDirectory("delta-requeue-"), 1, 1, 1000, 200, Duration.ofMinutes(1));
            Thread loop = new Thread(() -> agent.runLoop(0), "alive-runner");
            loop.start();
            try {
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    plane.sweepNow();
                    return store.getJob(runId, "victim").orElseThrow().lease().epoch() >= 2;
                });
                long requeuedAt = System.nanoTime();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                        .until(() -> store.getJob(runId, "victim").orElseThrow().lease().epoch() >= 3);
                long leasedAfterMs = Duration.ofNanos(System.nanoTime() - requeuedAt).toMillis();
                int stillWaiting = Integer.parseInt(sqs.getQueueAttributes(b -> b.queueUrl(plane.queueUrl())
                        .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                        .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));

                // within the runner's one-second look at the retry queue (plus a job's worth of work), not after
                // the queue ahead of it
                assertThat(leasedAfterMs).isLessThan(2000);
                assertThat(stillWaiting).as("messages still ahead of it in the job queue").isGreaterThan(100);
                await().atMost(Duration.ofSeconds(20)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
                JobRecord victim = store.getJob(runId, "victim").orElseThrow();
                assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
                assertThat(victim.attempts().current()).isEqualTo(2);
                assertThat(victim.lease().owner()).startsWith("alive");
            } finally {
                agent.stop();
                loop.join(10_000);
            }
        }
    }
}
