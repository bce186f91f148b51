package dev.deltaci.local.bench;

import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.RunRecord;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.metrics.RequestCounter;
import dev.deltaci.local.repo.LocalRepository;
import dev.deltaci.local.stack.CloudFormationTemplate;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.local.stack.EmbeddedStack;
import dev.deltaci.runner.RunnerAgent;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Dispatch latency of Delta CI against the floor of the protocols it is built on, in one run on
 * one embedded stack, with warm runners already long-polling:
 * <ul>
 *   <li>dispatch: a signed webhook of a one-job pipeline → the job's lease (RUNNING, its
 *       {@code startedAtEpochMs}) and → the run SUCCEEDED, one run at a time, and the phases in
 *       between from the job's timestamps (queued, leased, completed, run ended);</li>
 *   <li>floor: the same clients doing the bare minimum a dispatch needs — put an item, send a
 *       message, a long-polling receiver gets it, a conditional update, delete the message;</li>
 *   <li>throughput: one run of many trivial jobs (a matrix) on all the runners, after one unmeasured run of
 *       the same shape when there is a warm-up;</li>
 *   <li>AWS requests per job by service, control plane and runners apart (the sweeper is not
 *       running: it costs per minute, not per job);</li>
 *   <li>what 1,000 jobs cost at on-demand prices ({@link CostModel}), as one-job runs (the
 *       measured dispatch runs) and as jobs of one large run (the throughput run).</li>
 * </ul>
 */
public final class DispatchRun {

    /** What to measure; {@code noop}: runners lease and complete without running anything (the control plane alone). */
    public record Config(int runs, int warmup, int runners, int throughputJobs, Duration limit, boolean noop) {
        public Config {
            if (runs < 1 || warmup < 0 || runners < 1 || runners > 16 || throughputJobs < 1 || throughputJobs > 256) {
                throw new IllegalArgumentException("need runs >= 1, warmup >= 0, runners 1-16, throughput jobs 1-256");
            }
        }

        public Config(int runs, int warmup, int runners, int throughputJobs, Duration limit) {
            this(runs, warmup, runners, throughputJobs, limit, false);
        }
    }

    /** Milliseconds at the 50th, 90th and 99th percentile (nearest rank), and the sample count. */
    public record Percentiles(long p50, long p90, long p99, int n) {
        static Percentiles of(List<Long> samples) {
            List<Long> sorted = samples.stream().sorted().toList();
            return new Percentiles(rank(sorted, 50), rank(sorted, 90), rank(sorted, 99), sorted.size());
        }

        private static long rank(List<Long> sorted, int percentile) {
            int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
        }
    }

    /** The report; {@code ratio} is dispatch-to-lease over the floor, at each percentile. */
    public record Report(Map<String, Percentiles> floor, Map<String, Percentiles> dispatch, Map<String, Double> ratio,
                         Map<String, Object> throughput, Map<String, Map<String, Double>> requestsPerJob,
                         Map<String, Map<String, Double>> costPer1000Jobs) {
    }

    /** Function invocations so far: those behind the HTTP API, all of them, and their GB-seconds at the template's memory. */
    private record FunctionUse(long httpRequests, long invocations, double gbSeconds) {
        FunctionUse minus(FunctionUse before) {
            return new FunctionUse(httpRequests - before.httpRequests, invocations - before.invocations,
                    gbSeconds - before.gbSeconds);
        }
    }

    private static final String ONE_JOB = "jobs:\n  only:\n    steps:\n      - run: 'true'\n";
    private static final String FLOOR_QUEUE = "delta-bench-floor";

    private final Config config;
    private final PrintWriter progress;

    public DispatchRun(Config config, PrintWriter progress) {
        this.config = config;
        this.progress = progress;
    }

