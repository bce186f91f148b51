package dev.deltaci.functions.store;

import dev.deltaci.core.job.JobState;
import dev.deltaci.core.pipeline.JobSpec;
import java.util.List;
import java.util.Map;

/**
 * A job as stored: its spec, where it is, and the lease that governs it.
 *
 * @param attempt     1 for the first try, + 1 for each requeue
 * @param leaseEpoch  raised by one at every lease; the fencing token
 * @param logChunks   how many log chunks the accepted attempt reported, or -1 before completion
 * @param infraRetries attempts requeued for infrastructure reasons (runner lost, infra error)
 * @param userRetries  attempts requeued under the pipeline's {@code retry:}
 * @param enqueuedAtEpochMs when a queue message was last sent for the job
 * @param history     how each finished attempt ended, oldest first
 * @param avoidRunner the runner the last attempt failed on, which other runners go before
 * @param cancelRequestedAtEpochMs when the run's cancellation reached this running job, or 0
 * @param repository  the run's repository, copied so a lease answer needs no second read
 * @param event       what started the run (e.g. {@code push})
 * @param gate        the concurrency gate this job holds or waits for, until it has let go; or null
 * @param waitingFor  while it waits for a concurrency group: which one and who holds it; or null
 * @param inputs      the run's inputs, copied so a lease answer needs no second read
 * @param fork        the run is a pull request from a fork (copied likewise): no secrets
 */
public record JobRecord(String runId, String jobKey, String name, JobState state, List<String> needs,
                        JobSpec spec, String cloneUrl, String sha, String ref, int attempt,
                        long leaseEpoch, String leaseOwner, long leaseExpiresAtEpochMs,
                        Integer exitCode, String failureClass, String reason,
                        long createdAtEpochMs, long startedAtEpochMs, long finishedAtEpochMs,
                        int logChunks, int infraRetries, int userRetries, long queuedAtEpochMs,
                        long enqueuedAtEpochMs, List<AttemptRecord> history, String avoidRunner,
                        long cancelRequestedAtEpochMs, String repository, String event, String gate,
                        String waitingFor, Map<String, String> inputs, boolean fork, String artifactSha256) {

    public boolean cancelRequested() {
        return cancelRequestedAtEpochMs > 0;
    }

    /** The job as a reference: run id and job key. */
    public JobRef jobRef() {
        return new JobRef(runId, jobKey);
    }
}
