package dev.deltaci.core.scale;

import java.util.List;

/**
 * What the scaler sees of one pool at one moment: the group's desired capacity and its
 * instances, each with the runners registered on it and whether the control plane has drained it;
 * the group's on-demand base capacity now (-1: not a mixed spot group), and since when the group
 * has listed fewer instances than it was asked for (-1: it is not short).
 */
public record FleetView(int desired, List<Instance> instances, int onDemandBase, long shortSinceEpochMs) {

    public FleetView {
        instances = List.copyOf(instances);
    }

    public FleetView(int desired, List<Instance> instances) {
        this(desired, instances, -1, -1);
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
