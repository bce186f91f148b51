package dev.deltaci.functions.view;

import dev.deltaci.core.job.JobState;
import dev.deltaci.core.pipeline.MatrixInstance;
import dev.deltaci.functions.store.AttemptRecord;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.RunRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Runs and jobs as the read API shows them (JSON objects, epoch milliseconds, durations in ms):
 * the one place that decides what a reader sees, so the CLI and the dashboard cannot drift.
 */
public final class RunViews {

    private RunViews() {
    }

    /** A run as the runs list shows it. */
    public static Map<String, Object> summary(RunRecord run, long nowEpochMs) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("runId", run.runId());
        view.put("repository", run.repository());
        view.put("ref", run.ref());
        view.put("branch", run.refName());
        view.put("sha", run.sha());
        view.put("trigger", run.trigger());
        view.put("status", run.status().name());
        view.put("failureClass", run.failureClass());
        view.put("message", run.message());
        view.put("jobCount", run.jobCount());
        view.put("createdAtEpochMs", run.createdAtEpochMs());
        view.put("updatedAtEpochMs", run.updatedAtEpochMs());
        view.put("durationMs", (run.status().isTerminal() ? run.updatedAtEpochMs() : nowEpochMs) - run.createdAtEpochMs());
        view.put("cancelledBy", run.cancelledBy());
        view.put("rerunOf", run.rerunOf());
        view.put("workflow", run.workflow());
        return view;
    }

    /**
     * A job for the run page: where it is, its attempts (with runner, failure class, exit code,
     * times), its place in the graph (needs, matrix group) and, while it waits, why.
     *
     * @param capacity why a queued job with these labels waits for capacity, if the scaler knows
     */
    public static Map<String, Object> job(JobRecord job, Map<String, JobRecord> run,
                                          Function<List<String>, Optional<String>> capacity, long nowEpochMs) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("key", job.jobKey());
        view.put("name", job.name());
        view.put("state", job.state().name());
        view.put("needs", job.needs());
        MatrixInstance matrix = job.spec().matrix();
        view.put("matrix", matrix == null ? null : Map.of("group", matrix.group(), "values", matrix.values()));
        view.put("labels", job.spec().labels());
        view.put("attempt", job.attempts().current());
        view.put("attempts", attempts(job, nowEpochMs));
        view.put("failureClass", job.outcome().failureClass());
        view.put("exitCode", job.outcome().exitCode());
        view.put("reason", job.outcome().reason());
        view.put("continueOnError", job.spec().continueOnError());
        view.put("createdAtEpochMs", job.times().createdAtEpochMs());
        view.put("queuedAtEpochMs", nonZero(job.times().queuedAtEpochMs()));
        view.put("startedAtEpochMs", nonZero(job.times().startedAtEpochMs()));
        view.put("finishedAtEpochMs", nonZero(job.times().finishedAtEpochMs()));
        view.put("durationMs", duration(job, nowEpochMs));
        view.put("waiting", waiting(job, run, capacity, nowEpochMs).orElse(null));
        view.put("logChunks", Math.max(job.outcome().logChunks(), 0));
        view.put("hasArtifacts", !job.spec().artifacts().isEmpty());
        view.put("reusedFromRunId", job.outcome().reusedFromRunId());
        return view;
    }

    /**
     * Every attempt so far, oldest first: the finished ones from the job's history, then the
     * current one if it has started and is not in the history yet.
     */
    public static List<Map<String, Object>> attempts(JobRecord job, long nowEpochMs) {
        List<Map<String, Object>> attempts = new ArrayList<>();
        for (AttemptRecord a : job.attempts().history()) {
            attempts.add(attempt(a.attempt(), a.epoch(), a.runner(), a.startedAtEpochMs(), a.endedAtEpochMs(),
                    a.result(), a.failureClass(), a.exitCode(), true));
        }
        Optional<Long> current = currentEpoch(job);
        boolean inHistory = job.attempts().history().stream().anyMatch(a -> current.isPresent() && a.epoch() == current.get());
        if (current.isPresent() && !inHistory) {
            boolean finished = job.state().isTerminal();
            attempts.add(attempt(job.attempts().current(), current.get(), job.lease().owner(), job.times().startedAtEpochMs(),
                    finished ? job.times().finishedAtEpochMs() : 0, finished ? job.state().name() : null,
                    job.outcome().failureClass(), job.outcome().exitCode(), finished));
        }
        attempts.forEach(a -> a.put("durationMs", a.get("endedAtEpochMs") == null
                ? nowEpochMs - (long) a.get("startedAtEpochMs")
                : (long) a.get("endedAtEpochMs") - (long) a.get("startedAtEpochMs")));
        return attempts;
    }

    /** The lease epoch of the attempt the job is on or ended with, if one started. */
    public static Optional<Long> currentEpoch(JobRecord job) {
        boolean started = job.state() == JobState.RUNNING || (job.state().isTerminal() && job.lease().epoch() > 0
                && job.times().startedAtEpochMs() > 0);
        return started ? Optional.of(job.lease().epoch()) : Optional.empty();
    }

    private static Map<String, Object> attempt(int number, long epoch, String runner, long startedAt, long endedAt,
                                               String result, String failureClass, Integer exitCode, boolean finished) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("attempt", number);
        view.put("epoch", epoch);
        view.put("runner", runner);
        view.put("startedAtEpochMs", startedAt);
        view.put("endedAtEpochMs", endedAt == 0 ? null : endedAt);
        view.put("result", result);
        view.put("failureClass", failureClass);
        view.put("exitCode", exitCode);
        view.put("finished", finished);
        return view;
    }

    private static Long duration(JobRecord job, long now) {
        long started = job.times().startedAtEpochMs();
        if (started == 0) {
            return null;
        }
        long finished = job.times().finishedAtEpochMs();
        return job.state().isTerminal() && finished > 0 ? finished - started : now - started;
    }

    /**
     * Jobs in the order a reader follows the graph: by depth (a job after everything it needs),
     * then by key, matrix instances numerically ({@code test.2} before {@code test.10}).
     */
    public static List<JobRecord> inGraphOrder(List<JobRecord> jobs) {
        Map<String, JobRecord> byKey = new LinkedHashMap<>();
        jobs.forEach(job -> byKey.put(job.jobKey(), job));
        Map<String, Integer> depth = new java.util.HashMap<>();
        for (JobRecord job : jobs) {
            depthOf(job.jobKey(), byKey, depth, new java.util.HashSet<>());
        }
        return jobs.stream().sorted(java.util.Comparator.<JobRecord>comparingInt(job -> depth.get(job.jobKey()))
                .thenComparing(job -> job.spec().matrix() == null ? job.jobKey() : job.spec().matrix().group())
                .thenComparingInt(job -> instanceNumber(job.jobKey()))
                .thenComparing(JobRecord::jobKey)).toList();
    }

    private static int depthOf(String key, Map<String, JobRecord> byKey, Map<String, Integer> depth,
                               java.util.Set<String> visiting) {
        Integer known = depth.get(key);
        if (known != null) {
            return known;
        }
        JobRecord job = byKey.get(key);
        if (job == null || !visiting.add(key)) {
            return 0; // a need outside the run, or a cycle the parser would have refused
        }
        int d = job.needs().stream().mapToInt(need -> depthOf(need, byKey, depth, visiting) + 1).max().orElse(0);
        depth.put(key, d);
        return d;
    }

    private static int instanceNumber(String key) {
        int dot = key.lastIndexOf('.');
        return dot < 0 || !key.substring(dot + 1).matches("\\d{1,6}") ? 0 : Integer.parseInt(key.substring(dot + 1));
    }

    /** Why a job that has not started waits: its needs, its concurrency group, or a runner. */
    static Optional<String> waiting(JobRecord job, Map<String, JobRecord> run,
                                    Function<List<String>, Optional<String>> capacity, long now) {
        if (job.state() == JobState.BLOCKED) {
            if (job.waitingFor() != null) {
                return Optional.of(job.waitingFor());
            }
            List<String> pending = job.needs().stream().map(run::get)
                    .filter(need -> need != null && !need.state().isTerminal()).map(JobRecord::name).toList();
            if (!pending.isEmpty()) {
                return Optional.of("waiting for " + String.join(", ", pending) + " to finish");
            }
            MatrixInstance matrix = job.spec().matrix();
            if (matrix != null && matrix.maxParallel() > 0) {
                return Optional.of("waiting for a free slot of " + matrix.group() + " (max-parallel "
                        + matrix.maxParallel() + ")");
            }
            return Optional.empty();
        }
        if (job.state() == JobState.QUEUED) {
            long waitedSeconds = Math.max(0, now - job.times().queuedAtEpochMs()) / 1000;
            String forWhom = job.spec().labels().isEmpty() ? "a runner" : "a runner with labels " + job.spec().labels();
            return Optional.of(capacity.apply(job.spec().labels())
                    .orElse("waiting for " + forWhom) + " (queued " + waitedSeconds + " s)");
        }
        return Optional.empty();
    }

    private static Long nonZero(long value) {
        return value == 0 ? null : value;
    }
}
