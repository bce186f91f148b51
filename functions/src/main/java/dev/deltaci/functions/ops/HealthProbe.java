package dev.deltaci.functions.ops;

import dev.deltaci.core.ops.Health;
import dev.deltaci.functions.config.ControlPlaneConfig;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.store.OpsStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Reads how the control plane is doing, from the authorities themselves: queue attributes from
 * SQS, leases and queued jobs from DynamoDB's live-job indexes, runners from their presence
 * items, recent expirations and errors from the ops ledger. The sweeper publishes the readings
 * as gauges every sweep; {@code GET /status} judges them ({@link Health}).
 */
public final class HealthProbe {

    public static final Duration RECENT = Duration.ofMinutes(5);
    /** Two sweeps at the deployed schedule (every minute): an expired lease older than this was missed. */
    public static final Duration OVERDUE_AFTER = Duration.ofMinutes(2);

    private final SqsClient sqs;
    private final OpsStore ops;
    private final ControlPlaneConfig config;
    private final Clock clock;

    public HealthProbe(SqsClient sqs, OpsStore ops, ControlPlaneConfig config, Clock clock) {
        this.sqs = sqs;
        this.ops = ops;
        this.config = config;
        this.clock = clock;
    }

    public Health.Snapshot snapshot() {
        long now = clock.millis();
        Map<QueueAttributeName, String> queue = attributes(config.queueUrl());
        long oldest = ops.oldestQueuedAtEpochMs();
        OpsStore.RunnerCensus runners = ops.runnerCensus(config.presenceWindow());
        OpsStore.RecentCounts recent = ops.recent(RECENT);
        return new Health.Snapshot(
                number(queue, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)
                        + number(queue, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED),
                number(queue, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE),
                oldest < 0 ? 0 : Math.max(0, (now - oldest) / 1000),
                deadLetterDepth(),
                runners.registered(), runners.idle(), runners.busy(),
                ops.leasesHeld(),
                ops.leasesExpiredBefore(now + config.leasePolicy().ttl().toMillis() / 2),
                ops.leasesExpiredBefore(now - config.sweepPolicy().clockSkewAllowance().toMillis()
                        - OVERDUE_AFTER.toMillis()),
                recent.leaseExpired(), recent.functionErrors(), recent.lastError());
    }

    /** Publishes the readings that are gauges (the counters are recorded where things happen). */
    public static void publish(Health.Snapshot s, Metrics metrics) {
        metrics.record(Metric.QUEUE_DEPTH, s.queueDepth());
        metrics.record(Metric.QUEUE_IN_FLIGHT, s.queueInFlight());
        metrics.record(Metric.QUEUE_OLDEST_AGE, s.oldestQueuedAgeSeconds());
        if (s.deadLetterDepth() >= 0) {
            metrics.record(Metric.DEAD_LETTER_DEPTH, s.deadLetterDepth());
        }
        metrics.record(Metric.RUNNERS_REGISTERED, s.runnersRegistered());
        metrics.record(Metric.RUNNERS_IDLE, s.runnersIdle());
        metrics.record(Metric.RUNNERS_BUSY, s.runnersBusy());
    }

    private long deadLetterDepth() {
        if (config.deadLetterQueueUrl() == null) {
            return -1;
        }
        try {
            Map<QueueAttributeName, String> dlq = attributes(config.deadLetterQueueUrl());
            return number(dlq, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)
                    + number(dlq, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE);
        } catch (SdkException e) {
            return -1;
        }
    }

    private Map<QueueAttributeName, String> attributes(String queueUrl) {
        return sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
    }

    private static long number(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
        String value = attributes.get(name);
        return value == null ? 0 : Long.parseLong(value);
    }
}
