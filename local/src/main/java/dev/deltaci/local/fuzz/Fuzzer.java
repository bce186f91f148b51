package dev.deltaci.local.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.job.Lease;
import dev.deltaci.core.pipeline.PipelineException;
import dev.deltaci.core.pipeline.PipelineParser;
import dev.deltaci.functions.artifacts.ArtifactStore;
import dev.deltaci.functions.attempt.RunnerApiService;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.logs.LogStore;
import dev.deltaci.functions.queue.JobQueue;
import dev.deltaci.functions.repo.PipelineSource;
import dev.deltaci.functions.run.JobLifecycle;
import dev.deltaci.functions.run.RunProgressor;
import dev.deltaci.functions.run.RunStarter;
import dev.deltaci.functions.security.GitHubSignature;
import dev.deltaci.functions.security.JobSecrets;
import dev.deltaci.functions.security.RunnerAuth;
import dev.deltaci.functions.security.WebhookSecret;
import dev.deltaci.functions.store.DeliveryStore;
import dev.deltaci.functions.store.GateStore;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.ScheduleStore;
import dev.deltaci.functions.store.SweepStore;
import dev.deltaci.functions.trigger.WebhookService;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.IntConsumer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Feeds hostile inputs to the code that meets the outside world — the webhook handler, every
 * runner-API action and the pipeline parser — and counts what must never happen: an exception
 * escaping (a crash), a 5xx answer, and state written while the input was rejected. The AWS
 * clients are in-memory ({@link RecordingAws}), so a run of 100,000 inputs takes seconds.
 */
public final class Fuzzer {

