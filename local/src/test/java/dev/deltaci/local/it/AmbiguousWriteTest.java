package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deltaci.api.CompleteReply;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.Conditions;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.chaos.FaultInjector.Fault;
import dev.deltaci.local.chaos.FaultInjector;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.local.support.StackContents;
import dev.deltaci.runner.RunnerApiClient;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;

/**
 * Writes that were applied but reported as failed (5xx, throttling), injected with an SDK
 * interceptor on the functions' clients: the SDK retries for real, and every retry must
 * recognise its own earlier success instead of reporting a conflict or doing the work twice.
 */
class AmbiguousWriteTest extends PlaneTest {

    private static final Predicate<SdkRequest> LEASE = r -> r instanceof UpdateItemRequest u
            && Conditions.LEASE_UPDATE.equals(u.updateExpression());
    private static final Predicate<SdkRequest> HEARTBEAT = r -> r instanceof UpdateItemRequest u
            && Conditions.HEARTBEAT_UPDATE.equals(u.updateExpression());
    private static final Predicate<SdkRequest> COMPLETE = r -> r instanceof UpdateItemRequest u
            && Conditions.COMPLETE_UPDATE.equals(u.updateExpression());
    private static final Predicate<SdkRequest> CREATE_RUN = r -> r instanceof PutItemRequest p
            && p.item().containsKey("type") && "run".equals(p.item().get("type").s());
    private static final Predicate<SdkRequest> ENQUEUE = r -> r instanceof SendMessageBatchRequest;

    private final FaultInjector faults = new FaultInjector();

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options o) {
        return o.withInterceptors(List.of(faults)).withScheduleInterval(null);
    }

    @Test
    void leaseHeartbeatAndComplete_shouldEachSucceedOnce_whenTheirWriteIsAppliedButReportedFailed() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'true'}]\n");
        RunnerApiClient runner = plane.runnerClient("runner-a");

        faults.inject(LEASE, Fault.SERVER_ERROR, 1);
        var lease = runner.lease(runId, "build", 0);
        faults.inject(HEARTBEAT, Fault.THROTTLING, 1);
        var heartbeat = runner.heartbeat(runId, "build", 1);
        JobRecord leased = store.getJob(runId, "build").orElseThrow();
        faults.inject(COMPLETE, Fault.SERVER_ERROR, 1);
        var complete = runner.complete(runId, "build", 1, 1, leased.times().startedAtEpochMs(), 0, null, 0);

        assertThat(faults.injected()).isEqualTo(3);
        assertThat(lease.httpStatus()).isEqualTo(200);
        assertThat(((LeaseReply.Leased) lease).lease().epoch()).isEqualTo(1);
        assertThat(heartbeat.httpStatus()).isEqualTo(200);
        assertThat(complete.httpStatus()).isEqualTo(200);
        assertThat(complete).isInstanceOf(CompleteReply.AlreadyCompleted.class);
        JobRecord done = store.getJob(runId, "build").orElseThrow();
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.lease().epoch()).isEqualTo(1);
        assertThat(done.attempts().history()).hasSize(1);
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
    }

    @Test
    void lease_shouldRecover_whenEveryRetryFails_andTheRunnerAsksAgain() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'true'}]\n");
        RunnerApiClient runner = plane.runnerClient("runner-a");

        faults.inject(LEASE, Fault.THROTTLING, 10); // more than the SDK's attempts: the call fails
        var failed = runner.lease(runId, "build", 0);
        faults.clear();
        var again = runner.lease(runId, "build", 0); // the message comes back

        assertThat(failed.httpStatus()).isEqualTo(500);
        assertThat(again.httpStatus()).isEqualTo(200);
        assertThat(((LeaseReply.Leased) again).lease().epoch()).isEqualTo(1);
        assertThat(plane.runnerClient("runner-b").lease(runId, "build", 0).httpStatus()).isEqualTo(409);
    }

    @Test
    void webhook_shouldCreateOneRunAndRunEachJobOnce_whenItsWritesAndSendsAreAmbiguous() throws Exception {
        faults.inject(CREATE_RUN, Fault.SERVER_ERROR, 1);
        faults.inject(ENQUEUE, Fault.SERVER_ERROR, 1); // the batch is sent twice: a duplicate message

        String runId = pushRun("""
                jobs:
                  build:
                    steps: [{run: echo once}]
                  test:
                    needs: build
                    steps: [{run: echo once}]
                """);
        try (RunnerPool pool = RunnerPool.start(2, plane.runnerTarget(), Files.createTempDirectory("delta-ambiguous-"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
            await().atMost(Duration.ofSeconds(10)).until(() -> StackContents.of(stack).queuedMessages() == 0);
        }

        assertThat(faults.injected()).isEqualTo(2);
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        for (JobRecord job : store.listJobs(runId)) {
            assertThat(job.attempts().current()).isEqualTo(1);
            assertThat(job.lease().epoch()).as("leased exactly once").isEqualTo(1);
            assertThat(job.attempts().history()).hasSize(1);
        }
    }
}
