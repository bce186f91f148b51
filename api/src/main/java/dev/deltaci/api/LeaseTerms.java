package dev.deltaci.api;

/**
 * A lease as granted: its epoch (what every later call names), when it expires unless renewed,
 * when the attempt started, and how often to renew it.
 */
public record LeaseTerms(long epoch, long expiresAtEpochMs, long startedAtEpochMs, long ttlMs,
                         long heartbeatIntervalMs) {
}
