package dev.deltaci.functions.sweeper;

import java.time.Duration;
import java.util.Map;

/**
 * How the sweeper judges time and retries.
 *
 * @param clockSkewAllowance how long past its expiry a lease is still honoured, for clocks that
 *                           disagree (env {@code CLOCK_SKEW_ALLOWANCE_MS}, default 2000)
 * @param infraRetryBudget   requeues for lost runners before a job fails as runner_lost
 *                           (env {@code INFRA_RETRY_BUDGET}, default 3)
 * @param reconcileAfter     how long a queued job may go unleased before its message is sent
 *                           again (env {@code RECONCILE_AFTER_SECONDS}, default 180: three
 *                           visibility timeouts of the job queue)
 * @param batchLimit         most jobs of each kind one sweep acts on (env {@code SWEEP_BATCH_LIMIT}, default 200)
 * @param abandonedStartAfter how old a run whose jobs were never all written may be before the
 *                           sweeper finishes it (env {@code ABANDONED_START_AFTER_SECONDS},
 *                           default 120: four times the longest a webhook function may run)
 */
public record SweepPolicy(Duration clockSkewAllowance, int infraRetryBudget, Duration reconcileAfter, int batchLimit,
                          Duration abandonedStartAfter) {

    public static final Duration DEFAULT_ABANDONED_START_AFTER = Duration.ofSeconds(120);

    public SweepPolicy(Duration clockSkewAllowance, int infraRetryBudget, Duration reconcileAfter, int batchLimit) {
        this(clockSkewAllowance, infraRetryBudget, reconcileAfter, batchLimit, DEFAULT_ABANDONED_START_AFTER);
    }

    public static SweepPolicy fromEnvironment(Map<String, String> env) {
        return new SweepPolicy(
                Duration.ofMillis(Long.parseLong(env.getOrDefault("CLOCK_SKEW_ALLOWANCE_MS", "2000"))),
                Integer.parseInt(env.getOrDefault("INFRA_RETRY_BUDGET", "3")),
                Duration.ofSeconds(Long.parseLong(env.getOrDefault("RECONCILE_AFTER_SECONDS", "180"))),
                Integer.parseInt(env.getOrDefault("SWEEP_BATCH_LIMIT", "200")),
                Duration.ofSeconds(Long.parseLong(env.getOrDefault("ABANDONED_START_AFTER_SECONDS",
                        Long.toString(DEFAULT_ABANDONED_START_AFTER.toSeconds())))));
    }
}
