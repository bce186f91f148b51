package dev.deltaci.core.pipeline;

import dev.deltaci.core.job.FailureClass;
import java.util.Set;

/**
 * A job's {@code retry:}: how many more attempts a failure of the listed classes earns. Only
 * {@code script_failure} and {@code timeout} may be listed: lost runners and infrastructure
 * errors are retried automatically without spending these, and config errors never are.
 */
public record RetrySpec(int max, Set<FailureClass> when) {

    public static final int MAX_RETRIES = 10;
    public static final Set<FailureClass> RETRYABLE_BY_USER = Set.of(FailureClass.SCRIPT_FAILURE, FailureClass.TIMEOUT);
    public static final RetrySpec NONE = new RetrySpec(0, Set.of());

    public RetrySpec {
        when = Set.copyOf(when);
    }
}
