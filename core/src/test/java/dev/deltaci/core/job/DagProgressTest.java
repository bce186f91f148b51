package dev.deltaci.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DagProgressTest {

    private static Map<String, DagProgress.JobNode> jobs(DagProgress.JobNode... nodes) {
        Map<String, DagProgress.JobNode> map = new LinkedHashMap<>();
        for (DagProgress.JobNode node : nodes) {
            map.put(node.key(), node);
        }
        return map;
    }

    private static DagProgress.JobNode job(String key, JobState state, String... needs) {
        return new DagProgress.JobNode(key, state, List.of(needs));
    }

    @Test
    void next_shouldQueueDependant_whenAllNeedsSucceeded() {
        var decisions = DagProgress.next(jobs(job("a", JobState.SUCCEEDED), job("b", JobState.SUCCEEDED),
                job("c", JobState.BLOCKED, "a", "b")));

        assertThat(decisions.toQueue()).containsExactly("c");
        assertThat(decisions.toSkip()).isEmpty();
    }

    @Test
    void next_shouldWait_whenANeedIsStillRunning() {
        var decisions = DagProgress.next(jobs(job("a", JobState.SUCCEEDED), job("b", JobState.RUNNING),
                job("c", JobState.BLOCKED, "a", "b")));

        assertThat(decisions.isEmpty()).isTrue();
    }

    @Test
    void next_shouldSkipWithReason_whenANeedFailedEvenIfAnotherRuns() {
        var decisions = DagProgress.next(jobs(job("a", JobState.FAILED), job("b", JobState.RUNNING),
                job("c", JobState.BLOCKED, "a", "b")));

        assertThat(decisions.toSkip()).containsExactly(Map.entry("c", "needs 'a', which ended FAILED"));
        assertThat(decisions.toQueue()).isEmpty();
    }

    @Test
    void next_shouldSkipTransitively_oneLayerPerCall() {
        var first = DagProgress.next(jobs(job("a", JobState.TIMED_OUT), job("b", JobState.BLOCKED, "a"),
                job("c", JobState.BLOCKED, "b")));
        assertThat(first.toSkip()).containsOnlyKeys("b");

        var second = DagProgress.next(jobs(job("a", JobState.TIMED_OUT), job("b", JobState.SKIPPED, "a"),
                job("c", JobState.BLOCKED, "b")));
        assertThat(second.toSkip()).containsExactly(Map.entry("c", "needs 'b', which ended SKIPPED"));
    }

    @Test
    void initialState_shouldBeQueuedOnlyForJobsWithoutNeeds() {
        assertThat(DagProgress.initialState(List.of())).isEqualTo(JobState.QUEUED);
        assertThat(DagProgress.initialState(List.of("a"))).isEqualTo(JobState.BLOCKED);
    }
}
