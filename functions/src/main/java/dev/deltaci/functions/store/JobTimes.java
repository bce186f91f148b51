package dev.deltaci.functions.store;

/**
 * When things happened to a job, in epoch milliseconds (0: not yet): written, queued (for the
 * current attempt), a queue message last sent ({@code enqueued}), the current attempt started,
 * and finished.
 */
public record JobTimes(long createdAtEpochMs, long queuedAtEpochMs, long enqueuedAtEpochMs, long startedAtEpochMs,
                       long finishedAtEpochMs) {

    static final JobTimes NONE = new JobTimes(0, 0, 0, 0, 0);

    static final class Builder {
        long createdAtEpochMs;
        long queuedAtEpochMs;
        long enqueuedAtEpochMs;
        long startedAtEpochMs;
        long finishedAtEpochMs;

        JobTimes build() {
            return new JobTimes(createdAtEpochMs, queuedAtEpochMs, enqueuedAtEpochMs, startedAtEpochMs,
                    finishedAtEpochMs);
        }
    }
}
