package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deltaci.api.HeartbeatReply;
import dev.deltaci.api.LeaseLost;
import dev.deltaci.core.job.FailureClass;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.cli.DeltaCli;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.MutableClock;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.runner.RunnerApiClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Cancellation, and stop instructions given at heartbeat (cancel, server-side timeout), with real runners. */
class CancelAndStopTest extends PlaneTest {


    private final MutableClock clock = new MutableClock();

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options o) {
        return o.withEnvironment(Map.of("LEASE_TTL_SECONDS", "3")).withClock(clock).withScheduleInterval(null);
    }

    private record Cli(int exit, String out, String err) {
    }

    private Cli delta(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new DeltaCli()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
        return new Cli(exit, out.toString(), err.toString());
    }

    @Test
    void cancel_shouldStopTheRunningJobAndCancelTheRest_recordingWhoCancelled() throws Exception {
        String runId = pushRun("""
                jobs:
                  long:
                    steps:
                      - run: 'trap "echo got SIGTERM; exit 143" TERM; sleep 60 & wait'
                  after:
                    needs: long
                    steps: [{run: 'true'}]
                """);
        try (RunnerPool pool = RunnerPool.start(1, plane.runnerTarget(), Files.createTempDirectory("delta-cancel-"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> store.getJob(runId, "long").orElseThrow().state() == JobState.RUNNING);
            long cancelledAt = System.nanoTime();

            Cli cancel = delta("cancel", runId, "--api-url", plane.apiUrl().toString(), "--api-key", plane.apiKey(), "--by", "alice");

            assertThat(cancel.exit()).as(cancel.err()).isZero();
            assertThat(cancel.out()).contains("cancelling run " + runId + " (by alice via ").contains("): 1 job(s) cancelled, 1 stopping");
            await().atMost(Duration.ofSeconds(20)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
            assertThat(Duration.ofNanos(System.nanoTime() - cancelledAt)).isLessThan(Duration.ofSeconds(10));
        }

        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.CANCELLED);
        assertThat(store.getRun(runId).orElseThrow().cancelledBy()).as("who asked, and with which key")
                .isEqualTo("alice via " + System.getProperty("user.name"));
        JobRecord longJob = store.getJob(runId, "long").orElseThrow();
        assertThat(longJob.state()).isEqualTo(JobState.CANCELLED);
        assertThat(longJob.outcome().failureClass()).isEqualTo("cancelled");
        var logs = plane.plane().logStore();
        String log = String.join("", logs.listChunks(runId, "long", 1).stream().map(logs::read).toList());
        assertThat(log).contains("got SIGTERM", "stopped: the run was cancelled");
        JobRecord after = store.getJob(runId, "after").orElseThrow();
        assertThat(after.state()).isEqualTo(JobState.CANCELLED);
        assertThat(after.outcome().reason()).startsWith("run cancelled by alice via ");

        Cli again = delta("cancel", runId, "--api-url", plane.apiUrl().toString(), "--api-key", plane.apiKey());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("has already finished: CANCELLED");
        assertThat(delta("cancel", "r-nosuchrun", "--api-url", plane.apiUrl().toString(), "--api-key", plane.apiKey()).exit()).isEqualTo(2);
    }

    @Test
    void heartbeatPastTheDeadline_shouldMakeTheRunnerStopAndReportTimeout() throws Exception {
        String runId = pushRun("jobs:\n  slow:\n    timeout-minutes: 1\n    steps: [{run: sleep 60}]\n");
        try (RunnerPool pool = RunnerPool.start(1, plane.runnerTarget(), Files.createTempDirectory("delta-timeout-"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> store.getJob(runId, "slow").orElseThrow().state() == JobState.RUNNING);

            clock.advance(Duration.ofSeconds(61)); // the control plane's time is past the job's deadline

            await().atMost(Duration.ofSeconds(20)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
        }
        JobRecord slow = store.getJob(runId, "slow").orElseThrow();
        assertThat(slow.state()).isEqualTo(JobState.TIMED_OUT);
        assertThat(slow.outcome().failureClass()).isEqualTo("timeout");
        assertThat(slow.outcome().exitCode()).isEqualTo(143);
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.FAILED);
    }

    @Test
    void runnerIgnoringTheStop_shouldHaveItsAttemptEndedByTheServer() throws Exception {
        String runId = pushRun("jobs:\n  slow:\n    timeout-minutes: 1\n    steps: [{run: sleep 600}]\n");
        RunnerApiClient stubborn = plane.runnerClient("stubborn");
        stubborn.lease(runId, "slow", 0);

        clock.advance(Duration.ofSeconds(61));
        var told = stubborn.heartbeat(runId, "slow", 1);
        clock.advance(Duration.ofSeconds(6)); // two lease TTLs later it still heartbeats instead of stopping
        var ended = stubborn.heartbeat(runId, "slow", 1);

        assertThat(told.httpStatus()).isEqualTo(200);
        assertThat(((HeartbeatReply.Renewed) told).stop()).isEqualTo(FailureClass.TIMEOUT);
        assertThat(ended.httpStatus()).isEqualTo(403);
        assertThat(((LeaseLost) ended).reason()).isEqualTo("runner " + stubborn.runnerId() + " did not stop within 6 s of being told (timeout)");
        assertThat(store.getJob(runId, "slow").orElseThrow().state()).isEqualTo(JobState.TIMED_OUT);
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.FAILED);
    }
}
