package dev.deltaci.functions.wiring;

import dev.deltaci.functions.artifacts.ArtifactStore;
import dev.deltaci.functions.attempt.RunnerApiService;
import dev.deltaci.functions.github.CheckRuns;
import dev.deltaci.functions.github.GitHubApp;
import dev.deltaci.functions.logs.LogStore;
import dev.deltaci.functions.metrics.DynamoDbMetrics;
import dev.deltaci.functions.metrics.EmfMetrics;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.ops.HealthProbe;
import dev.deltaci.functions.queue.JobQueue;
import dev.deltaci.functions.queue.ReportQueue;
import dev.deltaci.functions.report.CheckReporter;
import dev.deltaci.functions.report.ReportNudges;
import dev.deltaci.functions.repo.PipelineSource;
import dev.deltaci.functions.run.CancelService;
import dev.deltaci.functions.scale.RunnerFleet;
import dev.deltaci.functions.scale.ScalerService;
import dev.deltaci.functions.scale.WaitingReasons;
import dev.deltaci.functions.run.JobLifecycle;
import dev.deltaci.functions.run.RunProgressor;
import dev.deltaci.functions.run.RunStarter;
import dev.deltaci.functions.security.ApiKeys;
import dev.deltaci.functions.security.AwsInstanceIdentity;
import dev.deltaci.functions.security.JobSecrets;
import dev.deltaci.functions.security.RunnerAuth;
import dev.deltaci.functions.security.WebhookSecret;
import dev.deltaci.functions.store.CheckReportStore;
import dev.deltaci.functions.store.DeliveryStore;
import dev.deltaci.functions.store.GateStore;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.FleetStore;
import dev.deltaci.functions.store.OpsStore;
import dev.deltaci.functions.store.ScheduleStore;
import dev.deltaci.functions.store.SweepStore;
import dev.deltaci.functions.sweeper.SweeperService;
import dev.deltaci.functions.trigger.KeptDeliveries;
import dev.deltaci.functions.trigger.WebhookService;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Everything a handler is built from: the AWS clients, the deployment's configuration and the
 * clock. Handlers get one of these and nothing else, which is the seam tests and the local host
 * use to point them at another stack.
 *
 * @param fleet the runner groups the scaler sizes, when given (the local CLI's runner processes,
 *              tests); null in the cloud, where the scaler makes its Auto Scaling client itself
 *              (no other function pays for it at cold start)
 */