    /** What one target went through. {@code statuses} counts answers by HTTP status. */
    public record TargetReport(String target, int inputs, int crashes, int serverErrors, int writesOnReject,
                               Map<Integer, Integer> statuses, List<String> examples, long millis) {
        public boolean clean() {
            return crashes == 0 && serverErrors == 0 && writesOnReject == 0;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "fuzz-webhook-secret";
    private static final String REGISTRATION_TOKEN = "fuzz-registration-token";
    private static final String SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
    private static final String PIPELINE = """
            on: [push, pull_request]
            jobs:
              build:
                steps: [{run: make}]
            """;
    private static final List<String> PIPELINES = List.of(PIPELINE, """
            name: release
            on:
              push: {branches: [main], paths: ['src/**']}
              workflow_dispatch:
                inputs: {environment: {type: choice, options: [staging, production]}}
            concurrency: deploy-${{ delta.branch }}
            jobs:
              build:
                strategy: {matrix: {os: [linux, mac], jdk: [17, 21]}, max-parallel: 2}
                artifacts: [dist]
                labels: [linux]
                steps:
                  - uses: actions/checkout@v4
                  - run: echo ${{ matrix.os }} ${{ secrets.TOKEN }}
                    env: {A: '${{ inputs.environment }}'}
              deploy:
                needs: build
                if: success() && delta.branch == 'main'
                retry: {max: 2, when: [script_failure]}
                steps: [{run: ./deploy, timeout-minutes: 5, continue-on-error: true}]
            """);

    private Fuzzer() {
    }

    public static List<TargetReport> run(int inputsPerTarget, long seed, IntConsumer progress) {
        return List.of(webhook(inputsPerTarget, seed, progress), runnerApi(inputsPerTarget, seed + 1, progress),
                pipelineParser(inputsPerTarget, seed + 2, progress));
    }

    /** Signed and unsigned, well-formed and mangled push and pull_request deliveries. */
    public static TargetReport webhook(int inputs, long seed, IntConsumer progress) {
        RecordingAws aws = new RecordingAws();
        Clock clock = Clock.systemUTC();
        JobStore store = new JobStore(aws.dynamo(), "DeltaTable", clock);
        JobQueue queue = new JobQueue(aws.sqs(), "queue");
        RunProgressor progressor = new RunProgressor(store, queue, new GateStore(aws.dynamo(), "DeltaTable", clock));
        WebhookService webhook = new WebhookService(new RunStarter(store, queue, progressor, pipelines(),
                dev.deltaci.core.pipeline.PipelineLimits.DEFAULTS, clock),
                new ScheduleStore(aws.dynamo(), "DeltaTable"), WebhookSecret.of(SECRET), 1024 * 1024, clock,
                new DeliveryStore(aws.dynamo(), aws.s3(), "DeltaTable", "bucket", clock));
        Mutator mutator = new Mutator(seed);
        List<JsonNode> seeds = List.of(pushPayload(), pullRequestPayload());
        return drive("webhook", inputs, aws, progress, i -> {
            int kind = mutator.random().nextInt(10);
            byte[] body = kind == 0 ? mutator.damage(new byte[mutator.random().nextInt(64)])
                    : mutator.mutate(seeds.get(mutator.random().nextInt(seeds.size())));
            Map<String, String> headers = new HashMap<>();
            String[] events = {"push", "pull_request", "ping", "issues", "", mutator.text()};
            int event = mutator.random().nextInt(10);
            if (event < 9) {
                headers.put(WebhookService.EVENT_HEADER, events[Math.min(event / 2, events.length - 1)]);
            }
            headers.put(WebhookService.DELIVERY_HEADER, mutator.random().nextInt(5) == 0 ? mutator.text()
                    : UUID.randomUUID().toString());
            int signature = mutator.random().nextInt(20);
            if (signature < 17) {
                headers.put(GitHubSignature.HEADER, GitHubSignature.sign(SECRET.getBytes(StandardCharsets.UTF_8), body));
            } else if (signature < 19) {
                headers.put(GitHubSignature.HEADER, "sha256=" + mutator.text());
            }
            ApiResponse answer = webhook.handle(headers, body);
            return new Outcome(answer.status(), answer.status() >= 400 || answer.status() == 202 || answer.status() == 200,
                    "event=" + headers.get(WebhookService.EVENT_HEADER) + " body=" + preview(body));
        });
    }

    /** Every runner-API action, with valid, foreign and mangled credentials and mangled bodies. */
    public static TargetReport runnerApi(int inputs, long seed, IntConsumer progress) {
        RecordingAws aws = new RecordingAws();
        Clock clock = Clock.systemUTC();
        JobStore store = new JobStore(aws.dynamo(), "DeltaTable", clock);
        JobQueue queue = new JobQueue(aws.sqs(), "queue");
        RunnerAuth auth = RunnerAuth.of("{\"signingKey\": \"" + "5a".repeat(32) + "\", \"registrationTokens\": [{\"sha256\": \""
                + RunnerAuth.tokenHash(REGISTRATION_TOKEN) + "\", \"pool\": \"fuzz\", \"labels\": [\"linux\"]}]}",
                Duration.ofHours(1), clock);
        S3Presigner presigner = S3Presigner.builder().region(Region.US_EAST_1).endpointOverride(URI.create("http://127.0.0.1:1"))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("fuzz", "fuzz"))).build();
        RunnerApiService api = new RunnerApiService(store, new LogStore(aws.s3(), "bucket"),
                new ArtifactStore(presigner, aws.s3(), "bucket", clock), auth, JobSecrets.NONE,
                new JobLifecycle(store, new SweepStore(aws.dynamo(), "DeltaTable", clock), queue,
                        new RunProgressor(store, queue, new GateStore(aws.dynamo(), "DeltaTable", clock))),
                new dev.deltaci.functions.store.OpsStore(aws.dynamo(), "DeltaTable", clock),
                new Lease.Policy(Duration.ofSeconds(30), Duration.ofSeconds(10)), 3, dev.deltaci.functions.metrics.Metrics.NONE,
                clock, null, new dev.deltaci.functions.store.FleetStore(aws.dynamo(), "DeltaTable", clock),
                dev.deltaci.functions.scale.RunnerPools.none(), new dev.deltaci.functions.security.AwsInstanceIdentity(
                        URI.create("http://127.0.0.1:1/"), "delta-ci", clock), null);
        String own = "Bearer " + auth.encode(auth.issue("fuzz-runner", "fuzz", List.of("linux")));
        String other = "Bearer " + auth.encode(auth.issue("other-runner", "fuzz", List.of()));
        Mutator mutator = new Mutator(seed);
        String[] actions = {"register", "renew", "presence", "lease", "heartbeat", "logs", "complete", "artifacts", "", "LEASE", "../lease"};
        try (presigner) {
            return drive("runner API", inputs, aws, progress, i -> {
                String action = actions[mutator.random().nextInt(actions.length)];
                JsonNode seedBody = runnerBody(action);
                byte[] body = mutator.random().nextInt(8) == 0 ? JSON.writeValueAsBytes(seedBody) : mutator.mutate(seedBody);
                int who = mutator.random().nextInt(10);
                String authorization = who < 6 ? own : who < 7 ? other : who < 8 ? null
                        : "Bearer " + new String(mutator.mutate(JSON.valueToTree(own.substring(7))), StandardCharsets.UTF_8);
                ApiResponse answer = api.handle(action, authorization, body);
                return new Outcome(answer.status(), answer.status() >= 400, "action=" + action + " body=" + preview(body));
            });
        }
    }

