package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.api.LeaseReply;
import dev.deltaci.api.Presence;
import dev.deltaci.core.job.JobState;
import dev.deltaci.functions.scale.ScalerService;
import dev.deltaci.functions.store.FleetStore;
import dev.deltaci.local.chaos.FaultInjector;
import dev.deltaci.local.chaos.FaultInjector.Fault;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.support.GroupInMemory;
import dev.deltaci.local.support.MutableClock;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.runner.RunnerApiClient;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Scale-in never takes a running job with it: a drained instance gets no lease; one whose runner
 * leased before the drain (or was leasing as it came) is terminated only once that lease is over;
 * a read that fails during the pass terminates nothing; an ambiguous drain still ends well. The
 * scaler runs pass by pass here ({@link LocalControlPlane#scaleNow()}) on a fleet in memory.
 */
class ScaleInSafetyTest extends PlaneTest {

    private static final Predicate<SdkRequest> JOB_READ = r -> r instanceof GetItemRequest g
            && g.key().get("sk") != null && g.key().get("sk").s().startsWith("JOB#");
    private static final Predicate<SdkRequest> DRAIN = r -> r instanceof UpdateItemRequest u
            && u.updateExpression().startsWith("SET #draining = :true, #drainReason = :reason");

    private final GroupInMemory group = new GroupInMemory();
    private final FaultInjector faults = new FaultInjector();
    private final MutableClock clock = new MutableClock();

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options defaults) {
        return defaults.withScheduleInterval(null).withInterceptors(List.of(faults)).withClock(clock)
                .withAutoscaling(group, GroupInMemory.NAME, 3, Duration.ofSeconds(1), ephemeral());
    }

    protected boolean ephemeral() {
        return false;
    }

    @Test
    void aDrainedInstance_shouldGetNoLease_andTheJobStaysQueued() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'true'}]\n");
        RunnerApiClient runner = runnerOn("i-1");
        fleet().drain("i-1", "local", "test");

        LeaseReply reply = runner.lease(runId, "build", 0);

        assertThat(reply).isInstanceOf(LeaseReply.Draining.class);
        assertThat(((LeaseReply.Draining) reply).reason()).contains("i-1").contains("drained");
        assertThat(store.getJob(runId, "build").orElseThrow().state()).isEqualTo(JobState.QUEUED);
        assertThat(store.getJob(runId, "build").orElseThrow().lease().epoch()).isZero();
    }

    @Test
    void aLeaseTakenBeforeTheDrain_shouldKeepItsInstance_untilTheJobEnds() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'true'}]\n");
        RunnerApiClient runner = runnerOn("i-1");
        LeaseReply.Leased leased = (LeaseReply.Leased) runner.lease(runId, "build", 0);
        // the scaler drains it on a stale view (it believed the runner idle)
        runner.presence(Presence.IDLE, 60_000L);
        fleet().drain("i-1", "local", "test: stale view");

        plane.scaleNow();
        assertThat(group.terminated).as("terminated while its lease is held").isEmpty();

        runner.complete(runId, "build", leased.lease().epoch(), leased.job().attempt(), leased.lease().startedAtEpochMs(),
                0, null, 0, null);
        plane.scaleNow();
        assertThat(group.terminated).containsExactly("i-1");
        assertThat(group.desired).as("desired decremented with it").isZero();
    }

    @Test
    void aClaimWhoseLeaseIsStillOnItsWay_shouldKeepItsInstance_forTheClaimWindow_andWhileTheLeaseThatLandedRuns()
            throws Exception {
        String first = pushRun("jobs:\n  build:\n    steps: [{run: 'true'}]\n");
        RunnerApiClient runner = runnerOn("i-1");
        runner.presence(Presence.IDLE, 60_000L);
        // the claim is written, the lease not yet (the runner API is slow), then the drain comes
        fleet().claim("i-1", runner.runnerId(), first, "build", 0, false);
        fleet().drain("i-1", "local", "test: drain between claim and lease");

        plane.scaleNow();
        assertThat(group.terminated).as("within the claim window").isEmpty();
        // the lease lands after the drain: the instance is now running it
        store.leases().lease(first, "build", runner.runnerId(), 0, plane.plane().config().leasePolicy());
        clock.advance(ScalerService.CLAIM_WINDOW.plusSeconds(1));
        plane.scaleNow();
        assertThat(group.terminated).as("its lease landed and is held").isEmpty();

        // a claim whose lease never lands frees the instance once the window has passed
        String second = pushRun("jobs:\n  other:\n    steps: [{run: 'true'}]\n");
        RunnerApiClient next = runnerOn("i-2");
        next.presence(Presence.IDLE, 60_000L);
        fleet().claim("i-2", next.runnerId(), second, "other", 0, false);
        fleet().drain("i-2", "local", "test");
        plane.scaleNow();
        assertThat(group.terminated).isEmpty();
        clock.advance(ScalerService.CLAIM_WINDOW.plusSeconds(1));
        plane.scaleNow();
        assertThat(group.terminated).containsExactly("i-2");
    }

    @Test
    void aRunnerThatJustFinished_shouldCountAsIdle_andStartNoInstanceForTheNextJob() throws Exception {
        // given a runner that said it is busy, then finished its job before its next report
        String runId = pushRun("jobs:\n  a: {steps: [{run: 'true'}]}\n  b:\n    needs: [a]\n    steps: [{run: 'true'}]\n");
        RunnerApiClient runner = runnerOn("i-1");
        LeaseReply.Leased a = (LeaseReply.Leased) runner.lease(runId, "a", 0);
        runner.presence(Presence.BUSY, 10L);
        runner.complete(runId, "a", a.lease().epoch(), a.job().attempt(), a.lease().startedAtEpochMs(), 0, null, 0, null);
        assertThat(store.getJob(runId, "b").orElseThrow().state()).isEqualTo(JobState.QUEUED);

        // when the scaler passes before the runner reports again
        plane.scaleNow();

        // then b waits for that runner: no instance of its own
        assertThat(group.desired).isEqualTo(1);
        assertThat(group.members).containsExactly("i-1");
    }

    @Test
    void anInstanceWithTwoRunners_shouldGoOnlyOnceBothLeasesAreOver() throws Exception {
        String runId = pushRun("jobs:\n  a: {steps: [{run: 'true'}]}\n  b: {steps: [{run: 'true'}]}\n");
        group.add("i-1");
        RunnerApiClient first = plane.runnerClient("i-1-slot-1").onInstance("i-1");
        RunnerApiClient second = plane.runnerClient("i-1-slot-2").onInstance("i-1");
        first.register();
        second.register();
        LeaseReply.Leased a = (LeaseReply.Leased) first.lease(runId, "a", 0);
        LeaseReply.Leased b = (LeaseReply.Leased) second.lease(runId, "b", 0);
        fleet().drain("i-1", "local", "test");

        first.complete(runId, "a", a.lease().epoch(), a.job().attempt(), a.lease().startedAtEpochMs(), 0, null, 0, null);
        plane.scaleNow();
        assertThat(group.terminated).as("the second runner still runs b").isEmpty();

        second.complete(runId, "b", b.lease().epoch(), b.job().attempt(), b.lease().startedAtEpochMs(), 0, null, 0, null);
        plane.scaleNow();
        assertThat(group.terminated).containsExactly("i-1");
    }

    @Test
    void aReadThatFailsDuringThePass_shouldTerminateNothing() throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'true'}]\n");
        RunnerApiClient runner = runnerOn("i-1");
        LeaseReply.Leased leased = (LeaseReply.Leased) runner.lease(runId, "build", 0);
        fleet().drain("i-1", "local", "test");
        runner.complete(runId, "build", leased.lease().epoch(), leased.job().attempt(), leased.lease().startedAtEpochMs(),
                0, null, 0, null);
        // DynamoDB unreachable for the job read, every retry of the pass's read
        faults.inject(JOB_READ, Fault.UNREACHABLE, 100);

        plane.scaleNow();
        plane.scaleNow();
        assertThat(group.terminated).as("nothing ended on a guess").isEmpty();
        assertThat(faults.injected()).isPositive();

        faults.clear();
        plane.scaleNow();
        assertThat(group.terminated).containsExactly("i-1");
    }

    @Test
    void aDrainAppliedButReportedFailed_shouldStillEndInOneTerminate() throws Exception {
        RunnerApiClient runner = runnerOn("i-1");
        runner.presence(Presence.IDLE, 60_000L);
        faults.inject(DRAIN, Fault.SERVER_ERROR, 1);

        plane.scaleNow();
        plane.scaleNow();

        assertThat(faults.injected()).isEqualTo(1);
        assertThat(group.terminated).containsExactly("i-1");
        assertThat(fleet().instances()).isEmpty();
    }

    @Test
    void scaleOut_shouldBeAtOnce_andCountOnlyWhatWaits() throws Exception {
        pushRun("jobs:\n  a: {steps: [{run: 'true'}]}\n  b: {steps: [{run: 'true'}]}\n  c:\n    needs: [a]\n"
                + "    steps: [{run: 'true'}]\n");

        plane.scaleNow();

        assertThat(group.desired).as("two queued (c is blocked), none running").isEqualTo(2);
        plane.scaleNow();
        assertThat(group.desired).as("the two launching count as coming: no more").isEqualTo(2);
    }

    /** A runner registered as the runner of this instance of the pool (which the group lists). */
    RunnerApiClient runnerOn(String instanceId) throws Exception {
        group.add(instanceId);
        RunnerApiClient runner = plane.runnerClient("runner-" + instanceId).onInstance(instanceId);
        runner.register();
        return runner;
    }

    FleetStore fleet() {
        return plane.plane().fleetStore();
    }
}
