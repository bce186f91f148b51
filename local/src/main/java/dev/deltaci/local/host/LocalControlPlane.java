package dev.deltaci.local.host;

import dev.deltaci.functions.github.GitHubApp;
import dev.deltaci.functions.metrics.DynamoDbMetrics;
import dev.deltaci.functions.metrics.MetricRegistry;
import dev.deltaci.functions.scale.RunnerFleet;
import dev.deltaci.functions.scale.RunnerPools;
import dev.deltaci.functions.security.ApiKeys;
import dev.deltaci.functions.security.HashedTokens;
import dev.deltaci.functions.security.JobSecrets;
import dev.deltaci.functions.security.RunnerAuth;
import dev.deltaci.functions.wiring.ControlPlane;
import dev.deltaci.functions.wiring.ControlPlaneConfig;
import dev.deltaci.local.stack.AwsEndpoints;
import dev.deltaci.local.stack.AwsStack;
import dev.deltaci.runner.RunnerApiClient;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The control plane of a local stack: the template's functions hosted on a loopback port, with
 * clients for the stack. One set of clients is shared by all functions, as one container's
 * would be; the operator's view ({@link #plane()}) reads through a set of its own.
 */
public final class LocalControlPlane implements AutoCloseable {

    private final AwsStack stack;
    private final String registrationToken;
    private final String apiKey;
    /** What the functions of this control plane record, shared by all of them (Prometheus text on demand). */
    private final MetricRegistry metrics = new MetricRegistry();
    private final List<AutoCloseable> clients = new java.util.ArrayList<>();
    private final LocalFunctionHost host;
    /** A function's control plane, as the host builds it: the functions' clients, the interceptors on them. */
    private final java.util.function.Function<String, ControlPlane> functionPlanes;
    private final ControlPlane operatorView;

    /**
     * Options for a local control plane.
     *
     * @param environmentOverrides function environment variables to set over the template's
     * @param interceptors         see every AWS call the functions make
     * @param scheduleInterval     how often scheduled functions (the sweeper) run; null for never
     */
    public record Options(String webhookSecret, Map<String, String> environmentOverrides, Clock clock,
                          List<ExecutionInterceptor> interceptors, Duration scheduleInterval, int port,
                          Credentials credentials, RunnerFleet fleet) {

        public static final Duration LOCAL_SCHEDULE_INTERVAL = Duration.ofSeconds(1);

        public static Options defaults(String webhookSecret) {
            return new Options(webhookSecret, Map.of(), Clock.systemUTC(), List.of(), LOCAL_SCHEDULE_INTERVAL, 0,
                    Credentials.generate(), null);
        }

        public Options withEnvironment(Map<String, String> overrides) {
            return new Options(webhookSecret, overrides, clock, interceptors, scheduleInterval, port, credentials, fleet);
        }

        public Options withClock(Clock newClock) {
            return new Options(webhookSecret, environmentOverrides, newClock, interceptors, scheduleInterval, port,
                    credentials, fleet);
        }

        public Options withInterceptors(List<ExecutionInterceptor> newInterceptors) {
            return new Options(webhookSecret, environmentOverrides, clock, newInterceptors, scheduleInterval, port,
                    credentials, fleet);
        }

        public Options withScheduleInterval(Duration interval) {
            return new Options(webhookSecret, environmentOverrides, clock, interceptors, interval, port, credentials, fleet);
        }

        /** The loopback port of the functions (0: any free one). */
        public Options withPort(int newPort) {
            return new Options(webhookSecret, environmentOverrides, clock, interceptors, scheduleInterval, newPort,
                    credentials, fleet);
        }

        /**
         * The scaler sizes this fleet: pool {@link #AUTOSCALED_POOL} (at most {@code max}
         * instances, idle ones drained after {@code idleTimeout}) becomes the one pool of
         * {@code RUNNER_POOLS}, and the scaler runs on the schedule timer, one pass each tick.
         */
        public Options withAutoscaling(RunnerFleet newFleet, String group, int max, Duration idleTimeout) {
            return withAutoscaling(newFleet, group, max, idleTimeout, false);
        }

        /** As above; {@code ephemeral}: each instance runs one job, then is drained and stopped. */
        public Options withAutoscaling(RunnerFleet newFleet, String group, int max, Duration idleTimeout,
                                       boolean ephemeral) {
            Map<String, String> env = new HashMap<>(environmentOverrides);
            env.put(RunnerPools.ENV, "[{\"name\": \"" + AUTOSCALED_POOL + "\", \"group\": \"" + group + "\", \"min\": 0, "
                    + "\"max\": " + max + ", \"idleTimeoutSeconds\": " + idleTimeout.toSeconds()
                    + ", \"launchTimeoutSeconds\": 120, \"ephemeral\": " + ephemeral + "}]");
            env.put("SCALER_INTERVAL_SECONDS", "0");
            return new Options(webhookSecret, env, clock, interceptors, scheduleInterval, port, credentials, newFleet);
        }

        /** Credentials kept across restarts ({@code delta dev}) instead of new ones each start. */
        public Options withCredentials(Credentials kept) {
            return new Options(webhookSecret, environmentOverrides, clock, interceptors, scheduleInterval, port, kept, fleet);
        }
    }

