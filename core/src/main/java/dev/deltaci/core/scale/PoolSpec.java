package dev.deltaci.core.scale;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A pool of runner instances the scaler sizes: the labels its runners offer, its bounds, how many
 * runners each instance starts, how long an instance may stay idle before it is drained, and
 * whether each instance runs one job only (ephemeral).
 *
 * @param launchTimeout how long an instance may go without its runner registering before it
 *                      counts as broken and is drained and replaced
 * @param spotFallback  for a spot pool with an on-demand fallback group: how long its group may
 *                      stay short of its desired count (spot capacity not to be had) before the
 *                      missing instances are asked of the fallback group; zero for no fallback
 */
public record PoolSpec(String name, List<String> labels, int min, int max, int jobsPerInstance, Duration idleTimeout,
                       Duration launchTimeout, boolean ephemeral, Duration spotFallback) {

    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    public static final Duration DEFAULT_LAUNCH_TIMEOUT = Duration.ofMinutes(10);

    public PoolSpec {
        Objects.requireNonNull(name, "name");
        labels = List.copyOf(labels);
        if (min < 0 || max < min) {
            throw new IllegalArgumentException("pool " + name + ": need 0 <= min <= max, got min " + min + ", max " + max);
        }
        if (jobsPerInstance < 1) {
            throw new IllegalArgumentException("pool " + name + ": jobsPerInstance must be 1 or more");
        }
        if (ephemeral && jobsPerInstance != 1) {
            throw new IllegalArgumentException("pool " + name + ": an ephemeral pool runs one job per instance");
        }
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(launchTimeout, "launchTimeout");
        Objects.requireNonNull(spotFallback, "spotFallback");
    }

    public PoolSpec(String name, List<String> labels, int min, int max, int jobsPerInstance, Duration idleTimeout,
                    Duration launchTimeout, boolean ephemeral) {
        this(name, labels, min, max, jobsPerInstance, idleTimeout, launchTimeout, ephemeral, Duration.ZERO);
    }

    /** A pool with the default timeouts, one runner per instance. */
    public static PoolSpec of(String name, List<String> labels, int min, int max) {
        return new PoolSpec(name, labels, min, max, 1, DEFAULT_IDLE_TIMEOUT, DEFAULT_LAUNCH_TIMEOUT, false);
    }

    public PoolSpec withJobsPerInstance(int jobs) {
        return new PoolSpec(name, labels, min, max, jobs, idleTimeout, launchTimeout, ephemeral, spotFallback);
    }

    public PoolSpec withIdleTimeout(Duration timeout) {
        return new PoolSpec(name, labels, min, max, jobsPerInstance, timeout, launchTimeout, ephemeral, spotFallback);
    }

    public PoolSpec ephemeralPool() {
        return new PoolSpec(name, labels, min, max, jobsPerInstance, idleTimeout, launchTimeout, true, spotFallback);
    }

    /** A spot pool whose missing capacity is asked of its on-demand group after {@code after} without it. */
    public PoolSpec withSpotFallback(Duration after) {
        return new PoolSpec(name, labels, min, max, jobsPerInstance, idleTimeout, launchTimeout, ephemeral, after);
    }
}
