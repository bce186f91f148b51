package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.Lease;
import dev.deltaci.core.job.RunState;
import dev.deltaci.core.pipeline.JobSpec;
import dev.deltaci.core.pipeline.StepSpec;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.LeaseOutcome;
import dev.deltaci.functions.store.RunRecord;
import dev.deltaci.local.stack.AwsStack;
import dev.deltaci.local.support.TestStacks;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/** Many runners, one job: the conditional lease lets exactly one of them in. */
class LeaseRaceTest {

    private static final int RUNNERS = 20;
    private static final Lease.Policy POLICY = new Lease.Policy(Duration.ofSeconds(30), Duration.ofSeconds(10));

    private static AwsStack stack;
    private static DynamoDbClient dynamo;
    private static JobStore store;

    @BeforeAll
    static void startStack() {
        stack = TestStacks.start();
        dynamo = stack.endpoints().dynamoClient();
        store = new JobStore(dynamo, stack.resources().ref("DeltaTable"), Clock.systemUTC());
    }

    @AfterAll
    static void stopStack() {
        dynamo.close();
        stack.close();
    }

    private static String queuedJob() {
        String runId = "r-" + UUID.randomUUID();
        RunRecord run = new RunRecord(runId, "t/race", "/tmp/none", "0".repeat(40), "refs/heads/main", "push",
                RunState.PENDING, null, null, 1, true, 1, 1, null, null, false, Map.of(), false);
        store.createRunIfAbsent(run);
        store.createJobIfAbsent(run, JobSpec.simple("build", List.of(), List.of(StepSpec.run(null, "true"))), JobState.QUEUED, dev.deltaci.functions.store.JobPlace.UNKNOWN);
        return runId;
    }

    /** Runs {@code RUNNERS} calls released at the same instant. */
    private static <T> List<T> race(java.util.function.IntFunction<Callable<T>> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(RUNNERS);
        CountDownLatch ready = new CountDownLatch(RUNNERS);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 0; i < RUNNERS; i++) {
            Callable<T> task = call.apply(i);
            futures.add(pool.submit(() -> {
                ready.countDown();
                go.await();
                return task.call();
            }));
        }
        ready.await();
        go.countDown();
        List<T> results = new ArrayList<>();
        for (Future<T> f : futures) {
            results.add(f.get());
        }
        pool.shutdown();
        return results;
    }

    @Test
    void lease_shouldLetExactlyOneRunnerIn_whenTwentyRaceForOneJob() throws Exception {
        String runId = queuedJob();

        List<LeaseOutcome> outcomes = race(i -> () -> store.leases().lease(runId, "build", "runner-" + i, 0, POLICY));

        List<LeaseOutcome.Acquired> winners = outcomes.stream()
                .filter(LeaseOutcome.Acquired.class::isInstance).map(LeaseOutcome.Acquired.class::cast).toList();
        assertThat(winners).hasSize(1);
        assertThat(outcomes).filteredOn(LeaseOutcome.NotLeasable.class::isInstance).hasSize(RUNNERS - 1);
        JobRecord stored = store.getJob(runId, "build").orElseThrow();
        assertThat(stored.state()).isEqualTo(JobState.RUNNING);
        assertThat(stored.lease().epoch()).isEqualTo(1);
        assertThat(stored.lease().owner()).isEqualTo(winners.get(0).job().lease().owner());
    }

    @Test
    void lease_shouldAnswerAcquiredAgain_whenTheHolderRepeatsItsRequest() {
        String runId = queuedJob();
        LeaseOutcome first = store.leases().lease(runId, "build", "runner-a", 0, POLICY);

        // as if the first response had been lost and the runner retried the same call
        LeaseOutcome repeat = store.leases().lease(runId, "build", "runner-a", 0, POLICY);
        LeaseOutcome other = store.leases().lease(runId, "build", "runner-b", 0, POLICY);

        assertThat(first).isInstanceOf(LeaseOutcome.Acquired.class);
        assertThat(repeat).isInstanceOf(LeaseOutcome.Acquired.class);
        assertThat(((LeaseOutcome.Acquired) repeat).job().lease().epoch()).isEqualTo(1);
        assertThat(other).isInstanceOf(LeaseOutcome.NotLeasable.class);
        assertThat(((LeaseOutcome.NotLeasable) other).reason()).isEqualTo("stale message: job is at epoch 1, message carried 0");
    }

    /** Negative control: the same write without its condition lets every runner "win". */
    @Test
    void leaseWithoutCondition_shouldDoubleLease_provingTheRaceTestCanFail() throws Exception {
        String runId = queuedJob();

        List<Boolean> applied = race(i -> () -> {
            UpdateItemRequest conditional = store.leases().leaseRequest(runId, "build", "runner-" + i, List.of(), 0, POLICY);
            Map<String, AttributeValue> values = new HashMap<>(conditional.expressionAttributeValues());
            values.remove(":queued");
            values.remove(":expectedEpoch");
            values.remove(":preferOthersBefore");
            Map<String, String> names = new HashMap<>(conditional.expressionAttributeNames());
            names.remove("#queuedAtEpochMs");
            names.remove("#labels");
            dynamo.updateItem(conditional.toBuilder().conditionExpression(null)
                    .returnValuesOnConditionCheckFailure((String) null)
                    .expressionAttributeNames(names).expressionAttributeValues(values).build());
            return true;
        });

        assertThat(applied).hasSize(RUNNERS).containsOnly(true);
    }
}
