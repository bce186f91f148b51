package dev.deltaci.functions.store;

import java.util.List;

/** A run and all its jobs, read together in one consistent query of the run's partition. */
public record RunSnapshot(RunRecord run, List<JobRecord> jobs) {
}
