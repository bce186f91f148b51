package dev.deltaci.functions.sweeper;

/**
 * What one sweep did. Counts are of writes that took effect: a candidate that a heartbeat or a
 * lease got to first is counted in {@code expiredLeases} or {@code staleQueued} only.
 * {@code gatesFreed} counts concurrency groups handed on because their holder had finished
 * without letting go (or nobody held them while others waited). {@code abandonedStarts} counts
 * runs whose start a function left unfinished, now finished by the sweeper.
 */
public record SweepReport(int expiredLeases, int requeued, int failedRunnerLost, int timedOut,
                          int staleQueued, int reenqueued, int queueTimedOut, int gatesFreed, int abandonedStarts,
                          long durationMs) {
}
