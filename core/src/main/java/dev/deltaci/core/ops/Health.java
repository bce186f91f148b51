package dev.deltaci.core.ops;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Health at a glance: readings of a running control plane judged against the runbook's
 * thresholds (docs/operations/observability.md). The CloudWatch alarms in infra/template.yaml
 * use the same numbers; a test keeps them equal.
 */
public final class Health {

    /** Worst first is the order that matters to an operator. */
    public enum Verdict {
        OK, WARN, CRITICAL
    }

    /**
     * What the control plane sees now.
     *
     * @param queueDepth              job messages waiting (visible and delayed)
     * @param queueInFlight           job messages a runner holds and has not deleted
     * @param oldestQueuedAgeSeconds  seconds the longest-waiting queued job has waited (0 if none)
     * @param deadLetterDepth         messages in the dead-letter queue, or -1 when it cannot be read
     * @param runnersRegistered       runners seen within the presence window
     * @param runnersIdle             of those, the ones waiting for work
     * @param runnersBusy             of those, the ones running a job
     * @param leasesRunning           jobs holding a lease
     * @param leasesExpiring          of those, leases with less than half a TTL left: they missed a heartbeat
     * @param leasesOverdue           leases past expiry (beyond the clock-skew allowance) the sweeper has not handled
     * @param leaseExpirations5m      leases the sweeper expired in the last five minutes
     * @param functionErrors5m        function invocations that failed in the last five minutes
     * @param lastError               the latest of those errors, or null
     * @param deliveriesWaiting       pushes and pull requests kept because GitHub could not be read, to be tried again
     * @param deliveriesGivenUp       of those, the ones given up after a day (their payloads kept for a replay)
     */
    public record Snapshot(long queueDepth, long queueInFlight, long oldestQueuedAgeSeconds, long deadLetterDepth,
                           long runnersRegistered, long runnersIdle, long runnersBusy, long leasesRunning,
                           long leasesExpiring, long leasesOverdue, long leaseExpirations5m, long functionErrors5m, String lastError,
                           long deliveriesWaiting, long deliveriesGivenUp) {
    }

    /** One judged reading; {@code symptom} is the runbook entry (docs/operations/README.md) it belongs to. */
    public record Check(String name, long value, Long warnAt, Long criticalAt, Verdict verdict, String symptom,
                        String detail) {
    }

    public record Report(Verdict verdict, List<Check> checks, Snapshot snapshot) {
    }

    // The runbook's thresholds. Alarms in infra/template.yaml use these numbers (TemplateAlarmsTest).
    public static final long QUEUE_AGE_WARN_SECONDS = 300;
    public static final long QUEUE_AGE_CRITICAL_SECONDS = 900;
    public static final long LEASE_EXPIRATIONS_WARN = 3;
    public static final long LEASE_EXPIRATIONS_CRITICAL = 10;
    public static final long FUNCTION_ERRORS_WARN = 1;
    public static final long FUNCTION_ERRORS_CRITICAL = 10;
    public static final long DEAD_LETTER_WARN = 1;
    public static final long LEASES_OVERDUE_WARN = 1;
    public static final long DELIVERIES_GIVEN_UP_WARN = 1;

    // Alarm only (not in the status report): the template's DbWriteLatencyAlarm and StorageErrorsAlarm.
    public static final long DB_WRITE_LATENCY_ALARM_MS = 1000;
    public static final long STORAGE_ERRORS_ALARM = 1;

    static final String STUCK = "CI appears stuck / no progress";
    static final String RETRIES = "Jobs retry unexpectedly";
    static final String RERUNS = "Many jobs re-run at once";
    static final String UNAVAILABLE = "CI unavailable / API errors";

    private Health() {
    }

    public static Report evaluate(Snapshot s) {
        List<Check> checks = new ArrayList<>();
        checks.add(threshold("queue_oldest_age_seconds", s.oldestQueuedAgeSeconds(), QUEUE_AGE_WARN_SECONDS,
                QUEUE_AGE_CRITICAL_SECONDS, STUCK, s.queueDepth() + " waiting, " + s.queueInFlight() + " in flight"));
        checks.add(runners(s));
        checks.add(threshold("leases_expiring", s.leasesExpiring(), null, null, RETRIES,
                "held leases that missed a heartbeat (less than half a TTL left); they expire unless renewed"));
        checks.add(threshold("leases_overdue", s.leasesOverdue(), LEASES_OVERDUE_WARN, null, STUCK,
                s.leasesRunning() + " leases held; overdue ones mean the sweeper is not running or cannot write"));
        checks.add(threshold("lease_expirations_5m", s.leaseExpirations5m(), LEASE_EXPIRATIONS_WARN,
                LEASE_EXPIRATIONS_CRITICAL, RERUNS, "runners that went silent while holding a job"));
        checks.add(threshold("function_errors_5m", s.functionErrors5m(), FUNCTION_ERRORS_WARN, FUNCTION_ERRORS_CRITICAL,
                UNAVAILABLE, s.lastError() == null ? "no recent error" : "latest: " + s.lastError()));
        if (s.deadLetterDepth() < 0) {
            checks.add(new Check("dead_letter_depth", -1, DEAD_LETTER_WARN, null, Verdict.WARN, UNAVAILABLE,
                    "the dead-letter queue could not be read"));
        } else {
            checks.add(threshold("dead_letter_depth", s.deadLetterDepth(), DEAD_LETTER_WARN, null, RETRIES,
                    "messages runners could not handle 5 times; the sweeper re-sends their jobs from DynamoDB"));
        }
        checks.add(threshold("deliveries_given_up", s.deliveriesGivenUp(), DELIVERIES_GIVEN_UP_WARN, null, UNAVAILABLE,
                s.deliveriesWaiting() + " push(es) kept while GitHub could not be read, tried again each minute; given-up ones"
                        + " are not built (payloads under deliveries/ in the bucket)"));
        Verdict worst = checks.stream().map(Check::verdict).max(Comparator.naturalOrder()).orElse(Verdict.OK);
        return new Report(worst, List.copyOf(checks), s);
    }

    /** No runner at all while work waits is critical; work waiting with every runner busy is a warning. */
    private static Check runners(Snapshot s) {
        String detail = s.runnersIdle() + " idle, " + s.runnersBusy() + " busy";
        Verdict verdict = Verdict.OK;
        if (s.queueDepth() > 0 && s.runnersRegistered() == 0) {
            verdict = Verdict.CRITICAL;
            detail += "; jobs are waiting and no runner is registered";
        } else if (s.queueDepth() > 0 && s.runnersIdle() == 0) {
            verdict = Verdict.WARN;
            detail += "; jobs are waiting and every runner is busy";
        }
        return new Check("runners_registered", s.runnersRegistered(), null, null, verdict, STUCK, detail);
    }

    private static Check threshold(String name, long value, Long warnAt, Long criticalAt, String symptom,
                                   String detail) {
        Verdict verdict = criticalAt != null && value >= criticalAt ? Verdict.CRITICAL
                : warnAt != null && value >= warnAt ? Verdict.WARN : Verdict.OK;
        return new Check(name, value, warnAt, criticalAt, verdict, symptom, detail);
    }
}
