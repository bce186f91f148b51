package dev.deltaci.functions.store;

import java.util.List;

/**
 * How often a job was tried: {@code current} is 1 for the first try and + 1 for each requeue;
 * {@code infraRetries} counts those for infrastructure reasons (runner lost, infra error),
 * {@code userRetries} those under the pipeline's {@code retry:}; {@code history} says how each
 * finished attempt ended, oldest first.
 */
public record JobAttempts(int current, int infraRetries, int userRetries, List<AttemptRecord> history) {

    static final JobAttempts FIRST = new JobAttempts(1, 0, 0, List.of());

    public JobAttempts {
        history = history == null ? List.of() : List.copyOf(history);
    }

    static final class Builder {
        int current = 1;
        int infraRetries;
        int userRetries;
        List<AttemptRecord> history;

        JobAttempts build() {
            return new JobAttempts(current, infraRetries, userRetries, history);
        }
    }
}
