package dev.deltaci.api;

/**
 * A lease as granted: its epoch (what every later call names), when it expires unless renewed,
 * when the attempt started, and how often to renew it. {@code logToken} (absent from older
 * control planes) goes with each log chunk, so the chunk is fenced without a database read;
 * each heartbeat's answer gives a fresh one. {@code completionTakesLastLog} says the completion
 * may carry the log's last chunk ({@link CompleteRequest#lastLog()}); an older control plane
 * leaves it out (false), and the runner then sends every chunk to {@code /runner/logs}, as a
 * control plane that ignored the field would lose the chunk.
 */
public record LeaseTerms(long epoch, long expiresAtEpochMs, long startedAtEpochMs, long ttlMs,
                         long heartbeatIntervalMs, String logToken, boolean completionTakesLastLog) {

    /** Terms without a log token: every chunk is then checked against the stored lease and sent on its own. */
    public LeaseTerms(long epoch, long expiresAtEpochMs, long startedAtEpochMs, long ttlMs, long heartbeatIntervalMs) {
        this(epoch, expiresAtEpochMs, startedAtEpochMs, ttlMs, heartbeatIntervalMs, null, false);
    }
}
