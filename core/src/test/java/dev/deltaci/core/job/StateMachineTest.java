package dev.deltaci.core.job;

import static dev.deltaci.core.job.JobState.BLOCKED;
import static dev.deltaci.core.job.JobState.CANCELLED;
import static dev.deltaci.core.job.JobState.FAILED;
import static dev.deltaci.core.job.JobState.QUEUED;
import static dev.deltaci.core.job.JobState.RUNNING;
import static dev.deltaci.core.job.JobState.SKIPPED;
import static dev.deltaci.core.job.JobState.SUCCEEDED;
import static dev.deltaci.core.job.JobState.TIMED_OUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class StateMachineTest {

    @Test
    void jobTransitions_shouldAllowOnlyTheDesignedMoves() {
        assertThat(JobTransitions.isAllowed(QUEUED, RUNNING)).isTrue();
        assertThat(JobTransitions.isAllowed(RUNNING, QUEUED)).isTrue();
        assertThat(JobTransitions.isAllowed(BLOCKED, SKIPPED)).isTrue();
        assertThat(JobTransitions.isAllowed(QUEUED, SUCCEEDED)).isFalse();
        assertThat(JobTransitions.isAllowed(SUCCEEDED, RUNNING)).isFalse();
        assertThat(JobTransitions.isAllowed(BLOCKED, RUNNING)).isFalse();
        assertThatThrownBy(() -> JobTransitions.check(FAILED, QUEUED)).hasMessage("illegal job transition FAILED -> QUEUED");
    }

    @Test
    void jobTransitions_shouldNeverLeaveATerminalState() {
        for (JobTransitions.Transition t : JobTransitions.TABLE) {
            assertThat(t.from().isTerminal()).as("%s", t).isFalse();
        }
    }

    @Test
    void sourcesOf_shouldBeTheConditionOfEachWrite() {
        assertThat(JobTransitions.sourcesOf(RUNNING)).containsExactly(QUEUED);
        assertThat(JobTransitions.sourcesOf(CANCELLED)).containsExactlyInAnyOrder(BLOCKED, QUEUED, RUNNING);
        assertThat(JobTransitions.sourcesOf(QUEUED)).containsExactlyInAnyOrder(BLOCKED, RUNNING);
    }

    @Test
    void derive_shouldFollowTheJobs() {
        assertThat(RunState.derive(List.of(QUEUED, BLOCKED))).isEqualTo(RunState.PENDING);
        assertThat(RunState.derive(List.of(RUNNING, BLOCKED))).isEqualTo(RunState.RUNNING);
        assertThat(RunState.derive(List.of(SUCCEEDED, QUEUED))).isEqualTo(RunState.RUNNING);
        assertThat(RunState.derive(List.of(SUCCEEDED, SUCCEEDED))).isEqualTo(RunState.SUCCEEDED);
        assertThat(RunState.derive(List.of(FAILED, SKIPPED, SUCCEEDED))).isEqualTo(RunState.FAILED);
        assertThat(RunState.derive(List.of(TIMED_OUT, CANCELLED))).isEqualTo(RunState.FAILED);
        assertThat(RunState.derive(List.of(CANCELLED, SUCCEEDED))).isEqualTo(RunState.CANCELLED);
    }

    @Test
    void failureClass_shouldMapToTerminalStateAndWireName() {
        assertThat(FailureClass.SCRIPT_FAILURE.terminalState()).isEqualTo(FAILED);
        assertThat(FailureClass.TIMEOUT.terminalState()).isEqualTo(TIMED_OUT);
        assertThat(FailureClass.fromWireName("runner_lost")).isEqualTo(FailureClass.RUNNER_LOST);
        assertThatThrownBy(() -> FailureClass.fromWireName("oops")).hasMessage("unknown failure class 'oops'");
    }
}
