package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.Lease;
import dev.deltaci.core.job.RunState;
import dev.deltaci.core.pipeline.JobSpec;
import dev.deltaci.core.pipeline.StepSpec;
import dev.deltaci.functions.queue.JobQueue;
import dev.deltaci.functions.run.JobLifecycle;
import dev.deltaci.functions.run.RunProgressor;
import dev.deltaci.functions.store.GateStore;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.RunRecord;
import dev.deltaci.functions.store.SweepStore;
import dev.deltaci.functions.sweeper.SweepPolicy;
import dev.deltaci.functions.sweeper.SweeperService;
import dev.deltaci.local.metrics.RequestCounter;
import dev.deltaci.local.stack.EmbeddedStack;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code delta bench sweep}: does a sweep cost more when the table holds a long history? Times
 * sweeps over a table with only live jobs, then again after adding N finished jobs (copies of a
 * real finished job item), and reports the ratio of the medians and the requests per sweep.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Sweep time with N finished jobs in the table, divided by sweep time with none "
                + "(the sweeper reads sparse indexes of live jobs only, so the target is <= 1.2).",
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:measured", "2:usage error", "3:the stack failed"})
final class SweepBench implements Callable<Integer> {

    private static final int LIVE_JOBS = 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--finished", paramLabel = "N", defaultValue = "100000",
            description = "Finished jobs to add to the table (default: ${DEFAULT-VALUE}).")
    int finished;

    @Option(names = "--sweeps", paramLabel = "K", defaultValue = "50",
            description = "Sweeps timed on each side; the median is compared (default: ${DEFAULT-VALUE}).")
    int sweeps;

    @Option(names = "--json", description = "Progress to stderr, one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (finished < 0 || sweeps < 1) {
            spec.commandLine().getErr().println("error: --finished must be >= 0 and --sweeps >= 1");
            return ExitCodes.USAGE_OR_CONFIG;
        }
        PrintWriter progress = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
        RequestCounter counter = new RequestCounter();
        try (EmbeddedStack stack = EmbeddedStack.start(null);
             DynamoDbClient dynamo = stack.endpoints().dynamoClient(counter);
             SqsClient sqs = stack.endpoints().sqsClient(counter)) {
            String table = stack.resources().ref("DeltaTable");
            Clock clock = Clock.systemUTC();
            JobStore store = new JobStore(dynamo, table, clock);
            JobQueue queue = new JobQueue(sqs, stack.resources().ref("JobQueue"));
            GateStore gates = new GateStore(dynamo, table, clock);
            SweepStore sweepStore = new SweepStore(dynamo, table, clock);
            RunProgressor progressor = new RunProgressor(store, queue, gates);
            SweeperService sweeper = new SweeperService(store, sweepStore, gates,
                    new JobLifecycle(store, sweepStore, queue, progressor), progressor, new SweepPolicy(Duration.ofSeconds(2), 3, Duration.ofMinutes(3), 200),
                    dev.deltaci.functions.metrics.Metrics.NONE,
                    clock);
            Map<String, AttributeValue> finishedItem = liveJobsAndOneFinished(store, dynamo, table);

            progress.printf("sweeping %d times with %d live jobs and no history…%n", sweeps, LIVE_JOBS);
            long before = medianSweepMicros(sweeper);
            counter.reset();
            sweeper.sweep();
            Map<String, Long> requestsPerSweep = counter.byOperation();

            progress.printf("adding %d finished jobs…%n", finished);
            long began = System.nanoTime();
            addCopies(dynamo, table, finishedItem, finished, progress);
            progress.printf("added in %.1f s; sweeping %d times again…%n", (System.nanoTime() - began) / 1e9, sweeps);
            long after = medianSweepMicros(sweeper);
            counter.reset();
            sweeper.sweep();

            Map<String, Object> result = new LinkedHashMap<>();
            result.put("finishedJobs", finished);
            result.put("liveJobs", LIVE_JOBS);
            result.put("sweeps", sweeps);
            result.put("medianSweepMicrosEmpty", before);
            result.put("medianSweepMicrosWithHistory", after);
            result.put("ratio", Math.round(1000.0 * after / before) / 1000.0);
            result.put("requestsPerSweepEmpty", requestsPerSweep);
            result.put("requestsPerSweepWithHistory", counter.byOperation());
            if (json) {
                spec.commandLine().getOut().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(result));
            } else {
                progress.printf("median sweep: %d µs with no history, %d µs with %d finished jobs: ratio %.3f%n"
                        + "requests per sweep: %s before, %s after%n", before, after, finished, (double) result.get("ratio"),
                        requestsPerSweep, counter.byOperation());
            }
            return ExitCodes.SUCCEEDED;
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return ExitCodes.INTERNAL;
        }
    }

    /** Live running jobs (unexpired leases) for the indexes to hold, and one job run to completion to copy. */
    private static Map<String, AttributeValue> liveJobsAndOneFinished(JobStore store, DynamoDbClient dynamo, String table) {
        JobSpec spec = JobSpec.simple("job", List.of(), List.of(StepSpec.run(null, "true")));
        Lease.Policy lease = new Lease.Policy(Duration.ofMinutes(10), Duration.ofSeconds(10));
        for (int i = 0; i <= LIVE_JOBS; i++) {
            RunRecord run = new RunRecord("bench-live-" + i, "bench/sweep", "/dev/null", "0".repeat(40),
                    "refs/heads/main", "push", RunState.PENDING, null, null, 1, true, 0, 0, null, null, false, Map.of(), false);
            store.createRunIfAbsent(run);
            store.createJobIfAbsent(run, spec, JobState.QUEUED, dev.deltaci.functions.store.JobPlace.UNKNOWN);
            store.leases().lease(run.runId(), "job", "bench-runner", 0, lease);
        }
        JobRecord job = store.getJob("bench-live-0", "job").orElseThrow();
        store.leases().complete(job.runId(), job.jobKey(), "bench-runner", job.lease().epoch(), job.attempts().current(),
                job.times().startedAtEpochMs(), JobState.SUCCEEDED, 0, null, 1);
        return dynamo.getItem(b -> b.tableName(table).consistentRead(true).key(Map.of(
                "pk", AttributeValue.fromS("RUN#bench-live-0"), "sk", AttributeValue.fromS("JOB#job")))).item();
    }

    private static void addCopies(DynamoDbClient dynamo, String table, Map<String, AttributeValue> item, int count,
                                  PrintWriter progress) {
        List<WriteRequest> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, AttributeValue> copy = new HashMap<>(item);
            copy.put("pk", AttributeValue.fromS("RUN#bench-done-" + (i / 10)));
            copy.put("sk", AttributeValue.fromS("JOB#job-" + (i % 10)));
            batch.add(WriteRequest.builder().putRequest(PutRequest.builder().item(copy).build()).build());
            if (batch.size() == 25 || i == count - 1) {
                List<WriteRequest> pending = batch;
                while (!pending.isEmpty()) {
                    List<WriteRequest> send = pending;
                    BatchWriteItemResponse response = dynamo.batchWriteItem(b -> b.requestItems(Map.of(table, send)));
                    pending = response.unprocessedItems().getOrDefault(table, List.of());
                }
                batch = new ArrayList<>();
            }
            if ((i + 1) % 20_000 == 0) {
                progress.printf("  %d / %d%n", i + 1, count);
            }
        }
    }

    private long medianSweepMicros(SweeperService sweeper) {
        for (int i = 0; i < Math.min(10, sweeps); i++) {
            sweeper.sweep(); // warm up
        }
        long[] micros = new long[sweeps];
        for (int i = 0; i < sweeps; i++) {
            long t = System.nanoTime();
            sweeper.sweep();
            micros[i] = (System.nanoTime() - t) / 1000;
        }
        java.util.Arrays.sort(micros);
        return micros[sweeps / 2];
    }
}
