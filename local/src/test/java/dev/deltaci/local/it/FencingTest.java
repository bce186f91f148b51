package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deltaci.api.CompleteReply;
import dev.deltaci.api.JobMessage;
import dev.deltaci.api.LeaseLost;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.logs.LogStore;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.local.support.StackContents;
import dev.deltaci.runner.RunnerApiClient;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Epoch fencing through the runner API, and late messages through real runner processes. */
class FencingTest extends PlaneTest {



    @Test
    void runnerApi_shouldRejectStaleEpochsAndOtherRunners_andChangeNothing() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps:\n      - run: 'true'\n");
        RunnerApiClient runnerA = plane.runnerClient("runner-a");
        RunnerApiClient runnerB = plane.runnerClient("runner-b");
        var leaseAnswer = runnerA.lease(runId, "build", 0);
        assertThat(leaseAnswer.httpStatus()).isEqualTo(200);
        assertThat(((LeaseReply.Leased) leaseAnswer).lease().completionTakesLastLog())
                .as("the runner may send the last chunk with the completion").isTrue();
        JobRecord leased = store.getJob(runId, "build").orElseThrow();
        long started = leased.times().startedAtEpochMs();

        var staleHeartbeat = runnerA.heartbeat(runId, "build", 0);
        var foreignHeartbeat = runnerB.heartbeat(runId, "build", 1);
        // completions carrying a last log chunk: a refused one stores no chunk either
        var staleComplete = runnerA.complete(runId, "build", 0, 1, started, 0, null, 1, null, Map.of(), "forged");
        var foreignComplete = runnerB.complete(runId, "build", 1, 1, started, 0, null, 1, null, Map.of(), "forged");
        var staleLog = runnerA.uploadLog(runId, "build", 0, 0, "forged");
        var secondLease = runnerB.lease(runId, "build", 0);

        assertThat(List.of(staleHeartbeat, foreignHeartbeat, staleComplete, foreignComplete, staleLog))
                .as("acting on a job one does not lease").allSatisfy(reply -> assertThat(reply).isInstanceOf(LeaseLost.class));
        assertThat(secondLease).as("asking for a lease someone holds").isInstanceOf(LeaseReply.NotLeasable.class);
        assertThat(staleComplete).isEqualTo(new LeaseLost("stale epoch 0; the lease is at epoch 1"));
        assertThat(foreignComplete).isEqualTo(new LeaseLost("the lease at epoch 1 is held by another runner"));
        assertThat(store.getJob(runId, "build").orElseThrow()).isEqualTo(leased);
        assertThat(StackContents.of(stack).bucketObjects()).isZero();
        // every refused write was a conditional check that did not hold, and the metrics say so
        assertThat(plane.metrics().sum(Metric.CONDITIONAL_CHECK_FAILED, Map.of("operation", "UpdateItem")))
                .isGreaterThanOrEqualTo(5);
        assertThat(plane.metrics().prometheus()).contains("delta_dynamo_db_write_latency_milliseconds_count{operation=\"UpdateItem\"}");

        var accepted = runnerA.complete(runId, "build", 1, 1, started, 0, null, 1, null, Map.of(), "the end\n");
        var repeated = runnerA.complete(runId, "build", 1, 1, started, 0, null, 1, null, Map.of(), "the end\n");
        var lateHeartbeat = runnerA.heartbeat(runId, "build", 1);

        assertThat(accepted).isInstanceOf(CompleteReply.Accepted.class);
        assertThat(repeated.httpStatus()).isEqualTo(200);
        assertThat(repeated).isInstanceOf(CompleteReply.AlreadyCompleted.class);
        assertThat(lateHeartbeat).isEqualTo(new LeaseLost("job is SUCCEEDED"));
        assertThat(plane.plane().logStore().read(LogStore.chunkKey(runId, "build", 1, 0)))
                .as("the chunk the completion carried").contains("the end\n");
        assertThat(StackContents.of(stack).bucketObjects()).isEqualTo(1);
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
    }

    @Test
    void runners_shouldDropLateDuplicateMessages_forFinishedJobs_changingNothing() throws Exception {
        String runId = pushRun("""
                jobs:
                  build:
                    steps:
                      - run: echo built
                  test:
                    needs: build
                    steps:
                      - run: echo tested
                """);
        java.nio.file.Path work = Files.createTempDirectory("delta-fencing-");
        try (RunnerPool pool = RunnerPool.start(2, plane.runnerTarget(), work);
             SqsClient sqs = stack.endpoints().sqsClient()) {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
            assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
            List<JobRecord> finished = store.listJobs(runId);
            LogStore logs = plane.plane().logStore();
            for (JobRecord job : finished) {
                assertThat(job.outcome().logChunks()).isPositive();
                assertThat(logs.listChunks(runId, job.jobKey(), job.lease().epoch())).hasSize(job.outcome().logChunks());
            }
            assertThat(logs.read(LogStore.chunkKey(runId, "test", 1, 0))).contains("tested");

            // every message ever sent for these jobs, delivered again, late
            for (JobRecord job : finished) {
                for (int i = 0; i < 3; i++) {
                    sqs.sendMessage(b -> b.queueUrl(plane.queueUrl()).messageBody(new JobMessage(runId, job.jobKey(), 0).toJson()));
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> StackContents.of(stack).queuedMessages() == 0);

            assertThat(store.listJobs(runId)).isEqualTo(finished);
            assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        }
    }
}
