package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import dev.deltaci.api.CompleteReply;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.core.job.FailureClass;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.AttemptRecord;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.runner.RunnerApiClient;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Retries by failure class: the pipeline's retry: for script failures, the infrastructure budget for the rest. */
class RetryTest extends PlaneTest {



    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options o) {
        return o.withEnvironment(Map.of("INFRA_RETRY_BUDGET", "1")).withScheduleInterval(null);
    }

    @Test
    void scriptFailure_shouldBeRetriedAsRetrySays_onAnotherRunner() throws Exception {
        String runId = pushRun("""
                jobs:
                  flaky:
                    retry: {max: 2}
                    steps:
                      - run: '[ "$DELTA_ATTEMPT" -ge 2 ] || { echo "attempt $DELTA_ATTEMPT fails"; exit 7; }'
                """);
        try (RunnerPool pool = RunnerPool.start(2, plane.runnerTarget(), Files.createTempDirectory("delta-retry-"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
        }

        JobRecord flaky = store.getJob(runId, "flaky").orElseThrow();
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        assertThat(flaky.attempts().current()).isEqualTo(2);
        assertThat(flaky.attempts().userRetries()).isEqualTo(1);
        assertThat(flaky.attempts().infraRetries()).isZero();
        assertThat(flaky.attempts().history()).extracting(AttemptRecord::attempt, AttemptRecord::result, AttemptRecord::failureClass,
                AttemptRecord::exitCode).containsExactly(tuple(1, "QUEUED", "script_failure", 7), tuple(2, "SUCCEEDED", null, 0));
        assertThat(flaky.attempts().history().get(1).runner()).isNotEqualTo(flaky.attempts().history().get(0).runner());
    }

    @Test
    void scriptFailure_shouldBeFinal_withoutRetry() throws Exception {
        String runId = pushRun("jobs:\n  once:\n    steps: [{run: exit 4}]\n");
        RunnerApiClient runner = plane.runnerClient("runner-a");
        runner.lease(runId, "once", 0);
        JobRecord leased = store.getJob(runId, "once").orElseThrow();

        var answer = runner.complete(runId, "once", 1, 1, leased.times().startedAtEpochMs(), 4, FailureClass.SCRIPT_FAILURE, 0);

        assertThat(answer).isInstanceOf(CompleteReply.Accepted.class);
        assertThat(store.getJob(runId, "once").orElseThrow().state()).isEqualTo(JobState.FAILED);
    }

    @Test
    void infraError_shouldRetryOnTheInfraBudget_notTheUsers_andPreferAnotherRunner() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    retry: {max: 1}\n    steps: [{run: 'true'}]\n");
        RunnerApiClient a = plane.runnerClient("runner-a");
        RunnerApiClient b = plane.runnerClient("runner-b");
        a.lease(runId, "build", 0);
        long started = store.getJob(runId, "build").orElseThrow().times().startedAtEpochMs();

        var first = a.complete(runId, "build", 1, 1, started, -1, FailureClass.INFRA_ERROR, 1);
        var repeated = a.complete(runId, "build", 1, 1, started, -1, FailureClass.INFRA_ERROR, 1);

        assertThat(first).isInstanceOf(CompleteReply.Retrying.class);
        assertThat(repeated).as("idempotent").isInstanceOf(CompleteReply.Retrying.class);
        JobRecord queued = store.getJob(runId, "build").orElseThrow();
        assertThat(queued.state()).isEqualTo(JobState.QUEUED);
        assertThat(queued.lease().epoch()).isEqualTo(2);
        assertThat(queued.attempts().infraRetries()).isEqualTo(1);
        assertThat(queued.attempts().userRetries()).isZero();

        var sameRunner = a.lease(runId, "build", 2);
        assertThat(sameRunner.httpStatus()).isEqualTo(409);
        assertThat(sameRunner).isInstanceOf(LeaseReply.TryLater.class);
        assertThat(b.lease(runId, "build", 2).httpStatus()).isEqualTo(200);

        // the infrastructure budget (1) is spent: the next infra_error is final
        long startedAgain = store.getJob(runId, "build").orElseThrow().times().startedAtEpochMs();
        var last = b.complete(runId, "build", 3, 2, startedAgain, -1, FailureClass.INFRA_ERROR, 0);
        assertThat(last).isInstanceOf(CompleteReply.Accepted.class);
        JobRecord failed = store.getJob(runId, "build").orElseThrow();
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.outcome().failureClass()).isEqualTo("infra_error");
        assertThat(failed.attempts().history()).extracting(AttemptRecord::runner, AttemptRecord::result)
                .containsExactly(tuple(a.runnerId(), "QUEUED"), tuple(b.runnerId(), "FAILED"));
    }
}
