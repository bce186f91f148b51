package dev.deltaci.functions.run;

import dev.deltaci.api.JobMessage;
import dev.deltaci.core.expr.GitHubContext;
import dev.deltaci.core.expr.Scope;
import dev.deltaci.core.job.DagProgress;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.core.pipeline.MatrixInstance;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.queue.JobQueue;
import dev.deltaci.functions.store.GateStore;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.RunRecord;
import dev.deltaci.functions.store.RunSnapshot;
import dev.deltaci.functions.store.RunTally;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Moves a run forward after one of its jobs changed: queues dependants whose needs are met,
 * skips those that can no longer run, takes and lets go of concurrency groups, adds the jobs that
 * ended to the run's tally ({@link RunTally}) and ends the run once the tally is complete.
 *
 * <p>Convergent and safe to repeat or to run concurrently: it reads the run's jobs, every move is
 * a conditional write from BLOCKED, so two progressors cannot both queue a job, and the tally is
 * a set, so a job counts once however often it is added. A runner's completion of a job whose end
 * can change nothing else ({@link #completed}) only adds to the tally: no read of the run.
 */
public final class RunProgressor {

    /** Stops a chain of hand-overs between runs from recursing without bound. */
    private static final int MAX_WAKE_DEPTH = 8;

    private final JobStore store;
    private final JobQueue queue;
    private final GateStore gates;
    private final ThreadLocal<Integer> depth = ThreadLocal.withInitial(() -> 0);

    private final Metrics metrics;
    private final Clock clock;
    private final JobLifecycle.Listener listener;

    public RunProgressor(JobStore store, JobQueue queue, GateStore gates) {
        this(store, queue, gates, Metrics.NONE, Clock.systemUTC());
    }

    public RunProgressor(JobStore store, JobQueue queue, GateStore gates, Metrics metrics, Clock clock) {
        this(store, queue, gates, metrics, clock, JobLifecycle.Listener.NONE);
    }

    /** @param listener hears the jobs this skips or cancels, and (from {@link RunStarter}) a run's jobs being written */
    public RunProgressor(JobStore store, JobQueue queue, GateStore gates, Metrics metrics, Clock clock,
                         JobLifecycle.Listener listener) {
        this.store = store;
        this.queue = queue;
        this.gates = gates;
        this.metrics = metrics;
        this.clock = clock;
        this.listener = listener;
    }

    JobLifecycle.Listener listener() {
        return listener;
    }

    public RunState advance(String runId) {
        Optional<RunSnapshot> snapshot = store.readRun(runId);
        if (snapshot.isEmpty()) {
            throw new IllegalArgumentException("no run " + runId);
        }
        RunRecord run = snapshot.get().run();
        List<JobRecord> jobs = snapshot.get().jobs();
        Map<String, JobState> states = new LinkedHashMap<>();
        Map<String, DagProgress.JobNode> nodes = new LinkedHashMap<>();
        for (JobRecord job : jobs) {
            JobState state = effective(job, job.state());
            states.put(job.jobKey(), state);
            MatrixInstance matrix = job.spec().matrix();
            nodes.put(job.jobKey(), new DagProgress.JobNode(job.jobKey(), state, job.needs(),
                    job.spec().condition(), matrix == null ? null : matrix.group(),
                    matrix == null ? 0 : matrix.maxParallel(), job.outcome().outputs(), job.spec().call()));
        }
        Set<String> toWake = new LinkedHashSet<>();
        Set<String> notMine = new HashSet<>(); // ends decided here that another progressor wrote first
        failFast(runId, jobs, nodes, states);
        if (run.cancelledBy() != null) {
            // a cancelled run starts nothing more: whatever has not started is cancelled instead
            for (JobRecord job : jobs) {
                if ((job.state() == JobState.BLOCKED || job.state() == JobState.QUEUED)
                        && store.cancelNotStarted(runId, job.jobKey(), "run cancelled by " + run.cancelledBy()).applied()) {
                    states.put(job.jobKey(), JobState.CANCELLED);
                }
            }
        } else {
            queueReadyJobs(run, jobs, nodes, states, toWake, notMine);
        }
        letGoOfGates(run, jobs, states, toWake);
        RunState derived = RunState.derive(states.values());
        Map<String, JobState> ended = new LinkedHashMap<>();
        states.forEach((key, state) -> {
            if (state.isTerminal() && !notMine.contains(key)) {
                ended.put(key, state);
            }
        });
        boolean runEnded = storeProgress(run, ended, derived, toWake);
        if (runEnded || jobs.stream().anyMatch(job -> states.get(job.jobKey()) != effective(job, job.state())
                && states.get(job.jobKey()).isTerminal())) {
            // it skipped or cancelled jobs, or the run ended (also when a sweep finishes what a crash left)
            listener.jobsChanged(runId);
        }
        wake(toWake);
        return derived;
    }

    /**
     * A runner ended {@code job} (its completion, or a repeat of it): when its end can change
     * nothing but the run's tally — its {@link dev.deltaci.functions.store.JobPlace place} says so
     * and no fail-fast is due — it is tallied in one write with no read, the run ending with the
     * write that completes the tally (with its only job, the same write); otherwise the run
     * advances. Whether the run ended here.
     */
    public boolean completed(JobRecord job) {
        JobState state = effective(job, job.state());
        MatrixInstance matrix = job.spec().matrix();
        boolean failFastDue = matrix != null && matrix.failFast() && RunState.failedJob(state);
        if (!job.place().endsAlone() || failFastDue) {
            return advance(job.runId()).isTerminal();
        }
        Set<String> toWake = new LinkedHashSet<>();
        boolean runEnded;
        if (job.place().runJobCount() == 1) {
            Optional<RunTally> endedWithIt = store.endWithSoleJob(job.runId(), job.jobKey(), state);
            endedWithIt.ifPresent(tally -> recordEnd(tally.run(), tally.endState(), toWake));
            runEnded = endedWithIt.isPresent();
        } else {
            Optional<RunTally> tally = store.tally(job.runId(), Map.of(job.jobKey(), state), true);
            runEnded = tally.isPresent() && tally.get().complete()
                    && endRun(tally.get().run(), tally.get().endState(), toWake);
        }
        wake(toWake);
        return runEnded;
    }

    /** A job with {@code continue-on-error} that failed counts as succeeded for its dependants and its run. */
    private static JobState effective(JobRecord job, JobState state) {
        return RunState.failedJob(state) && job.spec().continueOnError() ? JobState.SUCCEEDED : state;
    }

    private void queueReadyJobs(RunRecord run, List<JobRecord> jobs, Map<String, DagProgress.JobNode> nodes,
                                Map<String, JobState> states, Set<String> toWake, Set<String> notMine) {
        Map<String, JobRecord> byKey = new LinkedHashMap<>();
        jobs.forEach(job -> byKey.put(job.jobKey(), job));
        List<JobMessage> toEnqueue = new ArrayList<>();
        Set<String> waiting = new HashSet<>();
        GateStore.Hold runHold = null; // asked once, when the run first has a job to queue
        // each round settles one layer of the DAG (a skip can make its dependants skippable)
        for (int round = 0; round <= nodes.size(); round++) {
            DagProgress.Decisions decisions = DagProgress.next(nodes, facts(run));
            List<String> ready = decisions.toQueue().stream().filter(key -> !waiting.contains(key)).toList();
            if (ready.isEmpty() && decisions.toSkip().isEmpty()) {
                break;
            }
            for (Map.Entry<String, String> skip : decisions.toSkip().entrySet()) {
                if (!store.skip(run.runId(), skip.getKey(), skip.getValue()).applied()) {
                    notMine.add(skip.getKey()); // skipped (and tallied) by a progressor that moved first
                }
                settle(nodes, states, skip.getKey(), JobState.SKIPPED);
            }
            for (String key : ready) {
                JobRecord job = byKey.get(key);
                if (run.concurrencyGroup() != null && runHold == null) {
                    runHold = holdRunGroup(run, toWake);
                }
                String waitReason = null;
                if (runHold != null && !runHold.held()) {
                    waitReason = waitingFor(run.concurrencyGroup(), runHold.holder());
                    if (!waitReason.equals(job.waitingFor())) {
                        store.markGate(run.runId(), key, null, waitReason); // the run, not the job, is in line
                    }
                } else if (job.spec().concurrency() != null) {
                    waitReason = holdJobGroup(run, job, toWake);
                }
                if (waitReason != null) {
                    waiting.add(key);
                    continue;
                }
                if (store.promote(run.runId(), key).applied()) {
                    toEnqueue.add(new JobMessage(run.runId(), key, 0, job.spec().labels()));
                }
                settle(nodes, states, key, JobState.QUEUED);
            }
        }
        queue.enqueue(toEnqueue);
    }

    /** The run's pipeline-level group: held, or the run waits in line. */
    private GateStore.Hold holdRunGroup(RunRecord run, Set<String> toWake) {
        GateStore.Hold hold = gates.hold(run.concurrencyGroup(), run.runId());
        if (!hold.held() && run.cancelInProgress()) {
            supersede(run, hold, toWake);
        }
        return hold;
    }

    /** A job's own group: null once held (and recorded on the job), else why it waits. */
    private String holdJobGroup(RunRecord run, JobRecord job, Set<String> toWake) {
        String gate = gateOf(run, job);
        String member = GateStore.jobMember(run.runId(), job.jobKey());
        GateStore.Hold hold = gates.hold(gate, member);
        if (hold.held()) {
            if (!gate.equals(job.gate()) || job.waitingFor() != null) {
                store.markGate(run.runId(), job.jobKey(), gate, null);
            }
            return null;
        }
        if (job.spec().concurrency().cancelInProgress()) {
            supersede(run, hold, toWake);
        }
        String reason = waitingFor(gate, hold.holder());
        if (!reason.equals(job.waitingFor()) || !gate.equals(job.gate())) {
            store.markGate(run.runId(), job.jobKey(), gate, reason);
        }
        return reason;
    }

    /** cancel-in-progress: the newcomer cancels the holder and every member waiting before it. */
    private void supersede(RunRecord run, GateStore.Hold hold, Set<String> toWake) {
        List<String> ahead = new ArrayList<>(hold.ahead());
        if (hold.holder() != null) {
            ahead.add(0, hold.holder());
        }
        for (String member : ahead) {
            String otherRun = GateStore.runOf(member);
            if (otherRun.equals(run.runId())) {
                continue; // a run never cancels itself for its own group
            }
            String by = "concurrency group (cancel-in-progress) for newer run " + run.runId();
            String jobKey = GateStore.jobOf(member);
            if (jobKey != null) {
                if (!store.requestStop(otherRun, jobKey).applied()) {
                    store.cancelNotStarted(otherRun, jobKey, "cancelled by " + by);
                }
            } else {
                store.requestRunCancel(otherRun, by);
                store.listJobs(otherRun).stream().filter(j -> j.state() == JobState.RUNNING)
                        .forEach(j -> store.requestStop(otherRun, j.jobKey()));
            }
            toWake.add(otherRun);
        }
    }

    /** Finished jobs let go of the groups they held or waited for; the next in line is woken. */
    private void letGoOfGates(RunRecord run, List<JobRecord> jobs, Map<String, JobState> states, Set<String> toWake) {
        for (JobRecord job : jobs) {
            if (job.gate() != null && states.get(job.jobKey()).isTerminal()) {
                gates.release(job.gate(), GateStore.jobMember(run.runId(), job.jobKey()))
                        .ifPresent(next -> toWake.add(GateStore.runOf(next)));
                store.clearGate(run.runId(), job.jobKey());
            }
        }
    }

    private void wake(Set<String> runIds) {
        if (depth.get() >= MAX_WAKE_DEPTH) {
            return; // the sweeper's gate check finishes what is left
        }
        depth.set(depth.get() + 1);
        try {
            for (String runId : runIds) {
                advance(runId);
            }
        } finally {
            depth.set(depth.get() - 1);
        }
    }

    /**
     * fail-fast: once a matrix job has failed, its siblings that have not finished are cancelled
     * (not started ones at once, running ones at their next heartbeat).
     */
    private void failFast(String runId, List<JobRecord> jobs, Map<String, DagProgress.JobNode> nodes,
                          Map<String, JobState> states) {
        for (JobRecord failed : jobs) {
            MatrixInstance matrix = failed.spec().matrix();
            JobState state = states.get(failed.jobKey());
            if (matrix == null || !matrix.failFast() || (state != JobState.FAILED && state != JobState.TIMED_OUT)) {
                continue;
            }
            for (JobRecord sibling : jobs) {
                MatrixInstance other = sibling.spec().matrix();
                if (other == null || !other.group().equals(matrix.group()) || sibling.state().isTerminal()) {
                    continue;
                }
                if (sibling.state() == JobState.RUNNING) {
                    store.requestStop(runId, sibling.jobKey());
                } else if (store.cancelNotStarted(runId, sibling.jobKey(), "fail-fast: " + failed.name() + " failed").applied()) {
                    states.put(sibling.jobKey(), JobState.CANCELLED);
                    nodes.put(sibling.jobKey(), nodes.get(sibling.jobKey()).withState(JobState.CANCELLED));
                }
            }
        }
    }

    /** What a job's {@code if:} sees of its run. */
    static DagProgress.RunFacts facts(RunRecord run) {
        return new DagProgress.RunFacts(contexts(run), run.cancelledBy() != null);
    }

    /** The run's contexts for expressions evaluated by the control plane: {@code delta} and {@code inputs}. */
    public static Map<String, Object> contexts(RunRecord run) {
        Map<String, Object> delta = new LinkedHashMap<>();
        delta.put("sha", run.sha());
        delta.put("ref", run.ref());
        delta.put("branch", run.ref().startsWith("refs/heads/") ? run.ref().substring("refs/heads/".length()) : "");
        delta.put("event", run.trigger());
        delta.put("repository", run.repository());
        delta.put("run_id", run.runId());
        return Map.of("delta", delta, "inputs", run.inputs(), "github", GitHubContext.of(run.repository(), run.sha(),
                run.ref(), run.trigger(), run.runId(), 0, null, run.inputs()));
    }

    /** The gate of a job's own {@code concurrency:}, its group rendered for this run and matrix instance. */
    static String gateOf(RunRecord run, JobRecord job) {
        Map<String, Object> contexts = new LinkedHashMap<>(contexts(run));
        if (job.spec().matrix() != null) {
            contexts.put("matrix", MatrixInstance.context(job.spec().matrix().values()));
        }
        String group = job.spec().concurrency().render(new Scope(contexts, true, false, false));
        return GateStore.gateId(run.repository(), group);
    }

    static String waitingFor(String gate, String holder) {
        String group = gate.substring(gate.indexOf('#') + 1);
        if (holder == null) {
            return "waiting for concurrency group '" + group + "'";
        }
        String job = GateStore.jobOf(holder);
        String who = "run " + GateStore.runOf(holder) + (job == null ? "" : " (job " + job + ")");
        return "waiting for concurrency group '" + group + "', held by " + who;
    }

    /**
     * Tallies the jobs that ended and stores the run as RUNNING once a job has started, in one
     * write (none when nothing changed); the run ends when the tally is complete, or when all its
     * jobs, as read, have ended. Whether the run ended here.
     */
    private boolean storeProgress(RunRecord run, Map<String, JobState> ended, RunState derived, Set<String> toWake) {
        boolean toRunning = derived != RunState.PENDING && run.status() == RunState.PENDING;
        if (run.status().isTerminal()) {
            releaseRunGroup(run, toWake); // a repeat: the run's end may have died before letting go
            return false;
        }
        Optional<RunTally> tally = ended.isEmpty() && !toRunning ? Optional.empty()
                : store.tally(run.runId(), ended, toRunning);
        boolean allEnded = derived.isTerminal();
        if (tally.isPresent() && tally.get().complete()) {
            return endRun(tally.get().run(), allEnded ? derived : tally.get().endState(), toWake);
        }
        return allEnded && endRun(tally.map(RunTally::run).orElse(run), derived, toWake);
    }

    /** Ends the run as {@code end}; whether this write did (a repeat finds it ended). */
    private boolean endRun(RunRecord run, RunState end, Set<String> toWake) {
        boolean ended = store.updateRunStatus(run.runId(), end).applied();
        if (ended) {
            recordEnd(run, end, toWake);
        } else {
            releaseRunGroup(run, toWake);
        }
        return ended;
    }

    /** What follows the one write that ended a run: its duration, and its concurrency group let go. */
    private void recordEnd(RunRecord run, RunState end, Set<String> toWake) {
        metrics.record(Metric.RUN_DURATION, clock.millis() - run.createdAtEpochMs(),
                "result", end.name().toLowerCase(java.util.Locale.ROOT));
        releaseRunGroup(run, toWake);
    }

    /** A finished run leaves its group, whether it held it or waited; the next in line is woken. */
    private void releaseRunGroup(RunRecord run, Set<String> toWake) {
        if (run.concurrencyGroup() != null) {
            gates.release(run.concurrencyGroup(), run.runId()).ifPresent(next -> toWake.add(GateStore.runOf(next)));
        }
    }

    private static void settle(Map<String, DagProgress.JobNode> nodes, Map<String, JobState> states, String key,
                               JobState state) {
        nodes.put(key, nodes.get(key).withState(state));
        states.put(key, state);
    }
}
