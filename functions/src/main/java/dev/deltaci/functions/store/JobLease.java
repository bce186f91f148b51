package dev.deltaci.functions.store;

/**
 * The lease that governs a job: its epoch (raised by one at every lease and requeue: the fencing
 * token every runner call names), who holds it and until when, when the run's cancellation
 * reached it (0: not), and the runner the last attempt failed on, which other runners go before.
 */
public record JobLease(long epoch, String owner, long expiresAtEpochMs, long cancelRequestedAtEpochMs,
                       String avoidRunner) {

    static final JobLease NONE = new JobLease(0, null, 0, 0, null);

    public boolean cancelRequested() {
        return cancelRequestedAtEpochMs > 0;
    }

    static final class Builder {
        long epoch;
        String owner;
        long expiresAtEpochMs;
        long cancelRequestedAtEpochMs;
        String avoidRunner;

        JobLease build() {
            return new JobLease(epoch, owner, expiresAtEpochMs, cancelRequestedAtEpochMs, avoidRunner);
        }
    }
}
