package dev.deltaci.local.cli;

import dev.deltaci.core.job.JobState;
import dev.deltaci.functions.logs.LogStore;
import dev.deltaci.functions.scale.WaitingReasons;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.RunRecord;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Follows a run from the outside, as an operator would: reads its jobs from the table and
 * their log chunks from the bucket, and prints each state change and each log line (prefixed
 * with the job's name) as it appears.
 */
final class RunWatcher {

    private static final Duration POLL = Duration.ofMillis(250);

    private final JobStore store;
    private final LogStore logs;
    private final PrintWriter out;
    private final WaitingReasons waiting;
    private final Map<String, String> lastShown = new HashMap<>();
    /** Waiting reasons by label set, read once per poll. */
    private final Map<List<String>, Optional<String>> waitingThisPoll = new HashMap<>();
    private final Set<String> printedChunks = new HashSet<>();
    private int nameWidth = 1;

    /** @param waiting why a queued job waits for capacity (autoscaled pools), shown when it changes */
    RunWatcher(JobStore store, LogStore logs, WaitingReasons waiting, PrintWriter out) {
        this.store = store;
        this.logs = logs;
        this.waiting = waiting;
        this.out = out;
    }

    /** Final state of the run, or empty if it did not finish within {@code limit}. */
    Optional<RunRecord> follow(String runId, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            RunRecord run = store.getRun(runId).orElseThrow(() -> new IllegalStateException("run " + runId + " vanished"));
            List<JobRecord> jobs = inOrderOfActivity(store.listJobs(runId));
            waitingThisPoll.clear();
            jobs.forEach(job -> nameWidth = Math.max(nameWidth, job.name().length()));
            for (JobRecord job : jobs) {
                printNewLogLines(job);
                reportState(job);
            }
            out.flush();
            if (run.status().isTerminal()) {
                drainLogs(runId);
                out.flush();
                return Optional.of(run);
            }
            Thread.sleep(POLL.toMillis());
        }
        return Optional.empty();
    }

    private void reportState(JobRecord job) {
        String forCapacity = job.state() == JobState.QUEUED
                ? waitingThisPoll.computeIfAbsent(job.spec().labels(), waiting::forLabels).orElse(null) : null;
        String shown = job.state() + "|" + job.waitingFor() + "|" + forCapacity;
        if (shown.equals(lastShown.put(job.jobKey(), shown))) {
            return;
        }
        StringBuilder line = new StringBuilder(label(job.name())).append("● ").append(job.state());
        if (job.state() == JobState.RUNNING) {
            line.append(" (attempt ").append(job.attempts().current()).append(", runner ").append(job.lease().owner()).append(')');
        } else if (job.state().isTerminal() && job.outcome().exitCode() != null && job.state() != JobState.SUCCEEDED) {
            line.append(" (exit ").append(job.outcome().exitCode()).append(", ").append(job.outcome().failureClass())
                    .append(job.spec().continueOnError() ? "; continue-on-error" : "").append(')');
        } else if (job.state() == JobState.SKIPPED && job.outcome().reason() != null) {
            line.append(" (").append(job.outcome().reason()).append(')');
        } else if (job.state() == JobState.BLOCKED && job.waitingFor() != null) {
            line.append(" (").append(job.waitingFor()).append(')');
        } else if (job.state() == JobState.QUEUED && !job.attempts().history().isEmpty()) {
            line.append(" (").append(RunSummary.describe(job.attempts().history().get(job.attempts().history().size() - 1)))
                    .append(forCapacity == null ? "" : "; " + forCapacity).append(')');
        } else if (job.state() == JobState.QUEUED && forCapacity != null) {
            line.append(" (").append(forCapacity).append(')');
        }
        out.println(line);
    }

    /** After the run ends: wait briefly until every job's reported chunk count is printed. */
    private void drainLogs(String runId) throws InterruptedException {
        for (int round = 0; round < 20; round++) {
            boolean complete = true;
            for (JobRecord job : inOrderOfActivity(store.listJobs(runId))) {
                int shown = printNewLogLines(job);
                reportState(job);
                complete &= job.outcome().logChunks() <= shown;
            }
            if (complete) {
                return;
            }
            Thread.sleep(100);
        }
    }

    /**
     * Prints chunks not yet shown, of every attempt so far (a retried attempt may have come and
     * gone between two polls); returns how many chunks the job's current attempt has.
     */
    private int printNewLogLines(JobRecord job) {
        Set<Long> epochs = new TreeSet<>();
        job.attempts().history().forEach(a -> epochs.add(a.epoch()));
        if (job.state() == JobState.RUNNING || (job.state().isTerminal() && job.lease().epoch() > 0)) {
            epochs.add(job.lease().epoch());
        }
        int current = 0;
        for (long epoch : epochs) {
            List<String> keys = logs.listChunks(job.runId(), job.jobKey(), epoch);
            for (String key : keys) {
                if (printedChunks.add(key)) {
                    logs.read(key).lines().forEach(l -> out.println(label(job.name()) + l));
                }
            }
            current = epoch == job.lease().epoch() ? keys.size() : current;
        }
        return current;
    }

    /** Jobs in the order they reached their current state, so that what one poll shows reads as it happened. */
    private static List<JobRecord> inOrderOfActivity(List<JobRecord> jobs) {
        return jobs.stream().sorted(Comparator.comparingLong(RunWatcher::stateReachedAtEpochMs)
                .thenComparing(JobRecord::jobKey)).toList();
    }

    private static long stateReachedAtEpochMs(JobRecord job) {
        return switch (job.state()) {
            case BLOCKED -> job.times().createdAtEpochMs();
            case QUEUED -> job.times().queuedAtEpochMs();
            case RUNNING -> job.times().startedAtEpochMs();
            default -> job.times().finishedAtEpochMs();
        };
    }

    private String label(String name) {
        return String.format("%-" + nameWidth + "s │ ", name);
    }
}
