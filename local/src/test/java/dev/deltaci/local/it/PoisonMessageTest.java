package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.Conditions;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.sweeper.SweepReport;
import dev.deltaci.local.chaos.FaultInjector;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.repo.LocalRepository;
import dev.deltaci.local.stack.AwsStack;
import dev.deltaci.local.support.Fixtures;
import dev.deltaci.local.support.TestStacks;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** A message whose job cannot be leased again and again goes to the DLQ; the job is then recovered from DynamoDB. */
class PoisonMessageTest {

    @Test
    void poisonMessage_shouldLandInTheDeadLetterQueue_andItsJobStillRun() throws Exception {
        FaultInjector faults = new FaultInjector()
                .inject(r -> r instanceof UpdateItemRequest u && Conditions.LEASE_UPDATE.equals(u.updateExpression()),
                        FaultInjector.Fault.UNREACHABLE, 1_000);
        try (AwsStack stack = TestStacks.start();
             LocalControlPlane plane = new LocalControlPlane(stack, LocalControlPlane.Options.defaults("s")
                     .withInterceptors(List.of(faults)).withEnvironment(Map.of("RECONCILE_AFTER_SECONDS", "2"))
                     .withScheduleInterval(null));
             LocalRepository repo = Fixtures.repoWithPipeline("jobs:\n  build:\n    steps: [{run: echo recovered}]\n");
             SqsClient sqs = stack.endpoints().sqsClient();
             RunnerPool pool = RunnerPool.start(1, plane.runnerTarget(), Files.createTempDirectory("delta-poison-"))) {
            JobStore store = plane.plane().jobStore();
            String runId = new ObjectMapper().readTree(GitHubPush.send(plane.apiUrl(), "s", GitHubPush.payload(repo)).body())
                    .get("runId").asText();
            String dlq = stack.resources().ref("JobDeadLetterQueue");

            // every lease call fails; after maxReceiveCount (5) receives the queue gives the message up
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> Integer.parseInt(
                    sqs.getQueueAttributes(b -> b.queueUrl(dlq).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                            .attributes().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)) == 1);
            assertThat(store.getJob(runId, "build").orElseThrow().state()).isEqualTo(JobState.QUEUED);
            assertThat(faults.injected()).isGreaterThanOrEqualTo(5);

            faults.clear(); // the control plane heals; DynamoDB still says the job is queued
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
                    .until(() -> ((SweepReport) plane.sweepNow()).reenqueued() == 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());

            assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
            assertThat(store.getJob(runId, "build").orElseThrow().lease().epoch()).isEqualTo(1);
        }
    }
}
