package dev.deltaci.functions.ops;

import dev.deltaci.core.ops.Health;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.store.DeliveryStore;
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
    private final DeliveryStore deliveries;
    private final Settings config;
    private final Clock clock;

    /** What the probe looks at and by which limits it judges it (from the control plane's configuration). */
    public record Settings(String queueUrl, String deadLetterQueueUrl, Duration presenceWindow, Duration leaseTtl,
                           Duration clockSkewAllowance) {
    }

    /** Counts of kept deliveries stop here: past it, "100 or more" is what an operator needs to know. */
    static final int COUNT_LIMIT = 100;

    public HealthProbe(SqsClient sqs, OpsStore ops, DeliveryStore deliveries, Settings config, Clock clock) {
        this.deliveries = deliveries;
        this.sqs = sqs;
        this.ops = ops;
        this.config = config;
        this.clock = clock;
    }

    /** What the sweeper publishes as gauges after each sweep: the queue and the runners. */
    public record Gauges(long queueDepth, long queueInFlight, long oldestQueuedAgeSeconds, long deadLetterDepth,
                         OpsStore.RunnerCensus runners) {
    }

    public Gauges gauges() {
        Map<QueueAttributeName, String> queue = attributes(config.queueUrl());
        long oldest = ops.oldestQueuedAtEpochMs();
        return new Gauges(
                number(queue, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)
                        + number(queue, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED),
                number(queue, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE),
                oldest < 0 ? 0 : Math.max(0, (clock.millis() - oldest) / 1000),
                deadLetterDepth(),
                ops.runnerCensus(config.presenceWindow()));
    }

    /** Everything {@code GET /status} judges: the gauges, the leases, and the last five minutes. */
    public Health.Snapshot snapshot() {
        Gauges gauges = gauges();
        long now = clock.millis();
        OpsStore.LeaseCounts leases = ops.leaseCounts(now + config.leaseTtl().toMillis() / 2,
                now - config.clockSkewAllowance().toMillis() - OVERDUE_AFTER.toMillis());
        OpsStore.RecentCounts recent = ops.recent(RECENT);
        return new Health.Snapshot(gauges.queueDepth(), gauges.queueInFlight(), gauges.oldestQueuedAgeSeconds(),
                gauges.deadLetterDepth(), gauges.runners().registered(), gauges.runners().idle(),
                gauges.runners().busy(), leases.held(), leases.expiring(), leases.overdue(),
                recent.leaseExpired(), recent.functionErrors(), recent.lastError(),
                deliveries.waiting(COUNT_LIMIT), deliveries.givenUp(COUNT_LIMIT));
    }

    /** Publishes the readings that are gauges (the counters are recorded where things happen). */
    public static void publish(Gauges g, Metrics metrics) {
        metrics.record(Metric.QUEUE_DEPTH, g.queueDepth());
        metrics.record(Metric.QUEUE_IN_FLIGHT, g.queueInFlight());
        metrics.record(Metric.QUEUE_OLDEST_AGE, g.oldestQueuedAgeSeconds());
        if (g.deadLetterDepth() >= 0) {
            metrics.record(Metric.DEAD_LETTER_DEPTH, g.deadLetterDepth());
        }
        metrics.record(Metric.RUNNERS_REGISTERED, g.runners().registered());
        metrics.record(Metric.RUNNERS_IDLE, g.runners().idle());
        metrics.record(Metric.RUNNERS_BUSY, g.runners().busy());
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
