package dev.deltaci.local.cli;

import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.ProcessFleet;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --autoscale N} and {@code --scale-in-after SECONDS}, as {@code delta run} and {@code delta dev} take them. */
final class AutoscaleOptions {

    @Option(names = "--autoscale", paramLabel = "N", description = "Start with no runners and let the scaler start "
            + "runner processes as it would instances (up to N, 1-16), drain idle ones and stop them. Instead of --runners.")
    Integer max;

    @Option(names = "--scale-in-after", paramLabel = "SECONDS", description = "With --autoscale: how long a runner "
            + "stays idle before it is drained and stopped (default: 2 for delta run, 60 for delta dev).")
    Integer scaleInAfterSeconds;

    boolean enabled() {
        return max != null;
    }

    /** What is wrong with the options as given, if anything. */
    Optional<String> problem(boolean runnersGiven) {
        if (max == null) {
            return scaleInAfterSeconds == null ? Optional.empty() : Optional.of("--scale-in-after goes with --autoscale N");
        }
        if (max < 1 || max > 16) {
            return Optional.of("--autoscale must be from 1 to 16, got " + max);
        }
        if (runnersGiven) {
            return Optional.of("--autoscale starts with no runners and lets the scaler start them; leave out --runners");
        }
        if (scaleInAfterSeconds != null && scaleInAfterSeconds < 0) {
            return Optional.of("--scale-in-after must be 0 or more seconds");
        }
        return Optional.empty();
    }

    Duration scaleInAfter(Duration otherwise) {
        return scaleInAfterSeconds == null ? otherwise : Duration.ofSeconds(scaleInAfterSeconds);
    }

    /** The runner processes the scaler sizes, each start and stop told on {@code progress}; null without --autoscale. */
    ProcessFleet fleet(PrintWriter progress) {
        if (max == null) {
            return null;
        }
        return new ProcessFleet(event -> {
            progress.println("▸ autoscale: " + event);
            progress.flush();
        });
    }

    /** The control plane's options with the scaler sizing {@code fleet} (unchanged without --autoscale). */
    LocalControlPlane.Options applyTo(LocalControlPlane.Options options, ProcessFleet fleet, Duration defaultScaleInAfter) {
        return fleet == null ? options
                : options.withAutoscaling(fleet, ProcessFleet.GROUP, max, scaleInAfter(defaultScaleInAfter));
    }
}