    /**
     * What runners and people authenticate with: the pool's registration token, the key runner
     * credentials are signed with, and the operator's control API key (every repository).
     */
    /** The pool the local autoscaler sizes: the pool of this control plane's registration token. */
    public static final String AUTOSCALED_POOL = "local";

    public record Credentials(String registrationToken, String signingKey, String apiKey) {

        public static Credentials generate() {
            return new Credentials(HashedTokens.newSecret(32), HashedTokens.newSecret(32), "dak_" + HashedTokens.newSecret(24));
        }
    }

    public LocalControlPlane(AwsStack stack, Options options) throws IOException {
        this.stack = stack;
        // one registration token per local control plane, for the runners it starts; any labels
        this.registrationToken = options.credentials().registrationToken();
        String runnerAuth = "{\"signingKey\": \"" + options.credentials().signingKey()
                + "\", \"registrationTokens\": [{\"sha256\": \""
                + RunnerAuth.tokenHash(registrationToken) + "\", \"pool\": \"local\"}]}";
        // and one control API key, for whoever runs this control plane: every repository
        this.apiKey = options.credentials().apiKey();
        String apiKeys = "{\"keys\": [{\"sha256\": \"" + ApiKeys.hash(apiKey) + "\", \"name\": \""
                + System.getProperty("user.name", "local").replaceAll("[^\\p{L}\\p{N} ._@-]", "_") + "\", "
                + "\"repositories\": [\"**\"]}]}";
        AwsEndpoints endpoints = stack.endpoints();
        ExecutionInterceptor[] interceptors = options.interceptors().toArray(ExecutionInterceptor[]::new);
        ExecutionInterceptor[] withMetrics = java.util.Arrays.copyOf(interceptors, interceptors.length + 1);
        withMetrics[interceptors.length] = new DynamoDbMetrics(metrics);
        DynamoDbClient dynamo = track(endpoints.dynamoClient(withMetrics));
        SqsClient sqs = track(endpoints.sqsClient(interceptors));
        S3Client s3 = track(endpoints.s3Client(interceptors));
        S3Presigner presigner = track(endpoints.s3Presigner());
        this.functionPlanes = functionId -> planeFor(stack.resources().functionEnvironment(functionId), options,
                runnerAuth, apiKeys, metrics, dynamo, sqs, s3, presigner);
        this.host = new LocalFunctionHost(stack.resources().template(), functionPlanes, options.port(),
                options.scheduleInterval(), queueId -> Map.entry(stack.resources().ref(queueId),
                        stack.resources().arns().get(queueId)));
        // the operator's reads have clients of their own, so interceptors see only the functions' requests
        this.operatorView = planeFor(stack.resources().functionEnvironment("RunnerApiFunction"), options, runnerAuth,
                apiKeys, metrics,
                track(endpoints.dynamoClient()), track(endpoints.sqsClient()), track(endpoints.s3Client()), presigner);
        host.serveLocal("/metrics", exchange -> answer(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                metrics.prometheus()));
        host.serveLocal("/health", exchange -> {
            StackHealth health = StackHealth.check(operatorView);
            answer(exchange, health.ok() ? 200 : 503, "application/json", health.toJson());
        });
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, int status, String contentType, String body)
            throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", contentType);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private <T extends AutoCloseable> T track(T client) {
        clients.add(client);
        return client;
    }

    private static ControlPlane planeFor(Map<String, String> templateEnv, Options options, String runnerAuth,
                                         String apiKeys, MetricRegistry metrics, DynamoDbClient dynamo,
                                         SqsClient sqs, S3Client s3, S3Presigner presigner) {
        Map<String, String> env = new HashMap<>(templateEnv);
        env.remove("WEBHOOK_SECRET_ARN");
        env.remove("RUNNER_AUTH_SECRET_ARN");
        env.remove("CONTROL_API_KEYS_SECRET_ARN");
        env.remove("JOB_SECRETS_PREFIX");
        // locally a GitHub App comes from a file (GITHUB_APP_FILE, GITHUB_API_URL in the overrides), if at all
        env.remove(GitHubApp.SECRET_ARN);
        env.remove(GitHubApp.API_URL);
        env.put("WEBHOOK_SECRET", options.webhookSecret());
        env.put("RUNNER_AUTH", runnerAuth);
        env.put("CONTROL_API_KEYS", apiKeys);
        env.put("RUNNER_PRESENCE_WINDOW_SECONDS", Long.toString(3 * RunnerPool.PRESENCE_SECONDS));
        env.putAll(options.environmentOverrides());
        Optional<GitHubApp> github = GitHubApp.fromEnvironment(env, options.clock());
        return new ControlPlane(dynamo, sqs, s3, presigner, ControlPlaneConfig.fromEnvironment(env),
                ControlPlane.webhookSecret(env, github), RunnerAuth.fromEnvironment(env, options.clock()),
                ApiKeys.fromEnvironment(env), JobSecrets.fromEnvironment(env), ControlPlane.pipelineSource(env, github),
                metrics, options.clock(), github.orElse(null), options.fleet());
    }

    /** Has the reporter tell GitHub of what is on the report queue now (tests use this instead of its poller). */
    public int reportNow() {
        return host.deliverQueued("ReporterFunction");
    }

    /** Runs the sweeper once now (tests use this instead of waiting for its timer). */
    public Object sweepNow() {
        return host.invokeScheduled("SweeperFunction");
    }

    /** Runs the scaler once now (one pass). */
    public Object scaleNow() {
        return host.invokeScheduled("ScalerFunction");
    }

    /** Runs the scheduler once now: starts the runs on-schedule crons made due. */
    public Object scheduleNow() {
        return host.invokeScheduled("SchedulerFunction");
    }

    public URI apiUrl() {
        return host.baseUrl();
    }

    public String queueUrl() {
        return stack.resources().ref("JobQueue");
    }

    /** Read access for the CLI: the same stores the functions use. */
    public ControlPlane plane() {
        return operatorView;
    }

    /** A new control plane as the host builds one for the function: its environment, the functions' clients. */
    public ControlPlane functionPlane(String functionId) {
        return functionPlanes.apply(functionId);
    }

    public RunnerPool.Target runnerTarget() {
        return new RunnerPool.Target(apiUrl(), queueUrl(), stack.endpoints().sqs(), stack.endpoints().region(),
                registrationToken);
    }

    public MetricRegistry metrics() {
        return metrics;
    }

    /** The control API key of whoever runs this control plane (all repositories). */
    public String apiKey() {
        return apiKey;
    }

    /** The registration token this control plane's runners register with. */
    public String registrationToken() {
        return registrationToken;
    }

    /**
     * A runner-API client for a runner of this control plane, registered on its first call; its id
     * is {@code name} and the suffix the control plane adds.
     */
    public RunnerApiClient runnerClient(String name, String... labels) {
        return new RunnerApiClient(apiUrl(), name, List.of(labels), RunnerApiClient.RegistrationToken.of(registrationToken));
    }

    @Override
    public void close() {
        host.close();
        for (AutoCloseable client : clients) {
            try {
                client.close();
            } catch (Exception e) {
                System.err.println("client did not close: " + e.getMessage());
            }
        }
    }
}