    public Report run() throws Exception {
        RequestCounter controlPlane = new RequestCounter();
        RequestCounter runnerSide = new RequestCounter();
        Path work = Files.createTempDirectory("delta-bench-dispatch-");
        List<RunnerAgent> agents = new ArrayList<>();
        try (EmbeddedStack stack = EmbeddedStack.start(null);
             LocalControlPlane plane = new LocalControlPlane(stack, LocalControlPlane.Options.defaults("bench")
                     .withInterceptors(List.of(controlPlane)).withScheduleInterval(null));
             SqsClient runnerSqs = stack.endpoints().runnerSqsClient(runnerSide);
             DynamoDbClient floorDynamo = stack.endpoints().dynamoClient();
             SqsClient floorSqs = stack.endpoints().runnerSqsClient();
             LocalRepository oneJob = repository(work, "one", ONE_JOB);
             LocalRepository many = repository(work, "many", matrixOf(config.throughputJobs()))) {
            for (int i = 1; i <= config.runners(); i++) {
                RunnerAgent agent = new RunnerAgent(runnerSqs, plane.queueUrl(), plane.runnerClient("bench-runner-" + i),
                        Files.createDirectories(work.resolve("runner-" + i)), 20, 1, 1000, 1000, Duration.ofMinutes(1));
                if (config.noop()) {
                    agent.noop();
                }
                Thread loop = new Thread(() -> agent.runLoop(0), "bench-runner-" + i);
                loop.setDaemon(true);
                loop.start();
                agents.add(agent);
            }
            JobStore store = plane.plane().jobStore();
            CloudFormationTemplate template = stack.resources().template();
            String table = plane.plane().config().tableName();

            progress.printf("▸ floor: %d warm-up + %d rounds of put, send, long-poll receive, conditional update, delete%n",
                    config.warmup(), config.runs());
            Percentiles floor = floor(floorDynamo, floorSqs, table);

            progress.printf("▸ dispatch: %d warm-up + %d one-job runs, %d warm runners%n", config.warmup(), config.runs(),
                    config.runners());
            List<Long> toLease = new ArrayList<>();
            List<Long> toSucceeded = new ArrayList<>();
            // where a dispatch's time goes, from the job's own timestamps
            Map<String, List<Long>> phases = new LinkedHashMap<>();
            for (String phase : List.of("webhookToQueued", "queuedToLeased", "leasedToCompleted", "completedToRunEnd")) {
                phases.put(phase, new ArrayList<>());
            }
            byte[] payload = GitHubPush.payload(oneJob);
            FunctionUse measuredFrom = null;
            for (int i = 0; i < config.warmup() + config.runs(); i++) {
                if (i == config.warmup()) {
                    controlPlane.reset();
                    runnerSide.reset();
                    measuredFrom = functionUse(plane, template);
                }
                long sent = System.currentTimeMillis();
                String runId = runIdOf(GitHubPush.send(plane.apiUrl(), "bench", payload));
                RunRecord run = awaitTerminal(store, runId);
                JobRecord job = store.listJobs(runId).get(0);
                if (run.status() != RunState.SUCCEEDED) {
                    throw new IllegalStateException("dispatch run " + runId + " ended " + run.status());
                }
                if (i >= config.warmup()) {
                    toLease.add(job.times().startedAtEpochMs() - sent);
                    toSucceeded.add(run.updatedAtEpochMs() - sent);
                    phases.get("webhookToQueued").add(job.times().queuedAtEpochMs() - sent);
                    phases.get("queuedToLeased").add(job.times().startedAtEpochMs() - job.times().queuedAtEpochMs());
                    phases.get("leasedToCompleted").add(job.times().finishedAtEpochMs() - job.times().startedAtEpochMs());
                    phases.get("completedToRunEnd").add(run.updatedAtEpochMs() - job.times().finishedAtEpochMs());
                }
                if ((i + 1) % 50 == 0) {
                    progress.printf("  %d/%d%n", i + 1, config.warmup() + config.runs());
                }
            }

            Map<String, Map<String, Double>> cost = new LinkedHashMap<>();
            cost.put("oneJobRuns", CostModel.perThousandJobs(usage(config.runs(), controlPlane, runnerSide,
                    functionUse(plane, template).minus(measuredFrom)), CostModel.Prices.US_EAST_1));

            if (config.warmup() > 0) {
                // one unmeasured run of the same shape first: the measured one then meets compiled code and
                // loaded classes, as a warm function does, rather than the JVM's first minutes
                progress.printf("▸ throughput warm-up: %d jobs in one run%n", config.throughputJobs());
                awaitTerminal(store, runIdOf(GitHubPush.send(plane.apiUrl(), "bench", GitHubPush.payload(many))));
            }
            progress.printf("▸ throughput: %d jobs in one run on %d runners%n", config.throughputJobs(), config.runners());
            controlPlane.reset();
            runnerSide.reset();
            FunctionUse throughputFrom = functionUse(plane, template);
            long began = System.currentTimeMillis();
            String runId = runIdOf(GitHubPush.send(plane.apiUrl(), "bench", GitHubPush.payload(many)));
            RunRecord run = awaitTerminal(store, runId);
            long wallMs = run.updatedAtEpochMs() - began;
            if (run.status() != RunState.SUCCEEDED) {
                throw new IllegalStateException("throughput run " + runId + " ended " + run.status());
            }

            Map<String, Percentiles> dispatch = new LinkedHashMap<>();
            dispatch.put("toLease", Percentiles.of(toLease));
            dispatch.put("toSucceeded", Percentiles.of(toSucceeded));
            phases.forEach((phase, samples) -> dispatch.put(phase, Percentiles.of(samples)));
            Map<String, Double> ratio = new LinkedHashMap<>();
            ratio.put("p50", ratio(dispatch.get("toLease").p50(), floor.p50()));
            ratio.put("p90", ratio(dispatch.get("toLease").p90(), floor.p90()));
            ratio.put("p99", ratio(dispatch.get("toLease").p99(), floor.p99()));
            Map<String, Object> throughput = new LinkedHashMap<>();
            throughput.put("jobs", config.throughputJobs());
            throughput.put("runners", config.runners());
            throughput.put("wallMillis", wallMs);
            throughput.put("jobsPerSecond", round(config.throughputJobs() * 1000.0 / Math.max(1, wallMs)));
            throughput.put("noop", config.noop());
            // the store's own ceiling: its conditional-write rate from as many writers as runners,
            // over the conditional writes a job costs
            double writesPerJob = (double) controlPlane.dynamoDbWrites() / config.throughputJobs();
            progress.printf("▸ store: conditional puts of job-sized items from %d writers%n", config.runners());
            Map<String, AttributeValue> jobItem = floorDynamo.query(b -> b.tableName(table)
                    .keyConditionExpression("pk = :pk AND begins_with(sk, :job)")
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS("RUN#" + runId),
                            ":job", AttributeValue.fromS("JOB#"))).limit(1)).items().get(0);
            double storeRate = conditionalWriteRate(floorDynamo, table, config.runners(), jobItem);
            throughput.put("writesPerJob", round(writesPerJob));
            throughput.put("storeConditionalWritesPerSecond", round(storeRate));
            throughput.put("storeCeilingJobsPerSecond", round(storeRate / writesPerJob));
            throughput.put("ofCeiling", round(config.throughputJobs() * 1000.0 / Math.max(1, wallMs) / (storeRate / writesPerJob)));
            Map<String, Map<String, Double>> requests = new LinkedHashMap<>();
            requests.put("controlPlane", perJob(controlPlane));
            requests.put("runners", perJob(runnerSide));
            cost.put("jobsOfOneRun", CostModel.perThousandJobs(usage(config.throughputJobs(), controlPlane, runnerSide,
                    functionUse(plane, template).minus(throughputFrom)), CostModel.Prices.US_EAST_1));
            return new Report(Map.of("toLease", floor), dispatch, ratio, throughput, requests, cost);
        } finally {
            agents.forEach(RunnerAgent::stop);
            dev.deltaci.local.TempTrees.deleteQuietly(work);
        }
    }

    private static final int STORE_WRITES_PER_WRITER = 500;

    /**
     * Conditional puts per second ({@code attribute_not_exists}) from {@code writers} threads, each on
     * its own keys, of an item shaped like {@code sample} (a job of the throughput run: its size, and
     * the index attributes the store maintains for it).
     */
    private static double conditionalWriteRate(DynamoDbClient dynamo, String table, int writers,
                                               Map<String, AttributeValue> sample) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        long began = System.nanoTime();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread thread = new Thread(() -> {
                for (int i = 0; i < STORE_WRITES_PER_WRITER; i++) {
                    Map<String, AttributeValue> item = new LinkedHashMap<>(sample);
                    item.put("pk", AttributeValue.fromS("BENCH#W" + writer + "#" + i));
                    dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
                }
            }, "bench-writer-" + w);
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        return writers * STORE_WRITES_PER_WRITER / seconds;
    }

    /** The bare protocol: item, message, receive by a long-polling consumer, conditional update, delete. */
    private Percentiles floor(DynamoDbClient dynamo, SqsClient sqs, String table) {
        String queueUrl = sqs.createQueue(b -> b.queueName(FLOOR_QUEUE)).queueUrl();
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < config.warmup() + config.runs(); i++) {
            String pk = "BENCH#" + i;
            long began = System.nanoTime();
            dynamo.putItem(b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS(pk),
                    "sk", AttributeValue.fromS("FLOOR"), "state", AttributeValue.fromS("QUEUED"))));
            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(pk));
            Message message;
            do {
                List<Message> received = sqs.receiveMessage(b -> b.queueUrl(queueUrl).waitTimeSeconds(20)
                        .maxNumberOfMessages(1)).messages();
                message = received.isEmpty() ? null : received.get(0);
            } while (message == null);
            String key = message.body();
            dynamo.updateItem(b -> b.tableName(table)
                    .key(Map.of("pk", AttributeValue.fromS(key), "sk", AttributeValue.fromS("FLOOR")))
                    .conditionExpression("#state = :queued")
                    .updateExpression("SET #state = :running")
                    .expressionAttributeNames(Map.of("#state", "state"))
                    .expressionAttributeValues(Map.of(":queued", AttributeValue.fromS("QUEUED"),
                            ":running", AttributeValue.fromS("RUNNING"))));
            String receipt = message.receiptHandle();
            sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(receipt));
            long tookMs = Duration.ofNanos(System.nanoTime() - began).toMillis();
            if (i >= config.warmup()) {
                samples.add(tookMs);
            }
        }
        sqs.deleteQueue(b -> b.queueUrl(queueUrl));
        return Percentiles.of(samples);
    }

    /** Counted requests and invocations as billed usage; each invocation's duration rounds up by up to 1 ms. */
    private static CostModel.Usage usage(int jobs, RequestCounter controlPlane, RequestCounter runners, FunctionUse functions) {
        Map<String, Long> calls = controlPlane.byOperation();
        return new CostModel.Usage(jobs, functions.httpRequests(), functions.invocations(),
                functions.gbSeconds(), controlPlane.writeUnits(), controlPlane.readUnits(), 3,
                controlPlane.total("Sqs") + runners.total("Sqs"),
                calls.getOrDefault("S3:PutObject", 0L), calls.getOrDefault("S3:GetObject", 0L));
    }

    private static FunctionUse functionUse(LocalControlPlane plane, CloudFormationTemplate template) {
        long http = 0;
        long invocations = 0;
        double gbSeconds = 0;
        for (Map.Entry<String, Map<String, Object>> function
                : template.resourcesOfType("AWS::Serverless::Function").entrySet()) {
            Map<String, String> which = Map.of("function", function.getKey());
            long count = plane.metrics().count(Metric.FUNCTION_LATENCY, which);
            double millis = plane.metrics().sum(Metric.FUNCTION_LATENCY, which) + count;
            invocations += count;
            gbSeconds += millis / 1000 * template.functionMemoryMb(function.getKey()) / 1024.0;
            if (servesHttp(function.getValue())) {
                http += count;
            }
        }
        return new FunctionUse(http, invocations, gbSeconds);
    }

    @SuppressWarnings("unchecked")
    private static boolean servesHttp(Map<String, Object> function) {
        Map<String, Object> events = (Map<String, Object>) CloudFormationTemplate.properties(function)
                .getOrDefault("Events", Map.of());
        return events.values().stream().anyMatch(e -> "HttpApi".equals(((Map<String, Object>) e).get("Type")));
    }

    private RunRecord awaitTerminal(JobStore store, String runId) throws InterruptedException {
        long deadline = System.nanoTime() + config.limit().toNanos();
        while (System.nanoTime() < deadline) {
            RunRecord run = store.getRun(runId).orElseThrow();
            if (run.status().isTerminal()) {
                return run;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("run " + runId + " did not finish within " + config.limit());
    }

    private Map<String, Double> perJob(RequestCounter counter) {
        Map<String, Double> perJob = new LinkedHashMap<>();
        for (String service : List.of("DynamoDb", "Sqs", "S3")) {
            perJob.put(service, round((double) counter.total(service) / config.throughputJobs()));
        }
        return perJob;
    }

    private static String runIdOf(GitHubPush.Delivery delivery) throws IOException {
        if (delivery.status() != 201) {
            throw new IllegalStateException("the webhook answered " + delivery.status() + ": " + delivery.body());
        }
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(delivery.body()).get("runId").asText();
    }

    private static String matrixOf(int jobs) {
        StringBuilder values = new StringBuilder();
        for (int i = 1; i <= jobs; i++) {
            values.append(i == 1 ? "" : ", ").append(i);
        }
        return "jobs:\n  many:\n    strategy:\n      matrix:\n        i: [" + values + "]\n    steps:\n      - run: 'true'\n";
    }

    private static LocalRepository repository(Path work, String name, String pipeline) throws Exception {
        Path dir = Files.createDirectories(work.resolve("repo-" + name));
        Files.createDirectories(dir.resolve(".delta"));
        Files.writeString(dir.resolve(".delta/pipeline.yml"), pipeline);
        return LocalRepository.resolve(dir, null);
    }

    private static double ratio(long value, long floor) {
        return round((double) value / Math.max(1, floor));
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
