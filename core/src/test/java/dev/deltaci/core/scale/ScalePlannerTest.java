package dev.deltaci.core.scale;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.core.scale.FleetView.Instance;
import dev.deltaci.core.scale.FleetView.Runner;
import dev.deltaci.core.scale.ScalePlanner.QueuedJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The scaler's decision table: a situation → desired capacity, instances drained and terminated. */
class ScalePlannerTest {

    private static final long NOW = 10_000_000L;
    private static final long MIN = 60_000L;
    private static final PoolSpec POOL = PoolSpec.of("default", List.of("linux"), 0, 5);

    record Case(String situation, PoolSpec pool, FleetView fleet, int queued, int desired, List<String> drain,
                List<String> terminate) {
        @Override
        public String toString() {
            return situation;
        }
    }

    static Instance idle(String id, long idleForMs) {
        return Instance.running(id, NOW - 3_600_000, Runner.idleSince(id + "-r", NOW - idleForMs));
    }

    static Instance busy(String id) {
        return Instance.running(id, NOW - 3_600_000, Runner.busy(id + "-r"));
    }

    static Instance launching(String id, long sinceMs) {
        return Instance.launching(id, NOW - sinceMs);
    }

    static FleetView fleet(int desired, Instance... instances) {
        return new FleetView(desired, List.of(instances));
    }

