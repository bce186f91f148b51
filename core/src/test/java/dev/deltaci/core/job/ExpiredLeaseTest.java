package dev.deltaci.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExpiredLeaseTest {

    private static final long MINUTE = 60_000;

    @Test
    void decide_shouldRequeue_whileTheBudgetLasts() {
        assertThat(ExpiredLease.decide(0, 10, 0, 3, 2 * MINUTE)).isEqualTo(ExpiredLease.Action.REQUEUE);
        assertThat(ExpiredLease.decide(0, 10, 2, 3, 2 * MINUTE)).isEqualTo(ExpiredLease.Action.REQUEUE);
    }

    @Test
    void decide_shouldFailRunnerLost_whenTheBudgetIsSpent() {
        assertThat(ExpiredLease.decide(0, 10, 3, 3, 2 * MINUTE)).isEqualTo(ExpiredLease.Action.FAIL_RUNNER_LOST);
        assertThat(ExpiredLease.decide(0, 10, 0, 0, 2 * MINUTE)).isEqualTo(ExpiredLease.Action.FAIL_RUNNER_LOST);
    }

    @Test
    void decide_shouldTimeOut_whenTheAttemptRanPastItsTimeout_evenWithBudgetLeft() {
        assertThat(ExpiredLease.decide(0, 10, 0, 3, 10 * MINUTE)).isEqualTo(ExpiredLease.Action.TIME_OUT);
        assertThat(ExpiredLease.decide(0, 10, 0, 3, 10 * MINUTE - 1)).isEqualTo(ExpiredLease.Action.REQUEUE);
    }
}
