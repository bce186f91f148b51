package dev.deltaci.core.job;

import java.time.Duration;

/**
 * What becomes of a running job whose lease expired (its runner went silent): it ran out of
 * time, or it is retried on another runner while the infrastructure retry budget lasts, or it
 * fails as {@code runner_lost}. A lost runner never spends the user's retries.
 */
public final class ExpiredLease {

    public enum Action {
        /** back to the queue with attempt + 1 and a new epoch */
        REQUEUE,
        /** FAILED, runner_lost: the budget is spent */
        FAIL_RUNNER_LOST,
        /** TIMED_OUT: the attempt had run past timeout-minutes anyway */
        TIME_OUT
    }

    private ExpiredLease() {
    }

    public static Action decide(long startedAtEpochMs, int timeoutMinutes, int infraRetriesUsed, int infraRetryBudget,
                                long nowEpochMs) {
        if (nowEpochMs - startedAtEpochMs >= Duration.ofMinutes(timeoutMinutes).toMillis()) {
            return Action.TIME_OUT;
        }
        return infraRetriesUsed < infraRetryBudget ? Action.REQUEUE : Action.FAIL_RUNNER_LOST;
    }
}
