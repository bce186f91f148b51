package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.local.api.ControlApiClient;
import dev.deltaci.local.api.LogCursor;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Follows a run through the control API, as any client would: {@code GET /runs/{id}} for its jobs,
 * each job's log by sequence cursor, and prints each state change and each log line (prefixed
 * with the job's name) as it appears. The same routes the dashboard reads.
 */
final class RunWatcher {

    private static final Duration POLL = Duration.ofMillis(250);

    private final ControlApiClient api;
    private final PrintWriter out;
    private final Map<String, String> lastShown = new HashMap<>();
    /** One cursor per job and attempt: a retried attempt's log is printed too. */
    private final Map<String, LogCursor> cursors = new HashMap<>();
    private int nameWidth = 1;

    RunWatcher(ControlApiClient api, PrintWriter out) {
        this.api = api;
        this.out = out;
    }

    /** The run as {@code GET /runs/{id}} shows it once it has ended, or empty if it did not within {@code limit}. */
    Optional<JsonNode> follow(String runId, Duration limit)
            throws InterruptedException, IOException, ControlApiClient.ApiError {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode view = api.run(runId);
            List<JsonNode> jobs = inOrderOfActivity(view.path("jobs"));
            jobs.forEach(job -> nameWidth = Math.max(nameWidth, job.path("name").asText().length()));
            for (JsonNode job : jobs) {
                // "RUNNING" before the lines it printed, an ending after them
                boolean running = job.path("state").asText().equals("RUNNING");
                if (running) {
                    reportState(job);
                }
                printNewLogLines(runId, job, false);
                if (!running) {
                    reportState(job);
                }
            }
            out.flush();
            if (terminal(view.path("run").path("status").asText())) {
                drainLogs(runId);
                out.flush();
                return Optional.of(api.run(runId));
            }
            Thread.sleep(POLL.toMillis());
        }
        return Optional.empty();
    }

    static boolean terminal(String runStatus) {
        return List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(runStatus);
    }

    private void reportState(JsonNode job) {
        String state = job.path("state").asText();
        String waiting = worthShowing(job.path("waiting").asText(null));
        String shown = state + "|" + waiting;
        if (shown.equals(lastShown.put(job.path("key").asText(), shown))) {
            return;
        }
        JsonNode attempts = job.path("attempts");
        JsonNode last = attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
        StringBuilder line = new StringBuilder(label(job.path("name").asText())).append("● ").append(state);
        if (state.equals("RUNNING") && last != null) {
            line.append(" (attempt ").append(job.path("attempt").asInt()).append(", runner ")
                    .append(last.path("runner").asText()).append(')');
        } else if (isEnd(state) && !state.equals("SUCCEEDED") && job.hasNonNull("exitCode")) {
            line.append(" (exit ").append(job.get("exitCode").asInt()).append(", ").append(job.path("failureClass").asText())
                    .append(job.path("continueOnError").asBoolean() ? "; continue-on-error" : "").append(')');
        } else if (state.equals("SKIPPED") && job.hasNonNull("reason")) {
            line.append(" (").append(job.get("reason").asText()).append(')');
        } else if (state.equals("QUEUED") && last != null && last.path("finished").asBoolean()) {
            line.append(" (").append(describe(last)).append(waiting == null ? "" : "; " + waiting).append(')');
        } else if (waiting != null && (state.equals("BLOCKED") || state.equals("QUEUED"))) {
            line.append(" (").append(waiting).append(')');
        }
        out.println(line);
    }

    /**
     * What a terminal line says of a wait: a concurrency group or capacity being started, not the
     * ordinary wait for needs or for a free runner (the run page shows those).
     */
    private static String worthShowing(String waiting) {
        // the seconds a job has waited change every poll: a state line says why it waits, not for how long
        waiting = waiting == null ? null : waiting.replaceAll(" \\(queued \\d+ s\\)$", "");
        if (waiting == null || waiting.startsWith("waiting for a runner") || waiting.endsWith(" to finish")) {
            return null;
        }
        return waiting;
    }

    /** "attempt 1 on runner-a: script_failure, exit 7, retried" */
    static String describe(JsonNode attempt) {
        StringBuilder text = new StringBuilder("attempt ").append(attempt.path("attempt").asInt());
        if (attempt.hasNonNull("runner")) {
            text.append(" on ").append(attempt.get("runner").asText());
        }
        text.append(": ").append(attempt.hasNonNull("failureClass") ? attempt.get("failureClass").asText()
                : attempt.path("result").asText());
        if (attempt.hasNonNull("exitCode")) {
            text.append(", exit ").append(attempt.get("exitCode").asInt());
        }
        if ("QUEUED".equals(attempt.path("result").asText())) {
            text.append(", retried");
        }
        return text.toString();
    }

    /** After the run ends: read every attempt's log to its end (the API says when it is complete). */
    private void drainLogs(String runId) throws InterruptedException, IOException, ControlApiClient.ApiError {
        JsonNode view = api.run(runId);
        for (int round = 0; round < 20; round++) {
            boolean complete = true;
            for (JsonNode job : inOrderOfActivity(view.path("jobs"))) {
                complete &= printNewLogLines(runId, job, true);
                reportState(job);
            }
            if (complete) {
                return;
            }
            Thread.sleep(100);
        }
    }

    /** Prints the lines not yet shown, of every attempt so far; whether all of them are complete. */
    private boolean printNewLogLines(String runId, JsonNode job, boolean toTheEnd)
            throws IOException, ControlApiClient.ApiError, InterruptedException {
        boolean complete = true;
        String key = job.path("key").asText();
        for (JsonNode attempt : job.path("attempts")) {
            int number = attempt.path("attempt").asInt();
            LogCursor cursor = cursors.computeIfAbsent(key + "#" + number, k -> new LogCursor(api, runId, key, number));
            if (cursor.complete()) {
                continue;
            }
            for (LogCursor.Chunk chunk : cursor.read(toTheEnd ? 1000 : 8)) {
                chunk.text().lines().forEach(l -> out.println(label(job.path("name").asText()) + l));
            }
            complete &= cursor.complete();
        }
        return complete;
    }

    private static boolean isEnd(String state) {
        return List.of("SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "SKIPPED").contains(state);
    }

    /** Jobs in the order they reached their current state, so that what one poll shows reads as it happened. */
    private static List<JsonNode> inOrderOfActivity(JsonNode jobs) {
        List<JsonNode> list = new ArrayList<>();
        jobs.forEach(list::add);
        list.sort(Comparator.comparingLong(RunWatcher::stateReachedAtEpochMs).thenComparing(j -> j.path("key").asText()));
        return list;
    }

    private static long stateReachedAtEpochMs(JsonNode job) {
        return switch (job.path("state").asText()) {
            case "BLOCKED" -> job.path("createdAtEpochMs").asLong();
            case "QUEUED" -> job.path("queuedAtEpochMs").asLong();
            case "RUNNING" -> job.path("startedAtEpochMs").asLong();
            default -> job.path("finishedAtEpochMs").asLong();
        };
    }

    private String label(String name) {
        return String.format("%-" + nameWidth + "s │ ", name);
    }
}
