package dev.deltaci.functions.report;

import dev.deltaci.core.job.JobState;
import dev.deltaci.functions.github.CheckRuns;
import dev.deltaci.functions.store.AttemptRecord;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.RunRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Collectors;

/**
 * What GitHub is shown of one job: its check run (queued → in_progress → completed with a
 * conclusion, and a summary that says why it failed, how often it was tried, how long it ran and
 * how to read its log), or its commit status where the App may not write checks. Pure: it reads
 * the job and nothing else.
 */
public final class JobCheck {

    /**
     * One thing shown on the commit: its key in what was reported ({@code CheckReports}), the mark
     * that says which state of it GitHub has seen, and how it is shown as a check run or a status.
     */
    public record Check(String key, String mark, CheckRuns.CheckRun checkRun, CheckRuns.CommitStatus commitStatus) {
    }

    /** Stands for a run whose pipeline could not be read as one: it has no jobs to show. */
    static final String PIPELINE_KEY = "(pipeline)";

    /** GitHub's limit on a commit status description. */
    static final int STATUS_DESCRIPTION_LIMIT = 140;

    private JobCheck() {
    }

    /** Ties a check run to its job across retries and lost answers: what a create looks for first. */
    public static String externalId(JobRecord job) {
        return "delta:" + job.runId() + "/" + job.jobKey();
    }

    /** What was reported, as stored: another attempt of the same state is news (its title changes). */
    public static String mark(JobRecord job) {
        return job.state().name() + "#" + job.attempts().current();
    }

    /** The check's name on the commit: the job's name as the pipeline gives it. */
    public static String name(JobRecord job) {
        return job.name() == null || job.name().isBlank() ? job.jobKey() : job.name();
    }

    /** A job as a {@link Check}. */
    public static Check of(JobRecord job, String logBucket) {
        return new Check(job.jobKey(), mark(job), checkRun(job, logBucket), commitStatus(job));
    }

    /**
     * A run that failed with {@code config_error} (its pipeline file missing or invalid), which has
     * no jobs: one failed check named {@code pipeline}, with the parser's message, so the commit
     * says why nothing ran.
     */
    public static Check invalidPipeline(RunRecord run) {
        Instant at = Instant.ofEpochMilli(run.createdAtEpochMs());
        String title = "Invalid pipeline: nothing ran";
        String summary = "The run's pipeline could not be used (`" + run.failureClass() + "`):\n\n```\n"
                + (run.message() == null ? "" : run.message()) + "\n```\n\n| | |\n|---|---|\n| Run | `" + run.runId()
                + "` |\n";
        CheckRuns.CheckRun checkRun = new CheckRuns.CheckRun("pipeline", run.sha(),
                "delta:" + run.runId() + "/" + PIPELINE_KEY, "completed", "failure", at, at, title, summary);
        return new Check(PIPELINE_KEY, "FAILED#config", checkRun,
                new CheckRuns.CommitStatus("failure", "delta/pipeline", title));
    }

    /**
     * @param logBucket the bucket job logs are in, for the summary's "read the log" line
     */
    public static CheckRuns.CheckRun checkRun(JobRecord job, String logBucket) {
        JobState state = job.state();
        Instant started = job.times().startedAtEpochMs() > 0 && state != JobState.QUEUED && state != JobState.BLOCKED
                ? Instant.ofEpochMilli(job.times().startedAtEpochMs()) : null;
        Instant completed = state.isTerminal()
                ? Instant.ofEpochMilli(job.times().finishedAtEpochMs() > 0 ? job.times().finishedAtEpochMs()
                : job.times().createdAtEpochMs()) : null;
        return new CheckRuns.CheckRun(name(job), job.source().sha(), externalId(job), status(state), conclusion(state),
                started, completed, title(job), summary(job, logBucket));
    }

    public static CheckRuns.CommitStatus commitStatus(JobRecord job) {
        String state = switch (job.state()) {
            case BLOCKED, QUEUED, RUNNING -> "pending";
            case SUCCEEDED, SKIPPED -> "success";
            case FAILED, TIMED_OUT -> "failure";
            case CANCELLED -> "error";
        };
        String title = title(job);
        String description = title.length() <= STATUS_DESCRIPTION_LIMIT ? title
                : title.substring(0, STATUS_DESCRIPTION_LIMIT - 1) + "…";
        return new CheckRuns.CommitStatus(state, "delta/" + name(job), description);
    }

    static String status(JobState state) {
        return switch (state) {
            case BLOCKED, QUEUED -> "queued";
            case RUNNING -> "in_progress";
            default -> "completed";
        };
    }

    static String conclusion(JobState state) {
        return switch (state) {
            case SUCCEEDED -> "success";
            case FAILED -> "failure";
            case TIMED_OUT -> "timed_out";
            case CANCELLED -> "cancelled";
            case SKIPPED -> "skipped";
            case BLOCKED, QUEUED, RUNNING -> null;
        };
    }