    /** Mangled pipeline files: every problem must be a positioned config error. */
    public static TargetReport pipelineParser(int inputs, long seed, IntConsumer progress) {
        Mutator mutator = new Mutator(seed);
        String[] tokens = {":", "- ", "{", "}", "[", "]", "${{", "}}", "&a", "*a", "!!binary", "\t", "\n  ", "'", "\"",
                "jobs:", "steps:", "needs: [x]", "on:", "\u0000", "? ", "|", ">-", "<<: *a"};
        return drive("pipeline parser", inputs, new RecordingAws(), progress, i -> {
            StringBuilder yaml = new StringBuilder(PIPELINES.get(mutator.random().nextInt(PIPELINES.size())));
            for (int edits = 1 + mutator.random().nextInt(4); edits > 0; edits--) {
                int at = mutator.random().nextInt(yaml.length() + 1);
                switch (mutator.random().nextInt(3)) {
                    case 0 -> yaml.insert(at, tokens[mutator.random().nextInt(tokens.length)]);
                    case 1 -> yaml.delete(at, Math.min(yaml.length(), at + 1 + mutator.random().nextInt(20)));
                    default -> yaml.insert(at, mutator.text());
                }
            }
            try {
                PipelineParser.parse(PipelineParser.DEFAULT_PATH, yaml.toString());
                return new Outcome(200, false, "");
            } catch (PipelineException e) {
                boolean positioned = e.problems().stream().allMatch(p -> p.line() >= 1 && p.column() >= 1);
                if (!positioned) {
                    throw new IllegalStateException("a config error without a position: " + e.getMessage());
                }
                return new Outcome(400, true, "");
            }
        });
    }

    /** How one input was answered, and whether the answer was a refusal. */
    record Outcome(int status, boolean rejected, String input) {
    }

    @FunctionalInterface
    interface Attempt {
        Outcome run(int index) throws Exception;
    }

