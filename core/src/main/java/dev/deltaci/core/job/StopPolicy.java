package dev.deltaci.core.job;

import java.time.Duration;

/**
 * When a running attempt must stop, and when the server stops waiting for it to. A heartbeat
 * tells the runner to stop once the run is cancelled or the job is past {@code timeout-minutes};
 * a runner still going {@link #grace()} after being told has its attempt ended by the server.
 * The grace is two lease TTLs: the runner hears of the stop at its next heartbeat (a third of a
 * TTL) and then gets its steps' own kill grace.
 */
public record StopPolicy(Duration grace) {

    /** What the attempt is to do now. */
    public sealed interface Verdict {
        /** Nothing asks it to stop. */
        record CarryOn() implements Verdict {
        }

        /** Told to stop, with the class its report is to carry ({@code cancelled}, {@code timeout}). */
        record Stop(FailureClass why) implements Verdict {
        }

        /** Told more than the grace ago and still going: the server ends the attempt itself. */
        record ForceEnd(FailureClass why) implements Verdict {
        }
    }

    public static StopPolicy forLease(Duration leaseTtl) {
        return new StopPolicy(leaseTtl.multipliedBy(2));
    }

    /**
     * @param cancelRequestedAtEpochMs when the run was cancelled, or 0 if it was not
     * @param startedAtEpochMs         when the attempt started (its timeout counts from there)
     */
    public Verdict decide(long cancelRequestedAtEpochMs, long startedAtEpochMs, int timeoutMinutes, long nowEpochMs) {
        long deadline = startedAtEpochMs + Duration.ofMinutes(timeoutMinutes).toMillis();
        FailureClass why;
        long toldSince;
        if (cancelRequestedAtEpochMs > 0) {
            why = FailureClass.CANCELLED;
            toldSince = cancelRequestedAtEpochMs;
        } else if (nowEpochMs >= deadline) {
            why = FailureClass.TIMEOUT;
            toldSince = deadline;
        } else {
            return new Verdict.CarryOn();
        }
        return nowEpochMs - toldSince >= grace.toMillis() ? new Verdict.ForceEnd(why) : new Verdict.Stop(why);
    }
}
