package dev.deltaci.functions.progress;

import dev.deltaci.core.job.DagProgress;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.core.pipeline.MatrixInstance;
import dev.deltaci.functions.queue.JobMessage;
import dev.deltaci.functions.queue.JobQueue;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.RunRecord;
import dev.deltaci.functions.store.RunSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Moves a run forward after one of its jobs changed: queues dependants whose needs are met,
 * skips those that can no longer run, and stores the run state derived from its jobs.
 *
 * <p>Convergent and safe to repeat or to run concurrently: it reads the run's jobs, and every
 * move is a conditional write from BLOCKED, so two progressors cannot both queue a job.
 */
public final class RunProgressor {

    private final JobStore store;
    private final JobQueue queue;

    public RunProgressor(JobStore store, JobQueue queue) {
        this.store = store;
        this.queue = queue;
    }

    public RunState advance(String runId) {
        Optional<RunSnapshot> snapshot = store.readRun(runId);
        if (snapshot.isEmpty()) {
            throw new IllegalArgumentException("no run " + runId);
        }
        Map<String, JobState> states = new LinkedHashMap<>();
        Map<String, DagProgress.JobNode> nodes = new LinkedHashMap<>();
        for (JobRecord job : snapshot.get().jobs()) {
            states.put(job.jobKey(), job.state());
            MatrixInstance matrix = job.spec().matrix();
            nodes.put(job.jobKey(), new DagProgress.JobNode(job.jobKey(), job.state(), job.needs(),
                    job.spec().condition(), matrix == null ? null : matrix.group(),
                    matrix == null ? 0 : matrix.maxParallel()));
        }
        failFast(runId, snapshot.get().jobs(), nodes, states);
        RunRecord run = snapshot.get().run();
        String cancelledBy = run.cancelledBy();
        if (cancelledBy != null) {
            // a cancelled run starts nothing more: whatever has not started is cancelled instead
            for (JobRecord job : snapshot.get().jobs()) {
                if (job.state() == JobState.BLOCKED || job.state() == JobState.QUEUED) {
                    store.cancelNotStarted(runId, job.jobKey(), "run cancelled by " + cancelledBy);
                    states.put(job.jobKey(), JobState.CANCELLED);
                }
            }
            return storeDerived(runId, states);
        }
        List<JobMessage> toEnqueue = new ArrayList<>();
        // each round settles one layer of the DAG (a skip can make its dependants skippable)
        for (int round = 0; round <= nodes.size(); round++) {
            DagProgress.Decisions decisions = DagProgress.next(nodes, facts(run));
            if (decisions.isEmpty()) {
                break;
            }
            for (Map.Entry<String, String> skip : decisions.toSkip().entrySet()) {
                store.skip(runId, skip.getKey(), skip.getValue());
                settle(nodes, states, skip.getKey(), JobState.SKIPPED);
            }
            for (String key : decisions.toQueue()) {
                if (store.promote(runId, key)) {
                    toEnqueue.add(new JobMessage(runId, key, 0));
                }
                settle(nodes, states, key, JobState.QUEUED);
            }
        }
        queue.enqueue(toEnqueue);
        return storeDerived(runId, states);
    }

    /**
     * fail-fast: once a matrix job has failed, its siblings that have not finished are cancelled
     * (not started ones at once, running ones at their next heartbeat).
     */
    private void failFast(String runId, List<JobRecord> jobs, Map<String, DagProgress.JobNode> nodes,
                          Map<String, JobState> states) {
        for (JobRecord failed : jobs) {
            MatrixInstance matrix = failed.spec().matrix();
            if (matrix == null || !matrix.failFast()
                    || (failed.state() != JobState.FAILED && failed.state() != JobState.TIMED_OUT)) {
                continue;
            }
            for (JobRecord sibling : jobs) {
                MatrixInstance other = sibling.spec().matrix();
                if (other == null || !other.group().equals(matrix.group()) || sibling.state().isTerminal()) {
                    continue;
                }
                if (sibling.state() == JobState.RUNNING) {
                    store.requestStop(runId, sibling.jobKey());
                } else if (store.cancelNotStarted(runId, sibling.jobKey(), "fail-fast: " + failed.name() + " failed")) {
                    states.put(sibling.jobKey(), JobState.CANCELLED);
                    nodes.put(sibling.jobKey(), nodes.get(sibling.jobKey()).withState(JobState.CANCELLED));
                }
            }
        }
    }

    /** The {@code delta} context a job's {@code if:} sees. */
    static DagProgress.RunFacts facts(RunRecord run) {
        Map<String, Object> delta = new LinkedHashMap<>();
        delta.put("sha", run.sha());
        delta.put("ref", run.ref());
        delta.put("branch", run.ref().startsWith("refs/heads/") ? run.ref().substring("refs/heads/".length()) : "");
        delta.put("event", run.trigger());
        delta.put("repository", run.repository());
        delta.put("run_id", run.runId());
        return new DagProgress.RunFacts(delta, run.cancelledBy() != null);
    }

    private RunState storeDerived(String runId, Map<String, JobState> states) {
        RunState derived = RunState.derive(states.values());
        store.updateRunStatus(runId, derived);
        return derived;
    }

    private static void settle(Map<String, DagProgress.JobNode> nodes, Map<String, JobState> states, String key,
                               JobState state) {
        nodes.put(key, nodes.get(key).withState(state));
        states.put(key, state);
    }
}
