package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.api.CompleteReply;
import dev.deltaci.api.JobMessage;
import dev.deltaci.core.job.FailureClass;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.run.JobLifecycle;
import dev.deltaci.functions.store.CompleteOutcome;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.metrics.RequestCounter;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.runner.RunnerApiClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Every transition through {@link JobLifecycle} carries its after-effect with it: a requeue sends
 * the message for the new epoch, an end advances the run, and the listener hears each one after
 * it is written (the reporter reads the table when it hears).
 */
class JobLifecycleTest extends PlaneTest {

    private final List<String> heard = new ArrayList<>();
    private final RequestCounter requests = new RequestCounter();

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options o) {
        return o.withScheduleInterval(null).withInterceptors(List.of(requests));
    }

    private JobLifecycle lifecycle() {
        var p = plane.plane();
        return new JobLifecycle(store, p.sweepStore(), p.jobQueue(), p.runProgressor(),
                runId -> heard.add(statesOf(runId)));
    }

    /** What a listener reads when it hears a change: the states already written. */
    private String statesOf(String runId) {
        return store.listJobs(runId).stream().map(job -> job.jobKey() + "=" + job.state())
                .sorted().collect(java.util.stream.Collectors.joining(" "));
    }

    @Test
    void aRetry_shouldSendTheMessageForTheNewEpoch_andAnEnd_shouldAdvanceTheRun() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    retry: {max: 1}\n    steps: [{run: 'true'}]\n"
                + "  deploy:\n    needs: build\n    steps: [{run: 'true'}]\n");
        drain();
        RunnerApiClient runner = plane.runnerClient("runner-a");
        runner.lease(runId, "build", 0);
        JobRecord leased = store.getJob(runId, "build").orElseThrow();

        CompleteOutcome retried = lifecycle().retryAfterFailure(leased, runner.runnerId(), 1, 1,
                leased.times().startedAtEpochMs(), FailureClass.SCRIPT_FAILURE, 3, false);

        assertThat(retried).isEqualTo(new CompleteOutcome.Retrying(2));
        assertThat(drain()).extracting(JobMessage::jobKey, JobMessage::epoch).containsExactly(
                org.assertj.core.groups.Tuple.tuple("build", 2L));
        assertThat(heard).containsExactly("build=QUEUED deploy=BLOCKED");

        plane.runnerClient("runner-b").lease(runId, "build", 2);
        JobRecord second = store.getJob(runId, "build").orElseThrow();
        lifecycle().complete(runId, "build", second.lease().owner(), 3, 2, second.times().startedAtEpochMs(),
                JobState.SUCCEEDED, 0, null, 1, null, java.util.Map.of());

        assertThat(heard).containsExactly("build=QUEUED deploy=BLOCKED", "build=SUCCEEDED deploy=QUEUED");
        // the end advanced the run: its dependant is queued, with its message sent
        assertThat(store.getJob(runId, "deploy").orElseThrow().state()).isEqualTo(JobState.QUEUED);
        assertThat(drain()).extracting(JobMessage::jobKey).containsExactly("deploy");
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.RUNNING);
    }

    @Test
    void aForceEnd_shouldEndTheAttemptAndAdvanceTheRun_once() throws Exception {
        String runId = pushRun("jobs:\n  slow:\n    steps: [{run: sleep 100}]\n");
        drain();
        RunnerApiClient runner = plane.runnerClient("runner-a");
        runner.lease(runId, "slow", 0);
        JobRecord leased = store.getJob(runId, "slow").orElseThrow();

        boolean first = lifecycle().forceEnd(leased, FailureClass.CANCELLED, "did not stop").applied();
        boolean again = lifecycle().forceEnd(leased, FailureClass.CANCELLED, "did not stop").applied();

        assertThat(first).isTrue();
        assertThat(again).as("the lease it was conditional on is gone").isFalse();
        assertThat(heard).as("heard at least once, after the write").isNotEmpty().containsOnly("slow=CANCELLED");
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.CANCELLED);
    }

    @Test
    void independentJobs_shouldEndTheirRunByTally_withoutReadingIt_andARepeatedCompletionCountsOnce() throws Exception {
        String runId = pushRun("jobs:\n  a:\n    steps: [{run: 'true'}]\n  b:\n    steps: [{run: 'true'}]\n");
        drain();
        RunnerApiClient runner = plane.runnerClient("runner-a");
        requests.reset();
        runner.lease(runId, "a", 0);
        runner.lease(runId, "b", 0);

        // two leases, and one of them (the first job that needs none) marks the run started: not one per job
        assertThat(requests.byOperation()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of("DynamoDb:UpdateItem", 3L));
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.RUNNING);
        CompleteReply first = complete(runner, store.getJob(runId, "a").orElseThrow(), null);
        CompleteReply repeat = complete(runner, store.getJob(runId, "a").orElseThrow(), null);

        assertThat(first).isInstanceOf(CompleteReply.Accepted.class);
        assertThat(repeat).isInstanceOf(CompleteReply.AlreadyCompleted.class);
        assertThat(store.getRun(runId).orElseThrow().status())
                .as("a counted once: one of two jobs has ended").isEqualTo(RunState.RUNNING);
        requests.reset();

        complete(runner, store.getJob(runId, "b").orElseThrow(), null);

        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        // the job's write, the tally's (which found the run complete), the run's end: no read of the run
        assertThat(requests.byOperation()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of("DynamoDb:UpdateItem", 3L));
    }

    @Test
    void aJobThatOthersNeed_shouldStillAdvanceTheRun_andTheTallyEndsItAfterASkip() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'false'}]\n"
                + "  deploy:\n    needs: build\n    steps: [{run: 'true'}]\n  lint:\n    steps: [{run: 'true'}]\n");
        drain();
        RunnerApiClient runner = plane.runnerClient("runner-a");
        runner.lease(runId, "build", 0);
        runner.lease(runId, "lint", 0);

        complete(runner, store.getJob(runId, "build").orElseThrow(), FailureClass.SCRIPT_FAILURE);

        assertThat(store.getJob(runId, "deploy").orElseThrow().state()).isEqualTo(JobState.SKIPPED);
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.RUNNING);
        requests.reset();

        complete(runner, store.getJob(runId, "lint").orElseThrow(), null);

        // the advance after build tallied build and the skip of deploy: lint's completion ends the run unread
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.FAILED);
        assertThat(requests.byOperation()).doesNotContainKeys("DynamoDb:Query", "DynamoDb:GetItem");
    }

    @Test
    void aStartThatLeavesJobsToDecide_shouldGiveNoJobATallyOnlyEnd() throws Exception {
        String plain = pushRun("jobs:\n  a:\n    steps: [{run: 'true'}]\n  b:\n    needs: a\n    steps: [{run: 'true'}]\n"
                + "  c:\n    steps: [{run: 'true'}]\n");
        String decided = pushRun("jobs:\n  a:\n    steps: [{run: 'true'}]\n"
                + "  main-only:\n    if: delta.branch == 'release'\n    steps: [{run: 'true'}]\n");

        // b and c end alone (nothing needs them), a does not (b needs it); only a marks the run started
        assertThat(store.listJobs(plain)).extracting(JobRecord::jobKey, j -> j.place().endsAlone(), j -> j.place().marksStart())
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("a", false, true),
                        org.assertj.core.groups.Tuple.tuple("b", true, false), org.assertj.core.groups.Tuple.tuple("c", true, false));
        // the start's own advance decides main-only: were it cut short, a's end must advance the run to decide it
        assertThat(store.listJobs(decided)).allSatisfy(job -> assertThat(job.place().endsAlone()).isFalse());
        assertThat(store.listJobs(decided)).allSatisfy(job -> assertThat(job.place().runJobCount()).isEqualTo(2));
    }

    /** The lease holder's completion, through the runner API. */
    private static CompleteReply complete(RunnerApiClient runner, JobRecord leased, FailureClass failure)
            throws java.io.IOException {
        return runner.complete(leased.runId(), leased.jobKey(), leased.lease().epoch(), leased.attempts().current(),
                leased.times().startedAtEpochMs(), failure == null ? 0 : 1, failure, 1);
    }

    /** The job messages waiting in the queue, taken off it. */
    private List<JobMessage> drain() {
        List<JobMessage> messages = new ArrayList<>();
        var sqs = plane.plane().sqs();
        List<Message> batch;
        do {
            batch = sqs.receiveMessage(b -> b.queueUrl(plane.queueUrl()).maxNumberOfMessages(10).waitTimeSeconds(1))
                    .messages();
            for (Message message : batch) {
                messages.add(JobMessage.fromJson(message.body()));
                sqs.deleteMessage(b -> b.queueUrl(plane.queueUrl()).receiptHandle(message.receiptHandle()));
            }
        } while (!batch.isEmpty());
        return messages;
    }
}
