package dev.deltaci.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class StopPolicyTest {

    private static final StopPolicy POLICY = StopPolicy.forLease(Duration.ofSeconds(30));
    private static final long STARTED = 1_000_000;
    private static final long MINUTE = 60_000;

    @Test
    void decide_shouldCarryOn_beforeTheTimeoutAndWithoutACancel() {
        assertThat(POLICY.decide(0, STARTED, 10, STARTED + 10 * MINUTE - 1)).isEqualTo(new StopPolicy.Verdict.CarryOn());
    }

    @Test
    void decide_shouldTellATimedOutAttemptToStop_thenEndItAfterTwoLeaseTtls() {
        long deadline = STARTED + 10 * MINUTE;
        assertThat(POLICY.decide(0, STARTED, 10, deadline)).isEqualTo(new StopPolicy.Verdict.Stop(FailureClass.TIMEOUT));
        assertThat(POLICY.decide(0, STARTED, 10, deadline + 59_999)).isEqualTo(new StopPolicy.Verdict.Stop(FailureClass.TIMEOUT));
        assertThat(POLICY.decide(0, STARTED, 10, deadline + 60_000))
                .isEqualTo(new StopPolicy.Verdict.ForceEnd(FailureClass.TIMEOUT));
    }

    @Test
    void decide_shouldPutACancelBeforeATimeout_andCountTheGraceFromTheCancel() {
        long cancelled = STARTED + 30 * MINUTE;
        assertThat(POLICY.decide(cancelled, STARTED, 10, cancelled + 1))
                .isEqualTo(new StopPolicy.Verdict.Stop(FailureClass.CANCELLED));
        assertThat(POLICY.decide(cancelled, STARTED, 10, cancelled + 60_000))
                .isEqualTo(new StopPolicy.Verdict.ForceEnd(FailureClass.CANCELLED));
    }
}
