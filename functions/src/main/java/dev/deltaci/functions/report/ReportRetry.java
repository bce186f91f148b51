package dev.deltaci.functions.report;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a run whose report GitHub could not take is tried again: when GitHub said (a rate limit's
 * reset), or after a short backoff, never sooner than a second nor later than fifteen minutes;
 * and, a day after the change was first queued, not at all: the run is given up visibly
 * (metric {@code CheckReports} outcome {@code abandoned}, an ERROR log line) rather than kept
 * forever.
 */
public final class ReportRetry {

    static final Duration SOONEST = Duration.ofSeconds(1);
    static final Duration LATEST = Duration.ofMinutes(15);
    static final Duration GIVE_UP_AFTER = Duration.ofDays(1);

    private ReportRetry() {
    }

    /**
     * @param queuedAt when the change was queued (the message's SentTimestamp)
     * @param retryAt  when GitHub can help again, or null when it did not say
     * @return how long the message stays hidden before it is tried again, or empty: give up
     */
    public static Optional<Duration> delay(Instant queuedAt, Instant now, Instant retryAt) {
        if (!now.isBefore(queuedAt.plus(GIVE_UP_AFTER))) {
            return Optional.empty();
        }
        Duration wait = retryAt == null ? SOONEST : Duration.between(now, retryAt);
        if (wait.compareTo(SOONEST) < 0) {
            wait = SOONEST;
        }
        return Optional.of(wait.compareTo(LATEST) > 0 ? LATEST : wait);
    }
}
