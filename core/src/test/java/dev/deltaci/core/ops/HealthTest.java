package dev.deltaci.core.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.core.ops.Health.Verdict;
import org.junit.jupiter.api.Test;

class HealthTest {

    /** A quiet, healthy control plane: two idle runners, nothing queued. */
    private static Health.Snapshot healthy() {
        return new Health.Snapshot(0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0, 0, null, 0, 0);
    }

    private static Health.Check check(Health.Report report, String name) {
        return report.checks().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void evaluate_shouldBeOk_whenNothingWaitsAndNothingFails() {
        Health.Report report = Health.evaluate(healthy());

        assertThat(report.verdict()).isEqualTo(Verdict.OK);
        assertThat(report.checks()).allMatch(c -> c.verdict() == Verdict.OK);
    }

    @Test
    void queueAge_shouldWarnAtFiveMinutes_andBeCriticalAtFifteen() {
        assertThat(check(Health.evaluate(withAge(299)), "queue_oldest_age_seconds").verdict()).isEqualTo(Verdict.OK);
        assertThat(check(Health.evaluate(withAge(300)), "queue_oldest_age_seconds").verdict()).isEqualTo(Verdict.WARN);
        assertThat(check(Health.evaluate(withAge(900)), "queue_oldest_age_seconds").verdict()).isEqualTo(Verdict.CRITICAL);
        assertThat(Health.evaluate(withAge(900)).verdict()).isEqualTo(Verdict.CRITICAL);
    }

    private static Health.Snapshot withAge(long seconds) {
        return new Health.Snapshot(1, 0, seconds, 0, 2, 1, 1, 1, 0, 0, 0, 0, null, 0, 0);
    }

    @Test
    void runners_shouldBeCritical_whenWorkWaitsAndNoneIsRegistered_andWarn_whenAllAreBusy() {
        var none = Health.evaluate(new Health.Snapshot(3, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, 0, 0));
        var allBusy = Health.evaluate(new Health.Snapshot(3, 0, 10, 0, 2, 0, 2, 2, 0, 0, 0, 0, null, 0, 0));
        var idleButNothingQueued = Health.evaluate(new Health.Snapshot(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, 0, 0));

        assertThat(check(none, "runners_registered").verdict()).isEqualTo(Verdict.CRITICAL);
        assertThat(check(none, "runners_registered").detail()).contains("no runner is registered");
        assertThat(check(allBusy, "runners_registered").verdict()).isEqualTo(Verdict.WARN);
        assertThat(check(idleButNothingQueued, "runners_registered").verdict()).isEqualTo(Verdict.OK);
    }

    @Test
    void expirationsAndErrors_shouldFollowTheirThresholds_andNameTheLatestError() {
        var report = Health.evaluate(new Health.Snapshot(0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 3, 10, "WebhookFunction: boom", 0, 0));

        assertThat(check(report, "lease_expirations_5m").verdict()).isEqualTo(Verdict.WARN);
        assertThat(check(report, "function_errors_5m").verdict()).isEqualTo(Verdict.CRITICAL);
        assertThat(check(report, "function_errors_5m").detail()).contains("WebhookFunction: boom");
        assertThat(check(report, "function_errors_5m").symptom()).isEqualTo("CI unavailable / API errors");
    }

    @Test
    void anUnreadableDeadLetterQueue_shouldWarn_notPassForEmpty() {
        var report = Health.evaluate(new Health.Snapshot(0, 0, 0, -1, 2, 2, 0, 0, 0, 0, 0, 0, null, 0, 0));

        assertThat(check(report, "dead_letter_depth").verdict()).isEqualTo(Verdict.WARN);
        assertThat(check(report, "dead_letter_depth").detail()).contains("could not be read");
    }

    @Test
    void overdueLeases_shouldWarn_becauseTheSweeperIsNotKeepingUp() {
        var report = Health.evaluate(new Health.Snapshot(0, 0, 0, 0, 2, 1, 1, 1, 1, 1, 0, 0, null, 0, 0));

        assertThat(check(report, "leases_overdue").verdict()).isEqualTo(Verdict.WARN);
        assertThat(check(report, "leases_expiring").verdict()).isEqualTo(Verdict.OK);
    }
}
