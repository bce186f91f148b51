package dev.deltaci.functions.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.core.job.JobState;
import dev.deltaci.functions.github.CheckRuns;
import dev.deltaci.functions.store.AttemptRecord;
import dev.deltaci.functions.store.JobAttempts;
import dev.deltaci.functions.store.JobLease;
import dev.deltaci.functions.store.JobOutcome;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobSource;
import dev.deltaci.functions.store.JobTimes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JobCheckTest {

    private static final long T0 = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
    private static final String SHA = "a".repeat(40);

    @ParameterizedTest
    @EnumSource(JobState.class)
    void everyState_shouldMapToWhatGitHubAccepts(JobState state) {
        CheckRuns.CheckRun run = JobCheck.checkRun(job(state, 1, null, null, null), "bucket");

        assertThat(run.status()).isIn("queued", "in_progress", "completed");
        assertThat(run.conclusion() != null).as("a conclusion exactly when completed")
                .isEqualTo(run.status().equals("completed"));
        assertThat(run.completedAt() != null).isEqualTo(state.isTerminal());
        assertThat(run.title()).isNotBlank();
        assertThat(JobCheck.commitStatus(job(state, 1, null, null, null)).state())
                .isIn("pending", "success", "failure", "error");
    }

    @Test
    void aFailedRetriedJob_shouldSayWhyHowOftenHowLongAndWhereItsLogIs() {
        AttemptRecord lost = new AttemptRecord(1, 1, "runner-a", T0, T0 + 5_000, "QUEUED", "runner_lost", null);
        JobRecord job = job(JobState.FAILED, 2, "script_failure", 2, List.of(lost));

        CheckRuns.CheckRun run = JobCheck.checkRun(job, "delta-logs");

        assertThat(run.conclusion()).isEqualTo("failure");
        assertThat(run.title()).isEqualTo("Failed: script_failure, exit code 2 (attempt 2)");
        assertThat(run.summary()).contains("| Failure class | `script_failure` |", "| Exit code | 2 |",
                "| Attempts | 2 |", "| Duration | 1m 12s |", "- attempt 1 on `runner-a`: runner_lost, 5s",
                "aws s3 cp --recursive s3://delta-logs/logs/r-1/test/epoch-3/");
        assertThat(run.startedAt()).isEqualTo(Instant.ofEpochMilli(T0 + 10_000));
        assertThat(run.externalId()).isEqualTo("delta:r-1/test");
    }

    @Test
    void aCommitStatusDescription_shouldFitGitHubsLimit() {
        JobRecord job = job(JobState.CANCELLED, 1, "cancelled", null, List.of());
        JobRecord longReason = new JobRecord(job.runId(), job.jobKey(), job.name(), job.state(), job.needs(), null,
                job.source(), job.lease(), job.attempts(), job.times(),
                new JobOutcome(null, "cancelled", "x".repeat(500), -1, null), null, null);

        assertThat(JobCheck.commitStatus(longReason).description()).hasSize(JobCheck.STATUS_DESCRIPTION_LIMIT).endsWith("…");
        assertThat(JobCheck.commitStatus(longReason).context()).isEqualTo("delta/test");
    }

    @Test
    void anotherAttempt_shouldBeNews() {
        assertThat(JobCheck.mark(job(JobState.QUEUED, 2, null, null, List.of())))
                .isNotEqualTo(JobCheck.mark(job(JobState.QUEUED, 1, null, null, List.of())));
        assertThat(JobCheck.format(Duration.ofSeconds(3725))).isEqualTo("1h 2m");
    }

    private static JobRecord job(JobState state, int attempt, String failureClass, Integer exitCode,
                                 List<AttemptRecord> history) {
        long started = T0 + 10_000;
        long finished = state.isTerminal() ? started + 72_000 : 0;
        return new JobRecord("r-1", "test", "test", state, List.of("build"), null,
                new JobSource("https://github.com/octo/app.git", SHA, "refs/heads/main", "octo/app", "push", null, false),
                new JobLease(3, state == JobState.BLOCKED || state == JobState.QUEUED ? null : "runner-b", 0, 0, null),
                new JobAttempts(attempt, attempt - 1, 0, history),
                new JobTimes(T0, T0, T0, state == JobState.BLOCKED ? 0 : started, finished),
                new JobOutcome(exitCode, failureClass, null, -1, null), null, null);
    }
}
