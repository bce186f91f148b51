package dev.deltaci.core.scale;

import dev.deltaci.core.pipeline.RunnerLabels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scaler's decision, a pure function of what it sees: per pool, the desired capacity, which
 * instances to drain and which drained instances to terminate.
 *
 * <ul>
 *   <li>Each queued job belongs to the first pool whose labels include all of the job's.</li>
 *   <li><b>Scale-out at once</b>: the instances needed are the queued jobs beyond the free slots
 *       (idle runners, and instances still launching, counted as already there), divided by the
 *       runners per instance and rounded up; the desired capacity rises by that, up to the pool's
 *       max. It never falls through this path: lowering the desired count would let Auto
 *       Scaling pick the instance, and it might pick a busy one.</li>
 *   <li><b>Scale-in only by draining</b>: with nothing queued for the pool, the instances beyond
 *       {@code max(min, busy runners / runners per instance)} whose runners have all been idle
 *       for the pool's idle timeout are drained, longest idle first. A drained instance takes no
 *       lease (the control plane refuses it), and is terminated, desired count decremented, only
 *       once it holds no work.</li>
 *   <li>An instance whose runner never registered within the launch timeout is drained too (and
 *       replaced, since it no longer counts as capacity).</li>
 *   <li><b>Spot fallback</b>: when a spot pool's group has stayed short of its desired count for
 *       the pool's fallback time, the missing instances are asked of its on-demand group (within
 *       the pool's max). When spot capacity comes back the extra instances are idle, and go the
 *       way idle instances go.</li>
 * </ul>
 */
public final class ScalePlanner {

    private ScalePlanner() {
    }

    /** A job waiting for a runner: its labels, and since when. */
    public record QueuedJob(List<String> labels, long queuedAtEpochMs) {
        public QueuedJob {
            labels = List.copyOf(labels);
        }
    }

    /** The plan for every pool, and the jobs no pool can serve. */
    public record Plan(List<PoolPlan> pools, List<Unservable> unservable) {
    }

    /** Jobs whose labels no pool offers: they wait until their queue timeout fails them. */
    public record Unservable(List<String> labels, int jobs, String reason) {
    }

    /** What a pool holds now, as counted for the decision. */
    public record Counts(int queued, int busyRunners, int idleInstances, int launching, int inService, int draining) {
    }

    /**
     * One pool's decision.
     *
     * @param desired   the desired capacity to set (never below {@code currentDesired})
     * @param drain     instances to drain now
     * @param terminate drained instances that hold no work: terminate them, decrementing the desired count
     * @param waiting   why the pool's queued jobs wait, or null when none does
     * @param fallbackDesired the desired count to set on the on-demand fallback group, or null to leave it
     */
    public record PoolPlan(String pool, int currentDesired, int desired, List<String> drain, List<String> terminate,
                           Counts counts, String reason, String waiting, Integer fallbackDesired) {

        public boolean scalesOut() {
            return desired > currentDesired;
        }
    }

    public static Plan plan(List<PoolSpec> pools, Map<String, FleetView> fleet, List<QueuedJob> queued, long nowEpochMs) {
        Map<String, Integer> queuedPerPool = new LinkedHashMap<>();
        Map<String, List<String>> unservableLabels = new LinkedHashMap<>();
        Map<String, Integer> unservableCounts = new LinkedHashMap<>();
        for (QueuedJob job : queued) {
            PoolSpec pool = poolFor(pools, job.labels());
            if (pool == null) {
                String key = RunnerLabels.key(job.labels());
                unservableLabels.putIfAbsent(key, List.of(key.split(",")));
                unservableCounts.merge(key, 1, Integer::sum);
            } else {
                queuedPerPool.merge(pool.name(), 1, Integer::sum);
            }
        }
        List<PoolPlan> plans = new ArrayList<>();
        for (PoolSpec pool : pools) {
            FleetView view = fleet.getOrDefault(pool.name(), new FleetView(0, List.of()));
            plans.add(planPool(pool, view, queuedPerPool.getOrDefault(pool.name(), 0), nowEpochMs));
        }
        List<Unservable> unservable = new ArrayList<>();
        String offered = pools.isEmpty() ? "no pools are configured"
                : "pools: " + String.join(", ", pools.stream().map(p -> p.name() + " " + p.labels()).toList());
        unservableCounts.forEach((key, count) -> unservable.add(new Unservable(unservableLabels.get(key), count,
                "no runner pool offers labels " + unservableLabels.get(key) + " (" + offered + ")")));
        return new Plan(plans, unservable);
    }

    /** The first pool whose runners can run a job with these labels, or null. */
    public static PoolSpec poolFor(List<PoolSpec> pools, List<String> jobLabels) {
        for (PoolSpec pool : pools) {
            if (RunnerLabels.satisfies(pool.labels(), jobLabels)) {
                return pool;
            }
        }
        return null;
    }

