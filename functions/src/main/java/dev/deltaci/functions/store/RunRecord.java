package dev.deltaci.functions.store;

import dev.deltaci.core.job.RunState;
import java.util.Map;

/**
 * A run as stored. {@code status} is a cache of the state derived from its jobs.
 *
 * @param materialized true once its start is known complete (every job written, the first sent): marked by a
 *                     root job's first lease, by the run's end, or by the sweeper
 * @param cancelledBy  who asked for the run to be cancelled, or null
 * @param concurrencyGroup the gate of the pipeline's {@code concurrency:} for this run, or null
 * @param cancelInProgress whether this run, waiting for its group, cancels the runs ahead of it
 * @param inputs       a manual run's inputs (the {@code inputs} context); empty for other events
 * @param fork         a pull request from a fork: its jobs get no secrets
 * @param rerunOf      the run this one runs again ({@code POST /runs/{id}/rerun}), or null
 * @param workflow     the file its jobs come from when it is a GitHub Actions workflow
 *                     ({@code .github/workflows/ci.yml}); null for {@code .delta/pipeline.yml}
 */
public record RunRecord(String runId, String repository, String cloneUrl, String sha, String ref,
                        String trigger, RunState status, String failureClass, String message,
                        int jobCount, boolean materialized, long createdAtEpochMs, long updatedAtEpochMs,
                        String cancelledBy, String concurrencyGroup, boolean cancelInProgress,
                        Map<String, String> inputs, boolean fork, String rerunOf, String workflow) {

    public RunRecord {
        inputs = inputs == null ? Map.of() : Map.copyOf(inputs);
    }

    public RunRecord(String runId, String repository, String cloneUrl, String sha, String ref, String trigger,
                     RunState status, String failureClass, String message, int jobCount, boolean materialized,
                     long createdAtEpochMs, long updatedAtEpochMs, String cancelledBy, String concurrencyGroup,
                     boolean cancelInProgress, Map<String, String> inputs, boolean fork, String rerunOf) {
        this(runId, repository, cloneUrl, sha, ref, trigger, status, failureClass, message, jobCount, materialized,
                createdAtEpochMs, updatedAtEpochMs, cancelledBy, concurrencyGroup, cancelInProgress, inputs, fork, rerunOf,
                null);
    }

    /** The file this run's jobs come from: its workflow, or {@code .delta/pipeline.yml}. */
    public String pipelineFile() {
        return workflow == null ? dev.deltaci.core.pipeline.PipelineParser.DEFAULT_PATH : workflow;
    }

    public RunRecord(String runId, String repository, String cloneUrl, String sha, String ref, String trigger,
                     RunState status, String failureClass, String message, int jobCount, boolean materialized,
                     long createdAtEpochMs, long updatedAtEpochMs, String cancelledBy, String concurrencyGroup,
                     boolean cancelInProgress, Map<String, String> inputs, boolean fork) {
        this(runId, repository, cloneUrl, sha, ref, trigger, status, failureClass, message, jobCount, materialized,
                createdAtEpochMs, updatedAtEpochMs, cancelledBy, concurrencyGroup, cancelInProgress, inputs, fork, null);
    }

    /** The branch or tag name of {@code ref} ({@code refs/heads/main} → {@code main}). */
    public String refName() {
        return ref == null ? null : ref.replaceFirst("^refs/(heads|tags)/", "");
    }

    /** This run in another concurrency group (rendered for it when it is created). */
    public RunRecord withGroup(String group, boolean cancelsInProgress) {
        return new RunRecord(runId, repository, cloneUrl, sha, ref, trigger, status, failureClass, message, jobCount,
                materialized, createdAtEpochMs, updatedAtEpochMs, cancelledBy, group, cancelsInProgress, inputs, fork, rerunOf,
                workflow);
    }

    static final class Builder {
        String runId;
        String repository;
        String cloneUrl;
        String sha;
        String ref;
        String trigger;
        RunState status;
        String failureClass;
        String message;
        int jobCount;
        boolean materialized;
        long createdAtEpochMs;
        long updatedAtEpochMs;
        String cancelledBy;
        String concurrencyGroup;
        boolean cancelInProgress;
        Map<String, String> inputs;
        boolean fork;
        String rerunOf;
        String workflow;

        RunRecord build() {
            return new RunRecord(runId, repository, cloneUrl, sha, ref, trigger, status, failureClass, message, jobCount,
                    materialized, createdAtEpochMs, updatedAtEpochMs, cancelledBy, concurrencyGroup, cancelInProgress,
                    inputs, fork, rerunOf, workflow);
        }
    }
}
