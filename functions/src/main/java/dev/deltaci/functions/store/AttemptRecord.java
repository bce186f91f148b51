package dev.deltaci.functions.store;

/**
 * How one attempt of a job ended; a job keeps one per finished attempt, oldest first.
 *
 * @param result      the state the attempt ended the job in, or {@code QUEUED} when it was retried
 * @param failureClass why it did not succeed, or null
 * @param exitCode    the failing step's exit code, or null when no process exit was seen
 */
public record AttemptRecord(int attempt, long epoch, String runner, long startedAtEpochMs, long endedAtEpochMs,
                            String result, String failureClass, Integer exitCode) {

    static final class Builder {
        int attempt;
        long epoch;
        String runner;
        long startedAtEpochMs;
        long endedAtEpochMs;
        String result;
        String failureClass;
        Integer exitCode;

        AttemptRecord build() {
            return new AttemptRecord(attempt, epoch, runner, startedAtEpochMs, endedAtEpochMs, result, failureClass,
                    exitCode);
        }
    }
}
