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

    private static DagProgress.JobNode conditional(String key, String condition, String... needs) {
        return new DagProgress.JobNode(key, JobState.BLOCKED, List.of(needs), condition);
    }

    @Test
    void condition_shouldWaitForAllNeeds_thenDecide() {
        var running = DagProgress.next(jobs(job("a", JobState.FAILED), job("b", JobState.RUNNING),
                conditional("report", "always()", "a", "b")));
        assertThat(running.isEmpty()).as("waits while b runs").isTrue();

        var done = DagProgress.next(jobs(job("a", JobState.FAILED), job("b", JobState.SUCCEEDED),
                conditional("report", "always()", "a", "b"), conditional("alert", "failure()", "a"),
                conditional("ship", "success()", "a", "b")));
        assertThat(done.toQueue()).containsExactly("report", "alert");
        assertThat(done.toSkip()).containsExactly(Map.entry("ship", "if: success() is false"));
    }

    @Test
    void condition_shouldSeeNeedsResultsAndTheDeltaContext() {
        var facts = new DagProgress.RunFacts(Map.of("delta", Map.of("branch", "main")), false);
        var decisions = DagProgress.next(jobs(job("test", JobState.TIMED_OUT),
                conditional("notify", "always() && needs.test.result == 'failure' && delta.branch == 'main'", "test"),
                conditional("other", "delta.branch == 'dev'", "test")), facts);

        assertThat(decisions.toQueue()).containsExactly("notify");
        assertThat(decisions.toSkip()).containsOnlyKeys("other");
    }

    @Test
    void initialState_shouldBeQueuedOnlyForJobsWithoutNeeds() {
        assertThat(DagProgress.initialState(List.of(), null)).isEqualTo(JobState.QUEUED);
        assertThat(DagProgress.initialState(List.of("a"), null)).isEqualTo(JobState.BLOCKED);
        assertThat(DagProgress.initialState(List.of(), "delta.branch == 'main'")).isEqualTo(JobState.BLOCKED);
    }
}
