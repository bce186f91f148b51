package dev.deltaci.functions.scale;

import dev.deltaci.core.scale.PoolSpec;
import dev.deltaci.core.scale.ScalePlanner;
import dev.deltaci.functions.store.FleetStore;
import java.util.List;
import java.util.Optional;

/**
 * Why a queued job waits, as the scaler last saw its pool: "waiting for capacity: 2 of 3
 * instance(s) launching in pool default", or that no pool offers its labels. Empty when no pool
 * is autoscaled (the job simply waits for a runner) or the scaler has not passed yet.
 */
public final class WaitingReasons {

    private final RunnerPools pools;
    private final FleetStore fleet;

    public WaitingReasons(RunnerPools pools, FleetStore fleet) {
        this.pools = pools;
        this.fleet = fleet;
    }

    public Optional<String> forLabels(List<String> labels) {
        if (pools.isEmpty()) {
            return Optional.empty();
        }
        PoolSpec pool = ScalePlanner.poolFor(pools.specs(), labels);
        if (pool == null) {
            return Optional.of("no runner pool offers labels " + labels);
        }
        return fleet.poolStatus(pool.name()).map(FleetStore.PoolStatus::waiting);
    }
}
