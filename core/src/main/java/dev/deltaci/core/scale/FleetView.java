package dev.deltaci.core.scale;

import java.util.List;

/**
 * What the scaler sees of one pool at one moment: its group's desired capacity and the instances
 * of the pool, each with the runners registered on it and whether the control plane has drained
 * it. A spot pool may have an on-demand fallback group: {@code fallback} is its desired count and
 * how many instances the spot group is short of its own desired count, since when (null: no
 * fallback group).
 */
public record FleetView(int desired, List<Instance> instances, Fallback fallback) {

    public FleetView {
        instances = List.copyOf(instances);
    }

    public FleetView(int desired, List<Instance> instances) {
        this(desired, instances, null);
    }

    /** The on-demand fallback group's desired count; the spot group's shortfall, and since when (-1: not short). */
    public record Fallback(int desired, int spotShortBy, long shortSinceEpochMs) {
    }

    /** An instance of the group, as the Auto Scaling group and the control plane's records show it. */
    public record Instance(String id, long launchedAtEpochMs, boolean terminating, List<Runner> runners,
                           boolean draining, boolean holdsWork) {

        public Instance {
            runners = List.copyOf(runners);
        }

        /** An instance starting up, no runner registered yet. */
        public static Instance launching(String id, long launchedAtEpochMs) {
            return new Instance(id, launchedAtEpochMs, false, List.of(), false, false);
        }

        /** An instance with one registered runner. */
        public static Instance running(String id, long launchedAtEpochMs, Runner runner) {
            return new Instance(id, launchedAtEpochMs, false, List.of(runner), false, runner.busy());
        }

        /**
         * Drained by the control plane: its runners get no more leases. {@code holdsWork} is
         * whether a lease it took (or may still be taking) is live; only without one may it be
         * terminated.
         */
        public Instance drained(boolean stillHoldsWork) {
            return new Instance(id, launchedAtEpochMs, terminating, runners, true, stillHoldsWork);
        }

        /** Counted as capacity: not on its way out. */
        boolean active() {
            return !terminating && !draining;
        }

        long busyRunners() {
            return runners.stream().filter(Runner::busy).count();
        }

        /** When its runners all became idle, or -1 if one is busy or none registered. */
        long idleSinceEpochMs() {
            if (runners.isEmpty() || runners.stream().anyMatch(Runner::busy)) {
                return -1;
            }
            return runners.stream().mapToLong(Runner::idleSinceEpochMs).max().orElse(-1);
        }
    }

    /** A runner on an instance: busy with a job, or idle since when. */
    public record Runner(String id, boolean busy, long idleSinceEpochMs) {

        public static Runner busy(String id) {
            return new Runner(id, true, -1);
        }

        public static Runner idleSince(String id, long epochMs) {
            return new Runner(id, false, epochMs);
        }
    }
}
