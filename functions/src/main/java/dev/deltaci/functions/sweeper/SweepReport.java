package dev.deltaci.functions.sweeper;

/**
 * What one sweep did. Counts are of writes that took effect: a candidate that a heartbeat or a
 * lease got to first is counted in {@code expiredLeases} or {@code staleQueued} only.
 * {@code gatesFreed} counts concurrency groups handed on because their holder had finished
 * without letting go (or nobody held them while others waited). {@code abandonedStarts} counts
 * runs whose start a function left unfinished, now finished by the sweeper. {@code runsEnded}
 * counts live runs, idle past the abandoned-start age, that its advance of them ended: every job
 * had ended, and the run's own end was lost with the function that ended the last one.
 */
public record SweepReport(int expiredLeases, int requeued, int failedRunnerLost, int timedOut,
                          int staleQueued, int reenqueued, int queueTimedOut, int gatesFreed, int abandonedStarts,
                          int runsEnded, long durationMs) {
}