    static Stream<Case> table() {
        return Stream.of(
                new Case("nothing queued, nothing running: stays at zero", POOL, fleet(0), 0, 0, List.of(), List.of()),
                new Case("3 queued at zero: scale out to 3 at once", POOL, fleet(0), 3, 3, List.of(), List.of()),
                new Case("9 queued: capped at max 5", POOL, fleet(0), 9, 5, List.of(), List.of()),
                new Case("3 queued, 2 launching: one more", POOL, fleet(2, launching("i-1", 5_000), launching("i-2", 5_000)),
                        3, 3, List.of(), List.of()),
                new Case("desired 3 but only 1 listed yet: the 2 unlisted count as coming", POOL,
                        fleet(3, launching("i-1", 1_000)), 3, 3, List.of(), List.of()),
                new Case("2 queued, 1 idle runner: one more", POOL, fleet(1, idle("i-1", 1_000)), 2, 2, List.of(), List.of()),
                new Case("2 queued, all busy: two more", POOL, fleet(2, busy("i-1"), busy("i-2")), 2, 4, List.of(), List.of()),
                new Case("4 jobs per instance: 5 queued need 2 instances", POOL.withJobsPerInstance(4), fleet(0), 5, 2,
                        List.of(), List.of()),
                new Case("4 jobs per instance, 1 of 4 busy: 3 queued fit", POOL.withJobsPerInstance(4),
                        new FleetView(1, List.of(new Instance("i-1", NOW - MIN, false, List.of(Runner.busy("a"),
                                Runner.idleSince("b", NOW), Runner.idleSince("c", NOW), Runner.idleSince("d", NOW)), false, true))),
                        3, 1, List.of(), List.of()),
                new Case("min 2 at zero: scale out to min", PoolSpec.of("p", List.of(), 2, 5), fleet(0), 0, 2, List.of(), List.of()),
                new Case("idle past the timeout, nothing queued: drain it", POOL, fleet(1, idle("i-1", 6 * MIN)), 0, 1,
                        List.of("i-1"), List.of()),
                new Case("idle but within the timeout: keep it", POOL, fleet(1, idle("i-1", 4 * MIN)), 0, 1, List.of(), List.of()),
                new Case("busy: never drained", POOL, fleet(1, busy("i-1")), 0, 1, List.of(), List.of()),
                new Case("idle but min 1: keep one, drain the longer idle other", PoolSpec.of("p", List.of("linux"), 1, 5),
                        fleet(2, idle("i-1", 20 * MIN), idle("i-2", 10 * MIN)), 0, 2, List.of("i-1"), List.of()),
                new Case("idle past the timeout but jobs queued: no scale-in", POOL,
                        fleet(2, idle("i-1", 20 * MIN), busy("i-2")), 1, 2, List.of(), List.of()),
                new Case("drained and holding no work: terminate", POOL, fleet(1, idle("i-1", 20 * MIN).drained(false)), 0, 1,
                        List.of(), List.of("i-1")),
                new Case("drained but its lease is live: wait", POOL, fleet(1, busy("i-1").drained(true)), 0, 1,
                        List.of(), List.of()),
                new Case("drained instance does not count as capacity: 1 queued scales out", POOL,
                        fleet(1, busy("i-1").drained(true)), 1, 2, List.of(), List.of()),
                new Case("never registered within 10 min: drain, and replace it while work waits", POOL,
                        fleet(1, launching("i-1", 11 * MIN)), 1, 2, List.of("i-1"), List.of()),
                new Case("at max with a drained one still finishing: no room", PoolSpec.of("p", List.of(), 0, 2),
                        fleet(2, busy("i-1").drained(true), busy("i-2")), 3, 2, List.of(), List.of()),
                new Case("ephemeral: a used instance (drained at its lease) ends; new work gets a new one",
                        POOL.ephemeralPool(), fleet(1, idle("i-1", 1_000).drained(false)), 1, 2, List.of(), List.of("i-1")),
                new Case("desired set higher by hand than needed: never lowered by a set", POOL,
                        fleet(4, idle("i-1", 1_000)), 0, 4, List.of(), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void plan_shouldDecide_asTheTableSays(Case c) {
        // given
        List<QueuedJob> queued = new ArrayList<>();
        for (int i = 0; i < c.queued(); i++) {
            queued.add(new QueuedJob(List.of(), NOW - 1_000));
        }
        // when
        ScalePlanner.PoolPlan plan = ScalePlanner.plan(List.of(c.pool()), Map.of(c.pool().name(), c.fleet()), queued, NOW)
                .pools().get(0);
        // then
        assertThat(plan.desired()).as("desired: " + plan.reason()).isEqualTo(c.desired());
        assertThat(plan.drain()).as("drained: " + plan.reason()).isEqualTo(c.drain());
        assertThat(plan.terminate()).as("terminated: " + plan.reason()).isEqualTo(c.terminate());
    }

    @Test
    void plan_shouldNeverDrainOrTerminate_anInstanceWithABusyRunner() {
        // given every kind of instance, busy, all idle for hours and nothing queued
        Instance busyOld = busy("i-busy");
        Instance busyDrained = busy("i-drained").drained(true);
        FleetView view = fleet(3, busyOld, busyDrained, idle("i-idle", 60 * MIN));
        // when
        ScalePlanner.PoolPlan plan = ScalePlanner.plan(List.of(POOL), Map.of("default", view), List.of(), NOW).pools().get(0);
        // then only the idle one goes
        assertThat(plan.drain()).containsExactly("i-idle");
        assertThat(plan.terminate()).isEmpty();
    }

    @Test
    void plan_shouldAssignJobs_toTheFirstPoolWithTheirLabels_andNameTheOnesNoPoolServes() {
        // given
        PoolSpec linux = PoolSpec.of("linux", List.of("linux"), 0, 3);
        PoolSpec gpu = PoolSpec.of("gpu", List.of("linux", "gpu"), 0, 2);
        List<QueuedJob> queued = List.of(new QueuedJob(List.of("gpu"), NOW), new QueuedJob(List.of("linux"), NOW),
                new QueuedJob(List.of(), NOW), new QueuedJob(List.of("arm64"), NOW), new QueuedJob(List.of("arm64"), NOW));
        // when
        ScalePlanner.Plan plan = ScalePlanner.plan(List.of(linux, gpu), Map.of(), queued, NOW);
        // then
        assertThat(plan.pools()).extracting(ScalePlanner.PoolPlan::desired).containsExactly(2, 1);
        assertThat(plan.unservable()).singleElement().satisfies(u -> {
            assertThat(u.labels()).containsExactly("arm64");
            assertThat(u.jobs()).isEqualTo(2);
            assertThat(u.reason()).isEqualTo("no runner pool offers labels [arm64] (pools: linux [linux], gpu [linux, gpu])");
        });
    }

    @Test
    void plan_shouldSayWhyJobsWait() {
        // given two launching, one more asked for
        FleetView view = fleet(2, launching("i-1", 5_000), launching("i-2", 5_000));
        List<QueuedJob> three = List.of(new QueuedJob(List.of(), NOW), new QueuedJob(List.of(), NOW),
                new QueuedJob(List.of(), NOW));
        // when
        ScalePlanner.PoolPlan plan = ScalePlanner.plan(List.of(POOL), Map.of("default", view), three, NOW).pools().get(0);
        ScalePlanner.PoolPlan full = ScalePlanner.plan(List.of(PoolSpec.of("p", List.of(), 0, 1)),
                Map.of("p", fleet(1, busy("i-1"))), three, NOW).pools().get(0);
        // then
        assertThat(plan.waiting()).isEqualTo("waiting for capacity: 3 of 3 instance(s) launching in pool default");
        assertThat(plan.reason()).startsWith("scale out 2 → 3: 3 queued, 2 free slot(s)");
        assertThat(full.waiting()).isEqualTo("waiting for capacity: pool p is at its max of 1 instance(s), all busy");
        assertThat(ScalePlanner.plan(List.of(POOL), Map.of(), List.of(), NOW).pools().get(0).waiting()).isNull();
    }

    @Test
    void aSpotPoolShortOfCapacity_shouldAskItsOnDemandGroup_afterItsFallbackTime_withinItsMax() {
        PoolSpec spot = POOL.withSpotFallback(Duration.ofMinutes(3));
        // the spot group was asked for 3 and has 1 (busy); 2 jobs wait
        FleetView shortTwo = new FleetView(3, List.of(busy("i-1")), new FleetView.Fallback(0, 2, NOW - 4 * MIN));
        FleetView shortBriefly = new FleetView(3, List.of(busy("i-1")), new FleetView.Fallback(0, 2, NOW - MIN));
        FleetView alreadyCovered = new FleetView(3, List.of(busy("i-1"), launching("o-1", 1_000), launching("o-2", 1_000)),
                new FleetView.Fallback(2, 2, NOW - 4 * MIN));
        List<QueuedJob> two = List.of(new QueuedJob(List.of(), NOW), new QueuedJob(List.of(), NOW));

        ScalePlanner.PoolPlan fallback = ScalePlanner.plan(List.of(spot), Map.of("default", shortTwo), two, NOW).pools().get(0);
        ScalePlanner.PoolPlan patient = ScalePlanner.plan(List.of(spot), Map.of("default", shortBriefly), two, NOW).pools().get(0);
        ScalePlanner.PoolPlan covered = ScalePlanner.plan(List.of(spot), Map.of("default", alreadyCovered), two, NOW)
                .pools().get(0);
        ScalePlanner.PoolPlan tight = ScalePlanner.plan(List.of(PoolSpec.of("default", List.of("linux"), 0, 2)
                .withSpotFallback(Duration.ofMinutes(3))), Map.of("default", shortTwo), two, NOW).pools().get(0);
        ScalePlanner.PoolPlan noFallback = ScalePlanner.plan(List.of(POOL), Map.of("default", shortTwo), two, NOW).pools().get(0);

        assertThat(fallback.fallbackDesired()).isEqualTo(2);
        assertThat(fallback.desired()).as("the spot group is not asked for more").isEqualTo(3);
        assertThat(fallback.reason()).contains("on-demand fallback: spot group short 2 instance(s) for 240 s; on-demand group 0 → 2");
        assertThat(patient.fallbackDesired()).as("within the fallback time").isNull();
        assertThat(covered.fallbackDesired()).as("the on-demand group already has them coming").isNull();
        assertThat(tight.fallbackDesired()).as("max 2: one on-demand beside the one spot instance").isEqualTo(1);
        assertThat(noFallback.fallbackDesired()).as("no fallback configured").isNull();
    }

    @Test
    void poolSpec_shouldRefuseNonsense() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PoolSpec.of("p", List.of(), 3, 2))
                .hasMessageContaining("min <= max");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PoolSpec.of("p", List.of(), 0, 2)
                .withJobsPerInstance(2).ephemeralPool()).isInstanceOf(IllegalArgumentException.class);
        assertThat(PoolSpec.of("p", List.of(), 0, 2).withIdleTimeout(Duration.ofSeconds(30)).idleTimeout())
                .isEqualTo(Duration.ofSeconds(30));
    }
}
