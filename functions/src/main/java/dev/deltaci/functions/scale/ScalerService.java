package dev.deltaci.functions.scale;

import dev.deltaci.core.job.JobState;
import dev.deltaci.core.scale.FleetView;
import dev.deltaci.core.scale.ScalePlanner;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.store.FleetStore;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobRef;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.OpsStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass of the scaler: read what waits and what runs, let {@link ScalePlanner} decide, and
 * carry the decision out — raise a group's desired count, drain instances in DynamoDB, terminate
 * drained instances that hold no work. Every pass starts from what it reads, so a pass that
 * fails half way is finished by the next one.
 *
 * <p>Why a terminated instance never had a running job: the instance was drained by a
 * conditional write before ({@link FleetStore}), so no lease started on it after that write;
 * and {@link #holdsWork} reads the one lease it may have started before (strongly consistent)
 * and finds it over. When a read fails, the pass fails and terminates nothing.
 */
public final class ScalerService {

    private static final Logger LOG = LoggerFactory.getLogger(ScalerService.class);

    /**
     * The longest a lease call can take after its claim: the runner API function's timeout (29 s
     * in the template) with room for clock skew. A claim younger than this whose job is still
     * queued at the claimed epoch may still turn into a lease.
     */
    public static final Duration CLAIM_WINDOW = Duration.ofSeconds(35);
    /** Records of instances no longer in their group, kept this long in case the group's list is stale. */
    private static final Duration FORGET_ABSENT_AFTER = Duration.ofMinutes(15);

    private final JobStore jobs;
    private final OpsStore ops;
    private final FleetStore fleetRecords;
    private final RunnerFleet fleet;
    private final RunnerPools pools;
    private final Duration presenceWindow;
    private final Metrics metrics;
    private final Clock clock;
    /** Since when each pool's group has listed fewer instances than it was asked for (spot fallback). */
    private final Map<String, Long> shortSince = new ConcurrentHashMap<>();
    /** Which group each instance of the last pass is in: a terminate goes to that group. */
    private Map<String, String> groupOf = Map.of();
    /** What each pool's status item says now: it is written again only when that changes. */
    private final Map<String, String> statusWritten = new ConcurrentHashMap<>();
    /** Queued jobs' labels never change: read once per job, kept while the job waits. */
    private final Map<JobRef, List<String>> labelCache = new ConcurrentHashMap<>();

    public ScalerService(JobStore jobs, OpsStore ops, FleetStore fleetRecords, RunnerFleet fleet, RunnerPools pools,
                         Duration presenceWindow, Metrics metrics, Clock clock) {
        this.jobs = jobs;
        this.ops = ops;
        this.fleetRecords = fleetRecords;
        this.fleet = fleet;
        this.pools = pools;
        this.presenceWindow = presenceWindow;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** What one pass decided and did; {@code failures}: terminations Auto Scaling refused, left for the next pass. */
    public record Pass(ScalePlanner.Plan plan, List<String> drained, List<String> terminated, List<String> failures) {
    }

    public Pass pass() {
        long now = clock.millis();
        List<ScalePlanner.QueuedJob> queued = queuedJobs();
        Map<String, FleetStore.InstanceRecord> records = new HashMap<>();
        fleetRecords.instances().forEach(r -> records.put(r.instanceId(), r));
        Map<String, List<OpsStore.RunnerSeen>> runnersByInstance = new HashMap<>();
        for (OpsStore.RunnerSeen runner : ops.runnersSeen(presenceWindow)) {
            if (runner.instanceId() != null) {
                runnersByInstance.computeIfAbsent(runner.instanceId(), k -> new ArrayList<>()).add(runner);
            }
        }
        Map<String, FleetView> views = new HashMap<>();
        Set<String> inSomeGroup = new HashSet<>();
        Map<String, String> groupOf = new HashMap<>();
        for (RunnerPools.Pool pool : pools.pools()) {
            RunnerFleet.Group group = fleet.describe(pool.group());
            RunnerFleet.Group onDemand = pool.fallbackGroup() == null ? null : fleet.describe(pool.fallbackGroup());
            List<FleetView.Instance> instances = new ArrayList<>();
            for (RunnerFleet.Group of : onDemand == null ? List.of(group) : List.of(group, onDemand)) {
                for (RunnerFleet.Member member : of.members()) {
                    inSomeGroup.add(member.instanceId());
                    groupOf.put(member.instanceId(), of.name());
                    FleetStore.InstanceRecord record = records.get(member.instanceId());
                    if (record == null || record.firstSeenAtEpochMs() == 0) {
                        fleetRecords.seen(member.instanceId(), pool.spec().name());
                    }
                    long firstSeen = record == null || record.firstSeenAtEpochMs() == 0 ? now : record.firstSeenAtEpochMs();
                    instances.add(view(member, record, runnersByInstance.getOrDefault(member.instanceId(), List.of()),
                            firstSeen, now));
                }
            }
            views.put(pool.spec().name(), new FleetView(group.desired(), instances,
                    onDemand == null ? null : fallback(pool, group, onDemand, now)));
        }
        this.groupOf = groupOf;
        ScalePlanner.Plan plan = ScalePlanner.plan(pools.specs(), views, queued, now);
        List<String> drained = new ArrayList<>();
        List<String> terminated = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (ScalePlanner.PoolPlan poolPlan : plan.pools()) {
            RunnerPools.Pool pool = pools.named(poolPlan.pool()).orElseThrow();
            apply(pool, poolPlan, drained, terminated, failures);
            record(poolPlan);
        }
        metrics.record(Metric.JOBS_UNSERVABLE, plan.unservable().stream().mapToInt(ScalePlanner.Unservable::jobs).sum());
        forgetAbsent(records, inSomeGroup, now);
        return new Pass(plan, drained, terminated, failures);
    }

    private void apply(RunnerPools.Pool pool, ScalePlanner.PoolPlan plan, List<String> drained, List<String> terminated,
                       List<String> failures) {
        String name = pool.spec().name();
        if (plan.scalesOut()) {
            fleet.setDesired(pool.group(), plan.desired());
            // the capacity is asked for now: the group is short until it lists it (what the spot fallback times)
            shortSince.putIfAbsent(name, clock.millis());
            metrics.record(Metric.SCALE_DECISIONS, 1, "pool", name, "action", "scale_out");
            LOG.info("pool {}: {}", name, plan.reason());
        }
        if (plan.fallbackDesired() != null && pool.fallbackGroup() != null) {
            fleet.setDesired(pool.fallbackGroup(), plan.fallbackDesired());
            metrics.record(Metric.SCALE_DECISIONS, 1, "pool", name, "action", "on_demand_fallback");
            LOG.info("pool {}: {}", name, plan.reason());
        }
        for (String instanceId : plan.drain()) {
            fleetRecords.drain(instanceId, name, "scaler: " + reasonFor(plan, instanceId));
            drained.add(instanceId);
            metrics.record(Metric.SCALE_DECISIONS, 1, "pool", name, "action", "drain");
            LOG.info("pool {}: drained {} ({})", name, instanceId, reasonFor(plan, instanceId));
        }
        for (String instanceId : plan.terminate()) {
            try {
                fleet.terminate(groupOf.getOrDefault(instanceId, pool.group()), instanceId);
            } catch (RuntimeException e) {
                // already gone, or Auto Scaling refused for now: the next pass sees the group again
                failures.add(instanceId + ": " + e.getMessage());
                LOG.warn("pool {}: terminating {} failed: {}", name, instanceId, e.getMessage());
                continue;
            }
            fleetRecords.forget(instanceId);
            terminated.add(instanceId);
            metrics.record(Metric.SCALE_DECISIONS, 1, "pool", name, "action", "terminate");
            LOG.info("pool {}: terminated {} (drained, holds no work)", name, instanceId);
        }
    }

    /** How far the spot group is short of what it was asked for, and since when (the fallback's clock). */
    private FleetView.Fallback fallback(RunnerPools.Pool pool, RunnerFleet.Group spot, RunnerFleet.Group onDemand, long now) {
        int listed = (int) spot.members().stream().filter(m -> !m.leaving()).count();
        int shortBy = Math.max(0, spot.desired() - listed);
        Long since = shortBy > 0 ? shortSince.computeIfAbsent(pool.spec().name(), k -> now) : null;
        if (since == null) {
            shortSince.remove(pool.spec().name());
        }
        return new FleetView.Fallback(onDemand.desired(), shortBy, since == null ? -1 : since);
    }

    private static String reasonFor(ScalePlanner.PoolPlan plan, String instanceId) {
        for (String part : plan.reason().split("; ")) {
            if (part.contains(" " + instanceId + ":")) {
                return part.substring(part.indexOf(':') + 1).strip();
            }
        }
        return plan.reason();
    }

    private void record(ScalePlanner.PoolPlan plan) {
        String pool = plan.pool();
        ScalePlanner.Counts c = plan.counts();
        FleetStore.PoolStatus status = new FleetStore.PoolStatus(pool, plan.desired(), c.inService(), c.launching(),
                c.draining(), c.queued(), c.busyRunners(), plan.reason(), plan.waiting(), clock.millis());
        String seen = status.toString().replaceFirst("updatedAtEpochMs=\\d+", "");
        if (!seen.equals(statusWritten.get(pool))) {
            fleetRecords.savePoolStatus(status);
            statusWritten.put(pool, seen);
        }
        metrics.record(Metric.POOL_DESIRED, plan.desired(), "pool", pool);
        metrics.record(Metric.POOL_IN_SERVICE, plan.counts().inService(), "pool", pool);
        metrics.record(Metric.POOL_LAUNCHING, plan.counts().launching(), "pool", pool);
        metrics.record(Metric.POOL_DRAINING, plan.counts().draining(), "pool", pool);
        metrics.record(Metric.POOL_QUEUED, plan.counts().queued(), "pool", pool);
    }

    private FleetView.Instance view(RunnerFleet.Member member, FleetStore.InstanceRecord record,
                                    List<OpsStore.RunnerSeen> seen, long firstSeen, long now) {
        List<FleetView.Runner> runners = new ArrayList<>();
        Set<String> reporting = new HashSet<>();
        for (OpsStore.RunnerSeen runner : seen) {
            if (record != null && !record.runners().containsKey(runner.runnerId())) {
                continue; // replaced in its slot (it crashed and was restarted): its reports no longer count
            }
            reporting.add(runner.runnerId());
            runners.add(asSeen(runner, record == null ? null : record.claims().get(runner.runnerId()), now));
        }
        if (record != null && !record.draining()) {
            // registered but not reporting (just started, its presence calls fail, or it died and is not back):
            // busy if its last lease is live, else idle since it registered or last claimed
            record.runners().forEach((runnerId, registeredAt) -> {
                if (reporting.contains(runnerId)) {
                    return;
                }
                FleetStore.Claim claim = record.claims().get(runnerId);
                if (claim != null && claimHolds(claim, now)) {
                    runners.add(FleetView.Runner.busy(runnerId));
                } else {
                    runners.add(FleetView.Runner.idleSince(runnerId, Math.max(registeredAt,
                            claim == null ? 0 : claim.claimedAtEpochMs())));
                }
            });
        }
        boolean draining = record != null && record.draining();
        boolean holdsWork = draining && holdsWork(record, now);
        boolean busyNow = runners.stream().anyMatch(FleetView.Runner::busy);
        return new FleetView.Instance(member.instanceId(), firstSeen, member.leaving(), runners, draining,
                draining ? holdsWork : busyNow);
    }

    /**
     * A reporting runner, busy or idle. Its last report may be up to a presence interval old, and
     * a job may have started or ended since: when it reported busy, or claimed a job after its
     * report, the claimed job itself says whether it still runs (otherwise a runner that just
     * finished would count as busy for the rest of the interval, and every job queued after it
     * would start an instance of its own).
     */
    private FleetView.Runner asSeen(OpsStore.RunnerSeen runner, FleetStore.Claim claim, long now) {
        boolean reportedBusy = runner.state() == OpsStore.RunnerState.BUSY;
        boolean claimedSince = claim != null && claim.claimedAtEpochMs() >= runner.lastSeenAtEpochMs();
        if (claim == null || (!reportedBusy && !claimedSince)) {
            // nothing claimed since it said so: its report stands (a message in hand, not yet claimed, is busy)
            return new FleetView.Runner(runner.runnerId(), reportedBusy, reportedBusy ? -1 : runner.stateSinceEpochMs());
        }
        if (claimHolds(claim, now)) {
            return FleetView.Runner.busy(runner.runnerId());
        }
        // its job ended since the report: idle from about now (the next report says exactly)
        return FleetView.Runner.idleSince(runner.runnerId(), now);
    }

    /** Whether a drained instance may still be running a job: any of its runners' claims holds ({@link #claimHolds}). */
    boolean holdsWork(FleetStore.InstanceRecord record, long now) {
        for (FleetStore.Claim claim : record.claims().values()) {
            if (claimHolds(claim, now)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the lease a claim started may be live: it is held (RUNNING, the claim's runner, the
     * claimed epoch + 1), or the claim is young enough that its lease may still land on a job
     * that waits at the claimed epoch. Read strongly consistently; a failed read fails the pass.
     */
    private boolean claimHolds(FleetStore.Claim claim, long now) {
        Optional<JobRecord> job = jobs.getJob(claim.runId(), claim.jobKey());
        if (job.isEmpty()) {
            return false;
        }
        JobRecord current = job.get();
        if (current.state() == JobState.RUNNING && claim.runnerId().equals(current.lease().owner())
                && current.lease().epoch() == claim.epoch() + 1) {
            return true;
        }
        return current.state() == JobState.QUEUED && current.lease().epoch() == claim.epoch()
                && now - claim.claimedAtEpochMs() < CLAIM_WINDOW.toMillis();
    }

    private List<ScalePlanner.QueuedJob> queuedJobs() {
        List<JobStore.QueuedJob> refs = jobs.queuedJobs();
        Set<JobRef> waiting = new HashSet<>();
        List<JobRef> unknown = new ArrayList<>();
        for (JobStore.QueuedJob queued : refs) {
            waiting.add(queued.job());
            if (!labelCache.containsKey(queued.job())) {
                unknown.add(queued.job());
            }
        }
        if (!unknown.isEmpty()) {
            labelCache.putAll(jobs.labelsOf(unknown));
        }
        labelCache.keySet().retainAll(waiting);
        List<ScalePlanner.QueuedJob> queued = new ArrayList<>();
        for (JobStore.QueuedJob job : refs) {
            List<String> labels = labelCache.get(job.job());
            if (labels != null) {
                queued.add(new ScalePlanner.QueuedJob(labels, job.queuedAtEpochMs()));
            }
        }
        return queued;
    }

    /** Records of instances gone from every group: forgotten once clearly gone (a group's list may lag). */
    private void forgetAbsent(Map<String, FleetStore.InstanceRecord> records, Set<String> inSomeGroup, long now) {
        for (FleetStore.InstanceRecord record : records.values()) {
            if (inSomeGroup.contains(record.instanceId())) {
                continue;
            }
            long since = Math.max(record.firstSeenAtEpochMs(), Math.max(record.registeredAtEpochMs(), record.drainedAtEpochMs()));
            if (now - since > FORGET_ABSENT_AFTER.toMillis()) {
                fleetRecords.forget(record.instanceId());
            }
        }
    }
}