    static TargetReport drive(String target, int inputs, RecordingAws aws, IntConsumer progress, Attempt attempt) {
        long began = System.nanoTime();
        int crashes = 0;
        int serverErrors = 0;
        int writesOnReject = 0;
        Map<Integer, Integer> statuses = new TreeMap<>();
        List<String> examples = new ArrayList<>();
        for (int i = 0; i < inputs; i++) {
            int writesBefore = aws.writes.size();
            try {
                Outcome outcome = attempt.run(i);
                statuses.merge(outcome.status(), 1, Integer::sum);
                if (outcome.status() >= 500) {
                    serverErrors++;
                    example(examples, target + " answered " + outcome.status() + " to " + outcome.input());
                }
                if (outcome.rejected() && aws.writes.size() > writesBefore) {
                    writesOnReject++;
                    example(examples, target + " wrote " + aws.writes.subList(writesBefore, aws.writes.size())
                            + " while rejecting " + outcome.input());
                }
            } catch (Throwable e) {
                crashes++;
                if (System.getProperty("fuzz.debug") != null) {
                    e.printStackTrace();
                }
                StringBuilder where = new StringBuilder();
                for (int f = 0; f < Math.min(4, e.getStackTrace().length); f++) {
                    where.append(" at ").append(e.getStackTrace()[f]);
                }
                example(examples, target + " threw " + e + where + " on input " + i);
            }
            if (progress != null && (i + 1) % 10_000 == 0) {
                progress.accept(i + 1);
            }
        }
        return new TargetReport(target, inputs, crashes, serverErrors, writesOnReject, statuses, examples,
                (System.nanoTime() - began) / 1_000_000);
    }

    private static void example(List<String> examples, String text) {
        if (examples.size() < 5) {
            examples.add(text.length() > 400 ? text.substring(0, 400) + "…" : text);
        }
    }

    private static String preview(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, 160), StandardCharsets.UTF_8);
        return text.replaceAll("\\p{Cntrl}", "?");
    }

    private static PipelineSource pipelines() {
        return new PipelineSource() {
            @Override
            public Optional<String> read(String cloneUrl, String sha, String path) {
                return Optional.of(PIPELINE);
            }

            @Override
            public List<String> list(String cloneUrl, String sha, String directory) {
                return List.of();
            }

            @Override
            public List<String> changedFiles(String cloneUrl, String before, String after) {
                return List.of("src/A.java");
            }

            @Override
            public List<String> changedInPullRequest(String cloneUrl, String base, String head) {
                return List.of("src/A.java");
            }

            @Override
            public Optional<ResolvedRef> resolve(String cloneUrl, String ref) {
                return Optional.of(new ResolvedRef("refs/heads/main", SHA));
            }
        };
    }

    private static JsonNode pushPayload() {
        return json("{\"ref\":\"refs/heads/main\",\"before\":\"" + "0".repeat(40) + "\",\"after\":\"" + SHA + "\","
                + "\"created\":true,\"deleted\":false,\"repository\":{\"full_name\":\"octo/hello\","
                + "\"clone_url\":\"https://github.com/octo/hello.git\",\"default_branch\":\"main\"},"
                + "\"head_commit\":{\"id\":\"" + SHA + "\"}}");
    }

    private static JsonNode pullRequestPayload() {
        return json("{\"action\":\"opened\",\"number\":42,\"pull_request\":{\"head\":{\"ref\":\"feature\",\"sha\":\"" + SHA
                + "\",\"repo\":{\"full_name\":\"contributor/hello\",\"clone_url\":\"https://github.com/contributor/hello.git\"}},"
                + "\"base\":{\"ref\":\"main\",\"sha\":\"" + SHA + "\"}},\"repository\":{\"full_name\":\"octo/hello\"}}");
    }

    private static JsonNode runnerBody(String action) {
        if (action.equals("register")) {
            return json("{\"registrationToken\":\"" + REGISTRATION_TOKEN + "\",\"name\":\"fuzz-runner\",\"labels\":[\"linux\"]}");
        }
        if (action.equals("presence")) {
            return json("{\"state\":\"idle\"}");
        }
        return json("{\"runId\":\"r-0123456789abcdef\",\"jobKey\":\"build\",\"runnerId\":\"fuzz-runner\",\"epoch\":1,"
                + "\"seq\":0,\"text\":\"hello\\n\",\"attempt\":1,\"startedAtEpochMs\":1700000000000,\"exitCode\":0,"
                + "\"failureClass\":null,\"logChunks\":1}");
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
