package dev.deltaci.functions.store;

/** Which job: its run and its key in the pipeline. */
public record JobRef(String runId, String jobKey) {
}
