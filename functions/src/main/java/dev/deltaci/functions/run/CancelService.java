package dev.deltaci.functions.run;

import dev.deltaci.core.job.JobState;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.security.ApiKeys;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.RunSnapshot;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Cancels a run: jobs that have not started are cancelled at once; running ones are marked, and
 * their runners stop them (SIGTERM, grace, SIGKILL) when their next heartbeat says so. The run
 * then ends CANCELLED and records who asked. Repeating the request is harmless.
 */
public final class CancelService {

    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern ACTOR = Pattern.compile("[\\p{L}\\p{N} ._@()-]{1,100}");

    private final JobStore store;
    private final JobLifecycle lifecycle;

    public CancelService(JobStore store, JobLifecycle lifecycle) {
        this.store = store;
        this.lifecycle = lifecycle;
    }

    /**
     * @param by  who asks, as the caller names them; recorded with the key's name ("alice via ci-bot")
     * @param key the API key the request came with; it must cover the run's repository
     */
    public ApiResponse cancel(String runId, String by, ApiKeys.Key key) {
        if (runId == null || !RUN_ID.matcher(runId).matches()) {
            return ApiResponse.error(400, "not a run id: '" + runId + "'");
        }
        if (by != null && !ACTOR.matcher(by).matches()) {
            return ApiResponse.error(400, "'by' must name who cancels (letters, digits, ' ._@()-', at most 100)");
        }
        Optional<RunSnapshot> snapshot = store.readRun(runId);
        if (snapshot.isEmpty() || !key.allows(snapshot.get().run().repository())) {
            // the same answer whether the run is missing or out of the key's reach: ids are not probed
            return ApiResponse.noRun(runId, key.name());
        }
        by = by == null || by.equals(key.name()) ? key.name() : by + " via " + key.name();
        if (snapshot.get().run().status().isTerminal()) {
            return ApiResponse.of(409, "error", "run " + runId + " has already finished: " + snapshot.get().run().status(),
                    "status", snapshot.get().run().status().name());
        }
        if (!store.requestRunCancel(runId, by).applied()) {
            RunSnapshot now = store.readRun(runId).orElseThrow();
            return ApiResponse.of(409, "error", "run " + runId + " has already finished: " + now.run().status(),
                    "status", now.run().status().name());
        }
        String recordedBy = store.getRun(runId).map(r -> r.cancelledBy()).orElse(by);
        JobLifecycle.Cancelled cancelled = lifecycle.cancelJobs(runId, snapshot.get().jobs(),
                "run cancelled by " + recordedBy);
        return ApiResponse.of(202, "runId", runId, "cancelledBy", recordedBy, "cancelledJobs", cancelled.notStarted(),
                "stoppingJobs", cancelled.stopping());
    }
}
