package dev.deltaci.functions.store;

import dev.deltaci.core.job.RunState;

/**
 * A run as stored. {@code status} is a cache of the state derived from its jobs.
 *
 * @param materialized true once all its jobs are written and its first jobs enqueued
 * @param cancelledBy  who asked for the run to be cancelled, or null
 * @param concurrencyGroup the gate of the pipeline's {@code concurrency:} for this run, or null
 * @param cancelInProgress whether this run, waiting for its group, cancels the runs ahead of it
 */
public record RunRecord(String runId, String repository, String cloneUrl, String sha, String ref,
                        String trigger, RunState status, String failureClass, String message,
                        int jobCount, boolean materialized, long createdAtEpochMs, long updatedAtEpochMs,
                        String cancelledBy, String concurrencyGroup, boolean cancelInProgress) {
}
