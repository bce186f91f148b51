package dev.deltaci.core.job;

import java.time.Duration;

/**
 * Execution authority over one job attempt: only the holder of the current epoch may heartbeat,
 * upload or complete. The epoch rises by one at every lease, so anything sent under an older
 * epoch is recognisably stale.
 */
public record Lease(String owner, long epoch, long expiresAtEpochMs) {

    /** Lease timing: a runner renews every TTL/3, so two missed renewals still leave time. */
    public record Policy(Duration ttl) {
        public static final Policy DEFAULT = new Policy(Duration.ofSeconds(30));

        public Duration heartbeatInterval() {
            return ttl.dividedBy(3);
        }
    }
}
