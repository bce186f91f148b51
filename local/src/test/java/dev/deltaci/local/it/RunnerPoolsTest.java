package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.api.Presence;
import dev.deltaci.core.job.JobState;
import dev.deltaci.functions.store.FleetStore;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.support.GroupInMemory;
import dev.deltaci.local.support.MutableClock;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.runner.RunnerApiClient;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Pool options: ephemeral instances (one job each), and jobs whose labels no pool offers. */
class RunnerPoolsTest {

    @Nested
    class Ephemeral extends PlaneTest {

        private final GroupInMemory group = new GroupInMemory();

        @Override
        protected LocalControlPlane.Options options(LocalControlPlane.Options defaults) {
            return defaults.withScheduleInterval(null)
                    .withAutoscaling(group, GroupInMemory.NAME, 3, Duration.ofMinutes(5), true);
        }

        @Test
        void anEphemeralInstance_shouldRunOneJob_thenBeTerminated_andTheNextJobGetAFreshOne() throws Exception {
            String runId = pushRun("jobs:\n  a: {steps: [{run: 'true'}]}\n  b: {steps: [{run: 'true'}]}\n");
            group.add("i-1");
            RunnerApiClient runner = plane.runnerClient("runner-i-1").onInstance("i-1");
            runner.register();

            LeaseReply.Leased a = (LeaseReply.Leased) runner.lease(runId, "a", 0);
            FleetStore.InstanceRecord record = plane.plane().fleetStore().instance("i-1").orElseThrow();
            assertThat(record.draining()).as("drained by its one lease").isTrue();
            assertThat(record.drainReason()).isEqualTo(FleetStore.EPHEMERAL_REASON);
            assertThat(runner.lease(runId, "b", 0)).as("a second job on the same instance").isInstanceOf(LeaseReply.Draining.class);
            assertThat(store.getJob(runId, "b").orElseThrow().state()).isEqualTo(JobState.QUEUED);

            plane.scaleNow();
            assertThat(group.terminated).as("still running its job").isEmpty();
            assertThat(group.desired).as("b gets an instance of its own").isEqualTo(2);

            runner.complete(runId, "a", a.lease().epoch(), a.job().attempt(), a.lease().startedAtEpochMs(), 0, null, 0, null);
            plane.scaleNow();
            assertThat(group.terminated).containsExactly("i-1");
        }

        @Test
        void aLeaseNotGranted_shouldNotUseUpTheEphemeralInstance() throws Exception {
            String runId = pushRun("jobs:\n  a: {steps: [{run: 'true'}]}\n");
            group.add("i-2");
            RunnerApiClient runner = plane.runnerClient("runner-i-2").onInstance("i-2");
            runner.register();

            LeaseReply stale = runner.lease(runId, "a", 7);

            assertThat(stale).isInstanceOf(LeaseReply.NotLeasable.class);
            assertThat(plane.plane().fleetStore().instance("i-2").orElseThrow().draining()).isFalse();
            assertThat(runner.lease(runId, "a", 0)).isInstanceOf(LeaseReply.Leased.class);
        }
    }

    @Nested
    class SpotFallback extends PlaneTest {

        private final GroupInMemory spot = new GroupInMemory("spot");
        private final GroupInMemory onDemand = new GroupInMemory("on-demand");
        private final MutableClock clock = new MutableClock();

        @Override
        protected LocalControlPlane.Options options(LocalControlPlane.Options defaults) {
            LocalControlPlane.Options autoscaled = defaults.withScheduleInterval(null).withClock(clock)
                    .withAutoscaling(GroupInMemory.both(spot, onDemand), "spot", 3, Duration.ofMinutes(5));
            java.util.Map<String, String> env = new java.util.HashMap<>(autoscaled.environmentOverrides());
            env.put("RUNNER_POOLS", env.get("RUNNER_POOLS").replace("\"ephemeral\"",
                    "\"fallbackGroup\": \"on-demand\", \"spotFallbackSeconds\": 180, \"ephemeral\""));
            return autoscaled.withEnvironment(env);
        }

        @Test
        void aSpotGroupWithoutCapacity_shouldHaveItsMissingInstancesAskedOfTheOnDemandGroup_afterTheFallbackTime()
                throws Exception {
            spot.launches = false;
            pushRun("jobs:\n  a: {steps: [{run: 'true'}]}\n  b: {steps: [{run: 'true'}]}\n");

            plane.scaleNow();
            assertThat(spot.desired).isEqualTo(2);
            assertThat(spot.members).as("no spot capacity").isEmpty();
            clock.advance(Duration.ofSeconds(100));
            plane.scaleNow();
            assertThat(onDemand.desired).as("within the fallback time").isZero();

            clock.advance(Duration.ofSeconds(100));
            plane.scaleNow();
            assertThat(onDemand.desired).isEqualTo(2);
            assertThat(spot.desired).as("the spot group is never lowered").isEqualTo(2);
            assertThat(plane.metrics().prometheus()).contains("action=\"on_demand_fallback\"");
            plane.scaleNow();
            assertThat(onDemand.desired).as("asked once: the two coming stand in for the shortfall").isEqualTo(2);
        }
    }

    @Nested
    class Unservable extends PlaneTest {

        private final GroupInMemory group = new GroupInMemory();
        private final MutableClock clock = new MutableClock();

        @Override
        protected LocalControlPlane.Options options(LocalControlPlane.Options defaults) {
            return defaults.withScheduleInterval(null).withClock(clock)
                    .withAutoscaling(group, GroupInMemory.NAME, 3, Duration.ofMinutes(5));
        }

        @Test
        void aJobNoPoolCanServe_shouldBeCounted_startNoInstance_andFailItsQueueTimeoutSayingWhy() throws Exception {
            String runId = pushRun("""
                    jobs:
                      train:
                        labels: [gpu]
                        queue-timeout-minutes: 1
                        steps: [{run: 'true'}]
                    """);

            plane.scaleNow();
            assertThat(group.desired).as("no instance for work no pool can run").isZero();
            assertThat(plane.metrics().prometheus()).contains("delta_jobs_unservable 1");

            clock.advance(Duration.ofMinutes(4));
            plane.sweepNow();

            var train = store.getJob(runId, "train").orElseThrow();
            assertThat(train.state()).isEqualTo(JobState.FAILED);
            assertThat(train.outcome().reason()).endsWith("; no runner pool offers labels [gpu] (pools: local [])");
        }

        @Test
        void aWaitingJob_shouldSayWhatItWaitsFor() throws Exception {
            pushRun("jobs:\n  a: {steps: [{run: 'true'}]}\n");

            plane.scaleNow();

            assertThat(plane.plane().fleetStore().poolStatus("local").orElseThrow().waiting())
                    .isEqualTo("waiting for capacity: 1 of 1 instance(s) launching in pool local");
        }
    }
}