    static String title(JobRecord job) {
        int attempt = job.attempts().current();
        String ofAttempt = attempt > 1 ? " (attempt " + attempt + ")" : "";
        return switch (job.state()) {
            case BLOCKED -> "Waiting for " + String.join(", ", job.needs());
            case QUEUED -> attempt > 1 ? "Queued for attempt " + attempt + lastEnded(job) : "Queued";
            case RUNNING -> "Running on " + job.lease().owner() + ofAttempt;
            case SUCCEEDED -> "Succeeded in " + duration(job) + ofAttempt;
            case FAILED, TIMED_OUT -> (job.state() == JobState.TIMED_OUT ? "Timed out" : "Failed") + ": "
                    + why(job) + ofAttempt;
            case CANCELLED -> "Cancelled" + reason(job);
            case SKIPPED -> "Skipped" + reason(job);
        };
    }

    static String summary(JobRecord job, String logBucket) {
        StringBuilder out = new StringBuilder();
        out.append("| | |\n|---|---|\n");
        out.append("| State | ").append(job.state().name().toLowerCase(java.util.Locale.ROOT)).append(" |\n");
        if (job.outcome().failureClass() != null) {
            out.append("| Failure class | `").append(job.outcome().failureClass()).append("` |\n");
        }
        if (job.outcome().exitCode() != null) {
            out.append("| Exit code | ").append(job.outcome().exitCode()).append(" |\n");
        }
        if (job.outcome().reason() != null && !job.outcome().reason().isBlank()) {
            out.append("| Reason | ").append(cell(job.outcome().reason())).append(" |\n");
        }
        out.append("| Attempts | ").append(job.attempts().current()).append(" |\n");
        if (job.times().startedAtEpochMs() > 0 && job.state().isTerminal()) {
            out.append("| Duration | ").append(duration(job)).append(" |\n");
        }
        if (job.lease().owner() != null) {
            out.append("| Runner | `").append(job.lease().owner()).append("` |\n");
        }
        out.append("| Run | `").append(job.runId()).append("` |\n");
        if (!job.attempts().history().isEmpty()) {
            out.append("\n**Earlier attempts**\n\n");
            out.append(job.attempts().history().stream().map(JobCheck::attemptLine).collect(Collectors.joining("\n")));
            out.append('\n');
        }
        if (job.times().startedAtEpochMs() > 0 && logBucket != null) {
            out.append("\n**Read the log**\n\n```\naws s3 cp --recursive s3://").append(logBucket).append("/logs/")
                    .append(job.runId()).append('/').append(job.jobKey()).append("/epoch-").append(job.lease().epoch())
                    .append("/ ./log && cat ./log/*.log\n```\n");
        }
        return out.toString();
    }

    private static String attemptLine(AttemptRecord attempt) {
        String how = attempt.failureClass() == null ? attempt.result().toLowerCase(java.util.Locale.ROOT)
                : attempt.failureClass() + (attempt.exitCode() == null ? "" : ", exit code " + attempt.exitCode());
        return "- attempt " + attempt.attempt() + " on `" + attempt.runner() + "`: " + how + ", "
                + format(Duration.ofMillis(Math.max(0, attempt.endedAtEpochMs() - attempt.startedAtEpochMs())));
    }

    private static String lastEnded(JobRecord job) {
        if (job.attempts().history().isEmpty()) {
            return "";
        }
        AttemptRecord last = job.attempts().history().get(job.attempts().history().size() - 1);
        return last.failureClass() == null ? "" : " (attempt " + last.attempt() + ": " + last.failureClass() + ")";
    }

    private static String why(JobRecord job) {
        String failure = job.outcome().failureClass() == null ? "failed" : job.outcome().failureClass();
        return job.outcome().exitCode() == null ? failure : failure + ", exit code " + job.outcome().exitCode();
    }

    private static String reason(JobRecord job) {
        String reason = job.outcome().reason();
        return reason == null || reason.isBlank() ? "" : ": " + reason;
    }

    private static String duration(JobRecord job) {
        long end = Math.max(job.times().finishedAtEpochMs(), job.times().startedAtEpochMs());
        return format(Duration.ofMillis(Math.max(0, end - job.times().startedAtEpochMs())));
    }

    static String format(Duration duration) {
        long seconds = duration.toSeconds();
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m " + seconds % 60 + "s";
        }
        return seconds / 3600 + "h " + seconds % 3600 / 60 + "m";
    }

    /** A table cell holds one line and no pipe. */
    private static String cell(String text) {
        String line = text.replace('\n', ' ').replace("|", "\\|");
        return line.length() > 500 ? line.substring(0, 500) + "…" : line;
    }
}
