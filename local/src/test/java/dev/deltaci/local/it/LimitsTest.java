package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.Conditions;
import dev.deltaci.functions.store.RunRecord;
import dev.deltaci.local.chaos.FaultInjector.Fault;
import dev.deltaci.local.chaos.FaultInjector;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.support.MutableClock;
import dev.deltaci.local.support.PlaneFixture;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.local.support.StackContents;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/** Pipelines past a limit, and failures after the run item is written, through the real webhook. */
class LimitsTest extends PlaneTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Predicate<SdkRequest> CREATE_JOB = r -> r instanceof PutItemRequest p
            && p.item().containsKey("type") && "job".equals(p.item().get("type").s());

    private static final Predicate<SdkRequest> FAIL_UNSTARTED = r -> r instanceof UpdateItemRequest u
            && Conditions.RUN_FAIL_UNSTARTED_UPDATE.equals(u.updateExpression());

    private final FaultInjector faults = new FaultInjector();
    private final dev.deltaci.local.metrics.RequestCounter requests = new dev.deltaci.local.metrics.RequestCounter();
    private final MutableClock clock = new MutableClock();

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options o) {
        return o.withInterceptors(List.of(faults, requests)).withScheduleInterval(null).withClock(clock);
    }

    @Test
    void aPipelineExpandingPastTheJobLimit_shouldFailAsConfigError_withNoJobWritten() throws Exception {
        String job = "    strategy: {matrix: {a: [1,2,3,4], b: [1,2,3,4], c: [1,2,3,4], d: [1,2,3,4]}}\n"
                + "    steps: [{run: x}]\n";
        String runId = pushRun("jobs:\n  w:\n" + job + "  x:\n" + job + "  y:\n" + job + "  z:\n" + job);

        RunRecord run = store.getRun(runId).orElseThrow();
        assertThat(run.status()).isEqualTo(RunState.FAILED);
        assertThat(run.failureClass()).isEqualTo("config_error");
        assertThat(run.message()).contains("the pipeline has 1024 jobs; the limit is 1000 per run (DELTA_MAX_JOBS_PER_RUN)");
        assertThat(store.listJobs(runId)).isEmpty();
    }

    @Test
    void jobWritesFailingAfterTheRunItem_shouldEndTheRunFailedWithItsReason_notLeaveItPending() throws Exception {
        var repo = fixture.repository("jobs:\n  a: {steps: [{run: x}]}\n  b: {steps: [{run: x}]}\n");
        faults.inject(CREATE_JOB, Fault.UNREACHABLE, 100);

        GitHubPush.Delivery delivery = GitHubPush.send(plane.apiUrl(), PlaneFixture.SECRET, GitHubPush.payload(repo));
        faults.clear();

        assertThat(delivery.status()).as(delivery.body()).isEqualTo(500);
        RunRecord run = store.getRun(dev.deltaci.functions.trigger.WebhookService.runIdFor(delivery.deliveryId())).orElseThrow();
        assertThat(run.status()).isEqualTo(RunState.FAILED);
        assertThat(run.failureClass()).isEqualTo("infra_error");
        assertThat(run.message()).startsWith("could not write the run's jobs");
        // the same delivery again finds the run finished, and writes nothing more
        GitHubPush.Delivery again = GitHubPush.send(plane.apiUrl(), PlaneFixture.SECRET, GitHubPush.payload(repo),
                delivery.deliveryId());
        assertThat(again.body()).contains("\"duplicate\":true").contains("FAILED");
        assertThat(store.listJobs(run.runId())).isEmpty();
    }

    @Test
    void aStartTheFunctionDidNotFinish_shouldBeFailedByTheSweeper_withTheJobsWrittenCancelled() throws Exception {
        var repo = fixture.repository("jobs:\n  a: {steps: [{run: x}]}\n  b: {steps: [{run: x}]}\n");
        // the function dies after writing the run and its first job: nothing after that reaches the table
        faults.inject(CREATE_JOB.and(r -> ((PutItemRequest) r).item().get("jobKey").s().equals("b")), Fault.UNREACHABLE, 100)
                .inject(FAIL_UNSTARTED, Fault.UNREACHABLE, 100);
        GitHubPush.Delivery delivery = GitHubPush.send(plane.apiUrl(), PlaneFixture.SECRET, GitHubPush.payload(repo));
        faults.clear();
        String runId = dev.deltaci.functions.trigger.WebhookService.runIdFor(delivery.deliveryId());
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.PENDING);

        plane.sweepNow();
        assertThat(store.getRun(runId).orElseThrow().status()).as("not before any function could still be writing")
                .isEqualTo(RunState.PENDING);
        clock.advance(java.time.Duration.ofMinutes(3));
        plane.sweepNow();

        RunRecord run = store.getRun(runId).orElseThrow();
        assertThat(run.status()).isEqualTo(RunState.FAILED);
        assertThat(run.failureClass()).isEqualTo("infra_error");
        assertThat(run.message()).startsWith("the run's start stopped after 1 of 2 jobs were written");
        assertThat(store.listJobs(runId)).singleElement()
                .satisfies(job -> assertThat(job.state()).isEqualTo(dev.deltaci.core.job.JobState.CANCELLED));
    }

    @Test
    void aStartNoRunnerTookAJobFrom_shouldBeMarkedCompleteByTheSweeper_notFailed_andARepeatOfItsEventWriteNothing()
            throws Exception {
        var repo = fixture.repository("jobs:\n  a: {steps: [{run: x}]}\n");
        GitHubPush.Delivery delivery = GitHubPush.send(plane.apiUrl(), PlaneFixture.SECRET, GitHubPush.payload(repo));
        String runId = dev.deltaci.functions.trigger.WebhookService.runIdFor(delivery.deliveryId());
        // the start writes no mark of its own: a root job's first lease is the proof it is complete
        assertThat(store.getRun(runId).orElseThrow().materialized()).isFalse();

        // GitHub delivers the event again before any runner took the job: every job is there, so it is a repeat
        requests.reset();
        GitHubPush.Delivery again = GitHubPush.send(plane.apiUrl(), PlaneFixture.SECRET, GitHubPush.payload(repo),
                delivery.deliveryId());
        assertThat(again.body()).contains("\"duplicate\":true");
        assertThat(requests.byOperation()).as("no write but the run's conditional put, answered by its failed "
                + "condition; a read of its jobs finds them all").containsEntry("DynamoDb:PutItem", 1L)
                .containsEntry("DynamoDb:Query", 1L).doesNotContainKeys("DynamoDb:UpdateItem", "DynamoDb:DeleteItem",
                        "Sqs:SendMessageBatch", "Sqs:SendMessage");

        clock.advance(java.time.Duration.ofMinutes(3));
        plane.sweepNow();

        RunRecord run = store.getRun(runId).orElseThrow();
        assertThat(run.materialized()).isTrue();
        assertThat(run.status()).isEqualTo(RunState.PENDING); // waiting for a runner, as any new run
        assertThat(store.listJobs(runId)).singleElement()
                .satisfies(job -> assertThat(job.state()).isEqualTo(dev.deltaci.core.job.JobState.QUEUED));
    }

    @Test
    void aRootJobsFirstLease_shouldMarkItsRunRunning_andItsStartComplete_inOneWrite() throws Exception {
        String runId = pushRun("jobs:\n  a: {steps: [{run: x}]}\n  b: {steps: [{run: x}]}\n");
        assertThat(store.getRun(runId).orElseThrow().materialized()).isFalse();

        assertThat(plane.runnerClient("r1").lease(runId, "a", 0).httpStatus()).isEqualTo(200);
        RunRecord started = store.getRun(runId).orElseThrow();
        assertThat(started.status()).isEqualTo(RunState.RUNNING);
        assertThat(started.materialized()).isTrue();
        // out of the unfinished-starts index: the sweeper never looks at it again
        assertThat(plane.plane().sweepStore().unfinishedStartsBefore(Long.MAX_VALUE, 10)).doesNotContain(runId);

        // the second root's lease finds both done, and changes nothing
        assertThat(plane.runnerClient("r2").lease(runId, "b", 0).httpStatus()).isEqualTo(200);
        assertThat(store.getRun(runId).orElseThrow().updatedAtEpochMs()).isEqualTo(started.updatedAtEpochMs());
    }

    @Test
    void aWebhookWithALoneSurrogate_shouldBe400_andWriteNothing() throws Exception {
        var repo = fixture.repository("jobs:\n  a: {steps: [{run: x}]}\n");
        String payload = new String(GitHubPush.payload(repo), StandardCharsets.UTF_8)
                .replace("\"ref\":\"refs/heads/main\"", "\"ref\":\"refs/heads/main\\ud800\"");
        assertThat(payload).contains("\\ud800");

        GitHubPush.Delivery delivery = GitHubPush.send(plane.apiUrl(), PlaneFixture.SECRET,
                payload.getBytes(StandardCharsets.UTF_8));

        assertThat(delivery.status()).isEqualTo(400);
        assertThat(JSON.readTree(delivery.body()).get("error").asText())
                .isEqualTo("malformed push event: 'ref' has a lone surrogate U+D800 at character 16; send valid Unicode text");
        assertThat(StackContents.of(stack).tableItems()).isZero();
    }
}