    private static PoolPlan planPool(PoolSpec pool, FleetView view, int queued, long now) {
        int slots = pool.jobsPerInstance();
        List<FleetView.Instance> active = new ArrayList<>();
        List<FleetView.Instance> stuck = new ArrayList<>();
        List<FleetView.Instance> draining = new ArrayList<>();
        int launching = 0;
        int inService = 0;
        int busy = 0;
        int activeBusy = 0;
        int idleInstances = 0;
        long freeSlots = 0;
        for (FleetView.Instance instance : view.instances()) {
            if (instance.terminating()) {
                continue;
            }
            if (instance.draining()) {
                draining.add(instance);
                busy += (int) instance.busyRunners();
                continue;
            }
            if (instance.runners().isEmpty()) {
                if (now - instance.launchedAtEpochMs() >= pool.launchTimeout().toMillis()) {
                    stuck.add(instance);
                    continue;
                }
                launching++;
                freeSlots += slots;
                active.add(instance);
                continue;
            }
            inService++;
            active.add(instance);
            busy += (int) instance.busyRunners();
            activeBusy += (int) instance.busyRunners();
            freeSlots += Math.max(0, slots - instance.busyRunners());
            if (instance.busyRunners() == 0) {
                idleInstances++;
            }
        }
        int inGroup = active.size() + stuck.size() + draining.size();
        int askedFor = view.desired() + (view.fallback() == null ? 0 : view.fallback().desired());
        // capacity the group was asked for that has not shown up as an instance yet is on its way
        int notYetListed = Math.max(0, askedFor - inGroup);
        freeSlots += (long) notYetListed * slots;
        int coming = launching + notYetListed;
        int size = Math.max(askedFor, inGroup);

        int needed = (int) Math.max(0, ceilDiv(queued - freeSlots, slots));
        int belowMin = Math.max(0, pool.min() - (active.size() + notYetListed));
        int wanted = Math.min(pool.max(), size + Math.max(needed, belowMin));
        // the increase goes to the pool's own group (the fallback group only gets what spot cannot give)
        int desired = view.desired() + Math.max(0, wanted - size);

        List<String> drain = new ArrayList<>();
        List<String> why = new ArrayList<>();
        for (FleetView.Instance instance : stuck) {
            drain.add(instance.id());
            why.add("drain " + instance.id() + ": no runner registered within " + pool.launchTimeout().toMinutes()
                    + " min of launch");
        }
        if (queued == 0) {
            int keep = Math.max(pool.min(), (int) ceilDiv(activeBusy, slots));
            int surplus = active.size() + notYetListed - keep;
            List<FleetView.Instance> idleLongEnough = active.stream()
                    .filter(i -> i.idleSinceEpochMs() >= 0 && now - i.idleSinceEpochMs() >= pool.idleTimeout().toMillis())
                    .sorted(Comparator.comparingLong(FleetView.Instance::idleSinceEpochMs)
                            .thenComparing(FleetView.Instance::id))
                    .toList();
            for (FleetView.Instance instance : idleLongEnough.subList(0, Math.max(0, Math.min(surplus, idleLongEnough.size())))) {
                drain.add(instance.id());
                why.add("drain " + instance.id() + ": idle " + (now - instance.idleSinceEpochMs()) / 1000 + " s (timeout "
                        + pool.idleTimeout().toSeconds() + " s), nothing queued");
            }
        }
        List<String> terminate = new ArrayList<>();
        for (FleetView.Instance instance : draining) {
            if (!instance.holdsWork()) {
                terminate.add(instance.id());
                why.add("terminate " + instance.id() + ": drained, holds no work");
            }
        }
        if (desired > view.desired()) {
            why.add(0, "scale out " + view.desired() + " → " + desired + ": " + queued + " queued, " + freeSlots
                    + " free slot(s)" + (belowMin > 0 ? ", min " + pool.min() : ""));
        }
        Integer fallbackDesired = null;
        FleetView.Fallback fallback = view.fallback();
        if (fallback != null && !pool.spotFallback().isZero() && fallback.spotShortBy() > 0
                && fallback.shortSinceEpochMs() >= 0 && now - fallback.shortSinceEpochMs() >= pool.spotFallback().toMillis()) {
            // what exists or is still coming, leaving out what the spot group cannot get; what the on-demand
            // group was already asked for stands in for that much of the shortfall
            int room = Math.max(0, pool.max() - (size - fallback.spotShortBy()));
            int add = Math.min(fallback.spotShortBy() - fallback.desired(), room);
            if (add > 0) {
                fallbackDesired = fallback.desired() + add;
                why.add("on-demand fallback: spot group short " + fallback.spotShortBy() + " instance(s) for "
                        + (now - fallback.shortSinceEpochMs()) / 1000 + " s; on-demand group " + fallback.desired()
                        + " → " + fallbackDesired);
            }
        }
        String reason = why.isEmpty() ? "steady: " + queued + " queued, " + busy + " busy, " + idleInstances + " idle, "
                + coming + " launching" : String.join("; ", why);
        String waiting = null;
        if (queued > 0) {
            int comingAfter = coming + Math.max(0, desired - view.desired());
            int total = Math.max(desired, size);
            if (comingAfter > 0) {
                waiting = "waiting for capacity: " + comingAfter + " of " + total + " instance(s) launching in pool "
                        + pool.name();
            } else if (freeSlots == 0) {
                waiting = "waiting for capacity: pool " + pool.name() + " is at its max of " + pool.max()
                        + " instance(s), all busy";
            } else {
                waiting = "waiting for an idle runner of pool " + pool.name() + " to take it";
            }
        }
        return new PoolPlan(pool.name(), view.desired(), desired, drain, terminate,
                new Counts(queued, busy, idleInstances, coming, inService, draining.size()), reason, waiting, fallbackDesired);
    }

    private static long ceilDiv(long a, long b) {
        return a <= 0 ? 0 : (a + b - 1) / b;
    }
}
