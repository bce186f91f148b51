package dev.deltaci.functions.wiring;

import dev.deltaci.core.job.Lease;
import dev.deltaci.core.pipeline.HostedRunners;
import dev.deltaci.core.pipeline.PipelineLimits;
import dev.deltaci.functions.scale.RunnerPools;
import dev.deltaci.functions.sweeper.SweepPolicy;
import java.time.Duration;
import java.util.Map;

/**
 * What a function needs to know about its deployment. In Lambda it comes from the environment
 * that {@code infra/template.yaml} sets; locally the function host resolves the same template.
 *
 * @param tableName       the DynamoDB table (env {@code TABLE_NAME})
 * @param queueUrl        the SQS job queue (env {@code QUEUE_URL})
 * @param bucketName      the S3 bucket for logs and artifacts (env {@code BUCKET_NAME})
 * @param leasePolicy     lease TTL (env {@code LEASE_TTL_SECONDS}, default 30) and how long a retried job
 *                        waits for a different runner (env {@code PREFER_OTHER_RUNNER_SECONDS}, default 10)
 * @param maxWebhookBytes largest webhook body accepted (env {@code MAX_WEBHOOK_BYTES}, default 1 MiB)
 * @param sweepPolicy     the sweeper's time and retry settings ({@link SweepPolicy})
 * @param deadLetterQueueUrl the job queue's dead-letter queue (env {@code DEAD_LETTER_QUEUE_URL}), or null
 *                        when not known: health then reports its depth as unreadable
 * @param pipelineLimits  how big a pipeline may be ({@link PipelineLimits}'s variables, e.g.
 *                        {@code DELTA_MAX_JOBS_PER_RUN})
 * @param presenceWindow  how recently a runner must have reported to count as registered
 *                        (env {@code RUNNER_PRESENCE_WINDOW_SECONDS}, default 90: three of a runner's
 *                        presence calls, which it makes every 30 s)
 * @param reportQueueUrl  the FIFO queue that asks the reporter to tell GitHub of a run's jobs
 *                        (env {@code REPORT_QUEUE_URL}), or null: nothing is reported
 * @param runnerPools     the autoscaled runner pools ({@code RUNNER_POOLS}, {@link RunnerPools}); none when unset
 * @param scalerInterval  how often the scaler acts within one scheduled invocation (env
 *                        {@code SCALER_INTERVAL_SECONDS}, default 5); zero: one pass per invocation
 * @param identityStsEndpoint where instance identity proofs are checked (env {@code RUNNER_IDENTITY_STS_ENDPOINT},
 *                        default the region's STS)
 * @param identityAudience what a proof must be signed for (env {@code RUNNER_IDENTITY_AUDIENCE}, default delta-ci)
 * @param hostedRunners   what GitHub's hosted runner names in {@code runs-on} stand for here (env
 *                        {@code DELTA_HOSTED_RUNNER_LABELS}, {@link HostedRunners})
 * @param retryQueueUrl   where requeued jobs go too, for runners to take first (env {@code RETRY_QUEUE_URL}),
 *                        or null: requeued jobs wait in the job queue like any other
 */
public record ControlPlaneConfig(String tableName, String queueUrl, String bucketName,
                                 Lease.Policy leasePolicy, int maxWebhookBytes, SweepPolicy sweepPolicy,
                                 String deadLetterQueueUrl, Duration presenceWindow, PipelineLimits pipelineLimits,
                                 String reportQueueUrl, RunnerPools runnerPools, Duration scalerInterval,
                                 java.net.URI identityStsEndpoint, String identityAudience, HostedRunners hostedRunners,
                                 String retryQueueUrl) {

    public static final int DEFAULT_MAX_WEBHOOK_BYTES = 1024 * 1024;

    public static ControlPlaneConfig fromEnvironment(Map<String, String> env) {
        return new ControlPlaneConfig(
                required(env, "TABLE_NAME"),
                required(env, "QUEUE_URL"),
                required(env, "BUCKET_NAME"),
                new Lease.Policy(Duration.ofSeconds(Long.parseLong(env.getOrDefault("LEASE_TTL_SECONDS", "30"))),
                        Duration.ofSeconds(Long.parseLong(env.getOrDefault("PREFER_OTHER_RUNNER_SECONDS", "10")))),
                Integer.parseInt(env.getOrDefault("MAX_WEBHOOK_BYTES", String.valueOf(DEFAULT_MAX_WEBHOOK_BYTES))),
                SweepPolicy.fromEnvironment(env),
                env.get("DEAD_LETTER_QUEUE_URL"),
                Duration.ofSeconds(Long.parseLong(env.getOrDefault("RUNNER_PRESENCE_WINDOW_SECONDS", "90"))),
                PipelineLimits.fromEnvironment(env),
                env.get("REPORT_QUEUE_URL"),
                RunnerPools.fromEnvironment(env),
                Duration.ofSeconds(Long.parseLong(env.getOrDefault("SCALER_INTERVAL_SECONDS", "5"))),
                java.net.URI.create(env.getOrDefault("RUNNER_IDENTITY_STS_ENDPOINT",
                        "https://sts." + env.getOrDefault("AWS_REGION", "us-east-1") + ".amazonaws.com/")),
                env.getOrDefault("RUNNER_IDENTITY_AUDIENCE", dev.deltaci.api.AwsIdentityProof.DEFAULT_AUDIENCE),
                HostedRunners.fromEnvironment(env),
                env.get("RETRY_QUEUE_URL"));
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("environment variable " + name
                    + " is not set; it comes from infra/template.yaml");
        }
        return value;
    }
}
