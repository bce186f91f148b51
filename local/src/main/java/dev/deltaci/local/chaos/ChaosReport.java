package dev.deltaci.local.chaos;

import java.util.Map;

/**
 * What a chaos run measured. The guarantees are the first four: every job submitted reached
 * a terminal state (lost = 0), no job's end was accepted twice, and no accepted attempt is
 * missing a log chunk it reported.
 *
 * @param killToRequeueMillis from a runner's SIGKILL to the sweeper putting its job back in the
 *                            queue (detection: lease TTL + skew allowance + sweep interval at most)
 * @param killToReleaseMillis from a runner's SIGKILL to its job's next lease (detection plus the
 *                            wait behind the jobs already queued): count, p50, p99
 */
public record ChaosReport(int jobsSubmitted, int jobsTerminal, int lost, int completionsAcceptedTwice,
                          int missingLogChunks, Map<String, Integer> jobsByState, int runnersKilled,
                          int duplicateSends, int dynaliteRestarts, int elasticMqRestarts,
                          Map<String, Long> killToRequeueMillis, Map<String, Long> killToReleaseMillis,
                          long leaseTtlMillis, long sweepIntervalMillis, long wallMillis) {
}
