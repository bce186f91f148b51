package dev.deltaci.core.job;

import java.time.Duration;

/**
 * Execution authority over one job attempt: only the holder of the current epoch may heartbeat,
 * upload or complete. The epoch rises by one at every lease, so anything sent under an older
 * epoch is recognisably stale.
 */
public record Lease(String owner, long epoch, long expiresAtEpochMs) {

    /**
     * Lease timing: a runner renews every TTL/3, so two missed renewals still leave time.
     *
     * @param preferOtherRunner how long a retried job waits for a runner other than the one its
     *                          last attempt failed on, before that runner may take it again
     */
    public record Policy(Duration ttl, Duration preferOtherRunner) {
        public static final Policy DEFAULT = new Policy(Duration.ofSeconds(30), Duration.ofSeconds(10));

        public Duration heartbeatInterval() {
            return ttl.dividedBy(3);
        }
    }
}
