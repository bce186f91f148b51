package dev.deltaci.functions.report;

import dev.deltaci.core.job.FailureClass;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.github.CheckRuns;
import dev.deltaci.functions.github.GitHubException;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.repo.GitHubPipelineSource;
import dev.deltaci.functions.store.CheckReportStore;
import dev.deltaci.functions.store.CheckReports;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.RunRecord;
import dev.deltaci.functions.store.RunSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings what GitHub shows of a run's jobs up to date with what the table says: one pass reads
 * the run and its jobs (one query) and what was reported, and sends each job whose state (or
 * attempt) GitHub has not seen yet. A job's check run is created once: its id is kept, and
 * before creating one the pass looks for it on the commit by its {@code external_id}, so a
 * create whose answer was lost is found, not made twice. Where the App may not write checks
 * (403), the run is reported with commit statuses instead.
 *
 * <p>GitHub being down or rate-limiting never holds back a job: the job's state is already
 * written when a pass starts; the pass keeps what landed and says when to come back
 * ({@link Outcome.RetryAt}). A refusal that cannot change (no installation, a bad request) is
 * recorded for that job and not tried again.
 */
public final class CheckReporter {

    private static final Logger LOG = LoggerFactory.getLogger(CheckReporter.class);

    /** What a pass came to. */
    public sealed interface Outcome {
        /** Everything GitHub had not seen was sent (possibly nothing). */
        record UpToDate(int sent) implements Outcome {
        }

        /** GitHub could not take it all now; what landed is kept, the rest is due again at {@code at}. */
        record RetryAt(Instant at, String why) implements Outcome {
        }
    }

    private final JobStore jobs;
    private final CheckReportStore reports;
    private final CheckRuns github;
    private final String logBucket;
    private final Metrics metrics;
    private final Duration patience;

    /**
     * @param logBucket where job logs are, for the summary's "read the log" line
     * @param patience  how long each GitHub call may wait (rate limits, 5xx) before the pass gives the rest back
     */
    public CheckReporter(JobStore jobs, CheckReportStore reports, CheckRuns github, String logBucket, Metrics metrics,
                         Duration patience) {
        this.jobs = jobs;
        this.reports = reports;
        this.github = github;
        this.logBucket = logBucket;
        this.metrics = metrics;
        this.patience = patience;
    }

    /** A run is reported when it came from a GitHub repository (not a local path or {@code file://}). */
    static boolean fromGitHub(RunRecord run) {
        return GitHubPipelineSource.repositoryOf(run.cloneUrl()).isPresent() && run.repository() != null
                && run.sha() != null && run.sha().matches("[0-9a-f]{40}");
    }

    private static boolean invalidPipeline(RunRecord run) {
        return run.status() == RunState.FAILED && FailureClass.CONFIG_ERROR.wireName().equals(run.failureClass());
    }

    public Outcome report(String runId) {
        Optional<RunSnapshot> snapshot = jobs.readRun(runId);
        if (snapshot.isEmpty() || !fromGitHub(snapshot.get().run())) {
            return new Outcome.UpToDate(0);
        }
        RunRecord run = snapshot.get().run();
        CheckReports before = reports.read(runId);
        List<JobCheck.Check> shown = snapshot.get().jobs().isEmpty() && invalidPipeline(run)
                ? List.of(JobCheck.invalidPipeline(run))
                : snapshot.get().jobs().stream().map(job -> JobCheck.of(job, logBucket)).toList();
        List<JobCheck.Check> due = shown.stream()
                .filter(check -> !before.gaveUp().containsKey(check.key()))
                .filter(check -> !check.mark().equals(before.reported().get(check.key())))
                .toList();
        if (due.isEmpty()) {
            return new Outcome.UpToDate(0);
        }
        Pass pass = new Pass(run, before);
        try {
            for (JobCheck.Check check : due) {
                pass.send(check);
            }
            return new Outcome.UpToDate(pass.sent);
        } catch (GitHubException e) {
            metrics.record(Metric.CHECK_REPORTS, due.size() - pass.sent - pass.gaveUp, "outcome", "retried");
            LOG.warn("reporting run {} to GitHub: {}; trying again at {}", runId, e.getMessage(), e.retryAt());
            return new Outcome.RetryAt(e.retryAt(), e.getMessage());
        } finally {
            if (!pass.checks.equals(before)) {
                reports.save(pass.checks);
            }
        }
    }

    /** One pass over a run's due jobs: what it learned and sent so far. */
    private final class Pass {
        final RunRecord run;
        CheckReports checks;
        Map<String, Long> onCommit; // the commit's check runs by external id, listed once a pass, when needed
        int sent;
        int gaveUp;

        Pass(RunRecord run, CheckReports checks) {
            this.run = run;
            this.checks = checks;
        }

        /** @throws GitHubException only when trying again later can help */
        void send(JobCheck.Check check) throws GitHubException {
            try {
                if (checks.channel() == CheckReports.Channel.CHECKS) {
                    sendCheckRun(check);
                } else {
                    github.setStatus(run.repository(), run.sha(), check.commitStatus(), patience);
                }
            } catch (GitHubException e) {
                if (e.retryable()) {
                    throw e;
                }
                if (checks.channel() == CheckReports.Channel.CHECKS && e.status() == 403) {
                    LOG.warn("the App may not write checks on {} ({}); reporting its jobs as commit statuses",
                            run.repository(), e.getMessage());
                    checks = checks.withChannel(CheckReports.Channel.STATUSES);
                    send(check);
                    return;
                }
                LOG.error("GitHub refused the report of {} of run {}: {}", check.key(), run.runId(), e.getMessage());
                checks = checks.withGaveUp(check.key(), e.getMessage());
                metrics.record(Metric.CHECK_REPORTS, 1, "outcome", "gave_up");
                gaveUp++;
                return;
            }
            checks = checks.withReported(check.key(), check.mark());
            metrics.record(Metric.CHECK_REPORTS, 1, "outcome", "reported");
            sent++;
        }

        private void sendCheckRun(JobCheck.Check check) throws GitHubException {
            CheckRuns.CheckRun view = check.checkRun();
            Long id = checks.checkRunIds().get(check.key());
            if (id == null) {
                if (onCommit == null) {
                    onCommit = github.idsByExternalId(run.repository(), run.sha(), patience);
                }
                id = onCommit.get(view.externalId());
            }
            if (id == null) {
                id = github.create(run.repository(), view);
                checks = checks.withCheckRun(check.key(), id);
            } else {
                checks = checks.withCheckRun(check.key(), id);
                github.update(run.repository(), id, view, patience);
            }
        }
    }
}
