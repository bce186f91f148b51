package dev.deltaci.local.cli;

import dev.deltaci.functions.store.AttemptRecord;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.RunRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code --json} result of a run: one object, stable field names, for scripts. */
final class RunSummary {

    private RunSummary() {
    }

    static Map<String, Object> of(RunRecord run, List<JobRecord> jobs, long wallMillis) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("runId", run.runId());
        summary.put("status", run.status().name());
        summary.put("repository", run.repository());
        summary.put("sha", run.sha());
        summary.put("ref", run.ref());
        if (run.failureClass() != null) {
            summary.put("failureClass", run.failureClass());
        }
        if (run.message() != null) {
            summary.put("message", run.message());
        }
        if (run.cancelledBy() != null) {
            summary.put("cancelledBy", run.cancelledBy());
        }
        summary.put("wallMillis", wallMillis);
        summary.put("jobs", jobs.stream().map(RunSummary::job).toList());
        return summary;
    }

    private static Map<String, Object> job(JobRecord job) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("key", job.jobKey());
        out.put("name", job.name());
        if (job.spec() != null && job.spec().matrix() != null) {
            out.put("matrix", job.spec().matrix().values());
        }
        out.put("status", job.state().name());
        out.put("attempts", job.lease().epoch() == 0 ? 0 : job.attempts().current());
        out.put("exitCode", job.outcome().exitCode());
        out.put("failureClass", job.outcome().failureClass());
        out.put("durationMs", job.times().startedAtEpochMs() > 0 && job.times().finishedAtEpochMs() > 0
                ? job.times().finishedAtEpochMs() - job.times().startedAtEpochMs() : null);
        out.put("startedAtEpochMs", job.times().startedAtEpochMs() > 0 ? job.times().startedAtEpochMs() : null);
        // how long its last attempt waited for a runner (with --autoscale: for the runner to be started)
        out.put("waitedMs", job.times().startedAtEpochMs() > 0 && job.times().queuedAtEpochMs() > 0
                ? Math.max(0, job.times().startedAtEpochMs() - job.times().queuedAtEpochMs()) : null);
        out.put("finishedAtEpochMs", job.times().finishedAtEpochMs() > 0 ? job.times().finishedAtEpochMs() : null);
        out.put("logChunks", Math.max(job.outcome().logChunks(), 0));
        if (job.outcome().reason() != null) {
            out.put("reason", job.outcome().reason());
        }
        if (job.waitingFor() != null) {
            out.put("waitingFor", job.waitingFor());
        }
        if (job.spec() != null && job.spec().continueOnError()) {
            out.put("continueOnError", true);
        }
        out.put("history", job.attempts().history().stream().map(RunSummary::attempt).toList());
        return out;
    }

    /** One finished attempt: who ran it and how it ended ({@code QUEUED} means it was retried). */
    private static Map<String, Object> attempt(AttemptRecord a) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("attempt", a.attempt());
        out.put("runner", a.runner());
        out.put("result", a.result());
        out.put("failureClass", a.failureClass());
        out.put("exitCode", a.exitCode());
        out.put("durationMs", a.endedAtEpochMs() - a.startedAtEpochMs());
        return out;
    }

    /** "attempt 1 on runner-a: script_failure, exit 7, retried" */
    static String describe(AttemptRecord a) {
        StringBuilder text = new StringBuilder("attempt ").append(a.attempt());
        if (a.runner() != null) {
            text.append(" on ").append(a.runner());
        }
        text.append(": ").append(a.failureClass() == null ? a.result() : a.failureClass());
        if (a.exitCode() != null) {
            text.append(", exit ").append(a.exitCode());
        }
        if ("QUEUED".equals(a.result())) {
            text.append(", retried");
        }
        return text.toString();
    }
}