public record ControlPlane(DynamoDbClient dynamo, SqsClient sqs, S3Client s3, S3Presigner presigner,
                           ControlPlaneConfig config, WebhookSecret webhookSecret, RunnerAuth runnerAuth,
                           ApiKeys apiKeys, JobSecrets jobSecrets, PipelineSource pipelineSource, Metrics metrics,
                           Clock clock, GitHubApp github, RunnerFleet fleet) {

    /** Without a fleet of its own (see {@code fleet}). */
    public ControlPlane(DynamoDbClient dynamo, SqsClient sqs, S3Client s3, S3Presigner presigner,
                        ControlPlaneConfig config, WebhookSecret webhookSecret, RunnerAuth runnerAuth,
                        ApiKeys apiKeys, JobSecrets jobSecrets, PipelineSource pipelineSource, Metrics metrics,
                        Clock clock, GitHubApp github) {
        this(dynamo, sqs, s3, presigner, config, webhookSecret, runnerAuth, apiKeys, jobSecrets, pipelineSource, metrics,
                clock, github, null);
    }

    /** The same control plane, sizing this fleet. */
    public ControlPlane withFleet(RunnerFleet newFleet) {
        return new ControlPlane(dynamo, sqs, s3, presigner, config, webhookSecret, runnerAuth, apiKeys, jobSecrets,
                pipelineSource, metrics, clock, github, newFleet);
    }

    /** Why queued jobs wait, from the scaler's last look at their pools. */
    public WaitingReasons waitingReasons() {
        return new WaitingReasons(config.runnerPools(), fleetStore());
    }

    /** The scaler: one pass sizes every pool of {@code RUNNER_POOLS} on {@code onFleet}. */
    public ScalerService scalerService(RunnerFleet onFleet) {
        return new ScalerService(jobStore(), opsStore(), fleetStore(), onFleet, config.runnerPools(),
                config.presenceWindow(), metrics, clock);
    }

    /** This deployment as a GitHub App, when it is one. */
    public Optional<GitHubApp> gitHubApp() {
        return Optional.ofNullable(github);
    }

    /**
     * How every control-plane client retries and times out: the standard retry mode (3 attempts,
     * backoff with jitter) and a bound on the whole call that leaves a function time to answer
     * well inside its own timeout and the runner's 10 s HTTP timeout.
     */
    public static ClientOverrideConfiguration.Builder clientOverrides() {
        return ClientOverrideConfiguration.builder()
                .retryStrategy(RetryMode.STANDARD)
                .apiCallAttemptTimeout(Duration.ofSeconds(3))
                .apiCallTimeout(Duration.ofSeconds(7));
    }

    /** How long one pipeline read may wait for GitHub: the webhook answers within GitHub's 10 s. */
    public static final Duration GITHUB_PATIENCE = Duration.ofSeconds(5);

    /** Built once per Lambda container from its environment and default credentials. */
    public static ControlPlane fromEnvironment(Map<String, String> env) {
        ClientOverrideConfiguration overrides = clientOverrides().build();
        Metrics metrics = new EmfMetrics();
        Optional<GitHubApp> github = GitHubApp.fromEnvironment(env, Clock.systemUTC());
        // one HTTP client (one TLS context) for every AWS client
        SdkHttpClient http = UrlConnectionHttpClient.create();
        return new ControlPlane(
                DynamoDbClient.builder().httpClient(http)
                        .overrideConfiguration(clientOverrides().addExecutionInterceptor(new DynamoDbMetrics(metrics))
                                .build()).build(),
                SqsClient.builder().httpClient(http).overrideConfiguration(overrides).build(),
                S3Client.builder().httpClient(http).overrideConfiguration(overrides).build(),
                S3Presigner.create(),
                ControlPlaneConfig.fromEnvironment(env),
                webhookSecret(env, github),
                RunnerAuth.fromEnvironment(env, Clock.systemUTC()),
                ApiKeys.fromEnvironment(env),
                JobSecrets.fromEnvironment(env),
                pipelineSource(env, github),
                metrics,
                Clock.systemUTC(),
                github.orElse(null));
    }

    /** As a GitHub App, the App's secret holds the webhook secret too; else {@code WEBHOOK_SECRET_*}. */
    public static WebhookSecret webhookSecret(Map<String, String> env, Optional<GitHubApp> github) {
        return github.map(app -> WebhookSecret.from(app::webhookSecret)).orElseGet(() -> WebhookSecret.fromEnvironment(env));
    }

    /**
     * As a GitHub App, GitHub repositories are read over the API (no git on Lambda); local ones
     * always with git: {@code DELTA_GIT}, default {@code git} from the PATH.
     */
    public static PipelineSource pipelineSource(Map<String, String> env, Optional<GitHubApp> github) {
        String git = env.getOrDefault("DELTA_GIT", "git");
        return github.map(app -> PipelineSource.forApp(app, GITHUB_PATIENCE, git))
                .orElseGet(() -> PipelineSource.git(git));
    }

    public JobStore jobStore() {
        return new JobStore(dynamo, config.tableName(), clock);
    }

    public JobQueue jobQueue() {
        return new JobQueue(sqs, config.queueUrl(), config.retryQueueUrl());
    }

    public LogStore logStore() {
        return new LogStore(s3, config.bucketName());
    }

    public ArtifactStore artifactStore() {
        return new ArtifactStore(presigner, s3, config.bucketName(), clock);
    }

    public RunProgressor runProgressor() {
        return new RunProgressor(jobStore(), jobQueue(), gateStore(), metrics, clock, jobListener());
    }

    /** How long each GitHub call of a report may wait (a pass gives the rest back to the queue past it). */
    public static final Duration REPORT_PATIENCE = Duration.ofSeconds(3);

    /**
     * Who hears that a run's jobs changed: as a GitHub App with a report queue, the reporter is
     * asked to bring the commit's checks up to date; otherwise nobody.
     */
    public JobLifecycle.Listener jobListener() {
        if (github == null || config.reportQueueUrl() == null) {
            return JobLifecycle.Listener.NONE;
        }
        return new ReportNudges(new ReportQueue(sqs, config.reportQueueUrl()));
    }

    /** Reports a run's jobs to GitHub as check runs (or commit statuses); empty when this is no GitHub App. */
    public Optional<CheckReporter> checkReporter() {
        return gitHubApp().map(app -> new CheckReporter(jobStore(), new CheckReportStore(dynamo, config.tableName()),
                new CheckRuns(app.http(), app.tokens()), config.bucketName(), metrics, REPORT_PATIENCE));
    }

    public SweepStore sweepStore() {
        return new SweepStore(dynamo, config.tableName(), clock);
    }

    /** Every job transition with its after-effect; the runner API, the sweeper and cancel share it. */
    public JobLifecycle jobLifecycle() {
        return new JobLifecycle(jobStore(), sweepStore(), jobQueue(), runProgressor(), jobListener());
    }

    public RunnerApiService runnerApiService() {
        return new RunnerApiService(jobStore(), logStore(), artifactStore(), runnerAuth(), jobSecrets(), jobLifecycle(),
                opsStore(), config.leasePolicy(), config.sweepPolicy().infraRetryBudget(), metrics, clock, github,
                fleetStore(), config.runnerPools(),
                new AwsInstanceIdentity(config.identityStsEndpoint(), config.identityAudience(), clock),
                config.retryQueueUrl());
    }

    public SweeperService sweeperService() {
        return new SweeperService(jobStore(), sweepStore(), gateStore(), jobLifecycle(), runProgressor(),
                config.sweepPolicy(), metrics, clock, config.runnerPools());
    }

    public CancelService cancelService() {
        return new CancelService(jobStore(), jobLifecycle());
    }

    public RunStarter runStarter() {
        return new RunStarter(jobStore(), jobQueue(), runProgressor(), pipelineSource, config.pipelineLimits(),
                config.hostedRunners(), clock);
    }

    /** Deliveries kept because GitHub could not be read when they came. */
    public DeliveryStore deliveryStore() {
        return new DeliveryStore(dynamo, s3, config.tableName(), config.bucketName(), clock);
    }

    public WebhookService webhookService() {
        return new WebhookService(runStarter(), scheduleStore(), webhookSecret, config.maxWebhookBytes(), clock,
                deliveryStore());
    }

    /** The sweeper's retries of kept deliveries, started as the webhook would have started them. */
    public KeptDeliveries keptDeliveries() {
        return new KeptDeliveries(deliveryStore(), webhookService(), metrics, clock);
    }

    public ScheduleStore scheduleStore() {
        return new ScheduleStore(dynamo, config.tableName());
    }

    /** The autoscaled instances: who runs on each, which are drained, what each has claimed. */
    public FleetStore fleetStore() {
        return new FleetStore(dynamo, config.tableName(), clock);
    }

    public OpsStore opsStore() {
        return new OpsStore(dynamo, config.tableName(), clock);
    }

    public HealthProbe healthProbe() {
        return new HealthProbe(sqs, opsStore(), deliveryStore(), new HealthProbe.Settings(config.queueUrl(), config.deadLetterQueueUrl(),
                config.presenceWindow(), config.leasePolicy().ttl(), config.sweepPolicy().clockSkewAllowance()), clock);
    }

    public GateStore gateStore() {
        return new GateStore(dynamo, config.tableName(), clock);
    }
}
