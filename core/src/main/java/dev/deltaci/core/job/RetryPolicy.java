package dev.deltaci.core.job;

import dev.deltaci.core.pipeline.RetrySpec;

/**
 * Whether a failed attempt is tried again, and on whose budget. Retrying is decided by failure
 * class, never by guess: infrastructure failures spend the infrastructure budget, script
 * failures and timeouts spend the pipeline's {@code retry:}, config errors and cancellations
 * are final.
 */
public final class RetryPolicy {

    public enum Decision {
        /** requeue; counts against the infrastructure retry budget */
        RETRY_INFRA,
        /** requeue; counts against the pipeline's retry.max */
        RETRY_USER,
        /** the attempt's end is the job's end */
        FINAL
    }

    private RetryPolicy() {
    }

    public static Decision decide(FailureClass failure, int infraRetriesUsed, int infraRetryBudget,
                                  int userRetriesUsed, RetrySpec retry) {
        return switch (failure) {
            case RUNNER_LOST, INFRA_ERROR -> infraRetriesUsed < infraRetryBudget ? Decision.RETRY_INFRA : Decision.FINAL;
            case SCRIPT_FAILURE, TIMEOUT -> retry.when().contains(failure) && userRetriesUsed < retry.max()
                    ? Decision.RETRY_USER : Decision.FINAL;
            case CONFIG_ERROR, CANCELLED -> Decision.FINAL;
        };
    }
}
