package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.metrics.RequestCounter;
import dev.deltaci.local.repo.LocalRepository;
import dev.deltaci.local.stack.AwsStack;
import dev.deltaci.local.support.Fixtures;
import dev.deltaci.local.support.TestStacks;
import dev.deltaci.runner.RunnerAgent;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * How many DynamoDB, SQS and S3 requests one trivial job costs, end to end (webhook, lease,
 * log upload, completion, and the runner's own queue calls), counted by an SDK interceptor.
 * The bounds are today's protocol: a change that adds requests per job fails here on purpose.
 */
class CostPerJobTest {

    @Test
    void oneTrivialJob_shouldCostAFixedSmallNumberOfRequests() throws Exception {
        RequestCounter controlPlane = new RequestCounter();
        RequestCounter runner = new RequestCounter();
        try (AwsStack stack = TestStacks.start();
             LocalControlPlane plane = new LocalControlPlane(stack, LocalControlPlane.Options.defaults("s")
                     .withInterceptors(List.of(controlPlane)).withScheduleInterval(null));
             LocalRepository repo = Fixtures.repoWithPipeline("jobs:\n  only:\n    steps:\n      - run: echo hi\n");
             SqsClient runnerSqs = stack.endpoints().sqsClient(runner)) {
            String runId = new ObjectMapper().readTree(
                    GitHubPush.send(plane.apiUrl(), "s", GitHubPush.payload(repo)).body()).get("runId").asText();
            RunnerAgent agent = new RunnerAgent(runnerSqs, plane.queueUrl(),
                    plane.runnerClient("cost-runner"), Files.createTempDirectory("delta-cost-"), 1,
                    1, 1000, 60_000, Duration.ofMinutes(5));
            Thread loop = new Thread(() -> agent.runLoop(1));
            loop.start();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    plane.plane().jobStore().getRun(runId).orElseThrow().status().isTerminal());
            loop.join(10_000);

            assertThat(plane.plane().jobStore().getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
            JobRecord job = plane.plane().jobStore().listJobs(runId).get(0);
            System.out.printf("cost of one trivial job: control plane %s; runner %s%n",
                    controlPlane.byOperation(), runner.byOperation());
            assertThat(job.outcome().logChunks()).isEqualTo(1);
            // webhook 2 (put run, put job: the conditional put of the run finds a repeat without a read
            // before it, a push to the default branch that declares no schedule writes none, and the
            // root job's lease marks the start complete) + lease 2 (job, run RUNNING and started)
            // + complete 2 (the job; the run's only job ends the run in the write that tallies it, so
            // nothing reads the run); a log chunk costs none (its token fences it)
            assertThat(controlPlane.total("DynamoDb")).isEqualTo(6);
            assertThat(controlPlane.byOperation()).doesNotContainKeys("DynamoDb:GetItem", "DynamoDb:Query");
            // what on-demand billing charges: every write at least one unit
            assertThat(controlPlane.dynamoDbWrites()).isEqualTo(6);
            assertThat(controlPlane.writeUnits()).isGreaterThanOrEqualTo(controlPlane.dynamoDbWrites());
            assertThat(controlPlane.total("Sqs")).isEqualTo(1);
            assertThat(controlPlane.total("S3")).isEqualTo(job.outcome().logChunks());
            // the runner's look at the retry queue comes at most once a second, the first a second after it
            // starts: none within this job (delta bench dispatch counts them over a longer run)
            assertThat(runner.byOperation()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "Sqs:ReceiveMessage", 1L, "Sqs:DeleteMessage", 1L));
        }
    }
}
