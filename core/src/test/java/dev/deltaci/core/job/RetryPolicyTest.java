package dev.deltaci.core.job;

import static dev.deltaci.core.job.RetryPolicy.Decision.FINAL;
import static dev.deltaci.core.job.RetryPolicy.Decision.RETRY_INFRA;
import static dev.deltaci.core.job.RetryPolicy.Decision.RETRY_USER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.core.pipeline.RetrySpec;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private static final RetrySpec TWICE_ON_FAILURE = new RetrySpec(2, Set.of(FailureClass.SCRIPT_FAILURE));

    @Test
    void infrastructureFailures_shouldRetryOnTheInfraBudget_withoutSpendingTheUsers() {
        assertThat(RetryPolicy.decide(FailureClass.INFRA_ERROR, 0, 3, 2, TWICE_ON_FAILURE)).isEqualTo(RETRY_INFRA);
        assertThat(RetryPolicy.decide(FailureClass.RUNNER_LOST, 2, 3, 2, RetrySpec.NONE)).isEqualTo(RETRY_INFRA);
        assertThat(RetryPolicy.decide(FailureClass.INFRA_ERROR, 3, 3, 0, TWICE_ON_FAILURE)).isEqualTo(FINAL);
    }

    @Test
    void scriptFailuresAndTimeouts_shouldRetryOnlyAsThePipelineSays() {
        assertThat(RetryPolicy.decide(FailureClass.SCRIPT_FAILURE, 0, 3, 0, RetrySpec.NONE)).isEqualTo(FINAL);
        assertThat(RetryPolicy.decide(FailureClass.SCRIPT_FAILURE, 0, 3, 1, TWICE_ON_FAILURE)).isEqualTo(RETRY_USER);
        assertThat(RetryPolicy.decide(FailureClass.SCRIPT_FAILURE, 0, 3, 2, TWICE_ON_FAILURE)).isEqualTo(FINAL);
        assertThat(RetryPolicy.decide(FailureClass.TIMEOUT, 0, 3, 0, TWICE_ON_FAILURE)).isEqualTo(FINAL);
    }

    @Test
    void configErrorsAndCancellations_shouldNeverRetry() {
        RetrySpec everything = new RetrySpec(10, RetrySpec.RETRYABLE_BY_USER);
        assertThat(RetryPolicy.decide(FailureClass.CONFIG_ERROR, 0, 3, 0, everything)).isEqualTo(FINAL);
        assertThat(RetryPolicy.decide(FailureClass.CANCELLED, 0, 3, 0, everything)).isEqualTo(FINAL);
    }
}
