package dev.deltaci.functions.trigger;

import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.run.RunStarter;
import dev.deltaci.functions.store.DeliveryStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tries again the deliveries kept because GitHub could not be read when they came (the sweeper
 * calls this each minute): each due one is started as the webhook would have started it. Still
 * unreadable, it is due again after a backoff (30 s doubling to 15 minutes); after a day it is
 * given up visibly: metric {@code WebhooksKept} outcome {@code given_up}, an ERROR log line, the
 * {@code DeliveriesGivenUpAlarm}, and a count in {@code delta status}.
 */
public final class KeptDeliveries {

    private static final Logger LOG = LoggerFactory.getLogger(KeptDeliveries.class);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(15);
    static final Duration GIVE_UP_AFTER = Duration.ofDays(1);

    /** What one pass did. */
    public record Pass(int started, int retryLater, int givenUp) {
    }

    private final DeliveryStore deliveries;
    private final WebhookService webhooks;
    private final Metrics metrics;
    private final Clock clock;

    public KeptDeliveries(DeliveryStore deliveries, WebhookService webhooks, Metrics metrics, Clock clock) {
        this.deliveries = deliveries;
        this.webhooks = webhooks;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** When a delivery tried {@code attempts} times is due next: 30 s, doubling, at most 15 minutes. */
    static Duration backoff(int attempts) {
        Duration wait = WebhookService.FIRST_RETRY.multipliedBy(1L << Math.min(10, Math.max(0, attempts - 1)));
        return wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
    }

    public Pass retryDue(int limit) {
        int started = 0;
        int later = 0;
        int givenUp = 0;
        for (DeliveryStore.KeptDelivery delivery : deliveries.due(clock.millis(), limit)) {
            Optional<byte[]> payload = deliveries.payload(delivery.deliveryId());
            ApiResponse answer = payload.isEmpty()
                    ? ApiResponse.error(410, "the kept payload is gone")
                    : webhooks.start(delivery.event(), delivery.deliveryId(), payload.get());
            long now = clock.millis();
            if (!RunStarter.unreadable(answer)) {
                deliveries.done(delivery);
                metrics.record(Metric.WEBHOOKS_KEPT, 1, "outcome", "started");
                LOG.info("kept delivery {} ({}) tried again after {} attempt(s): {} {}", delivery.deliveryId(),
                        delivery.event(), delivery.attempts(), answer.status(), answer.body());
                started++;
            } else if (now - delivery.receivedAtEpochMs() >= GIVE_UP_AFTER.toMillis()) {
                String error = String.valueOf(answer.body().get("error"));
                deliveries.giveUp(delivery, error);
                metrics.record(Metric.WEBHOOKS_KEPT, 1, "outcome", "given_up");
                LOG.error("gave up delivery {} ({}) after {} attempts over a day: {}; its payload is kept at {}",
                        delivery.deliveryId(), delivery.event(), delivery.attempts(), error,
                        "deliveries/" + delivery.deliveryId() + ".json");
                givenUp++;
            } else {
                deliveries.retryLater(delivery, now + backoff(delivery.attempts()).toMillis(),
                        String.valueOf(answer.body().get("error")));
                later++;
            }
        }
        return new Pass(started, later, givenUp);
    }
}
