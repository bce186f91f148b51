package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.local.api.ControlApiClient;
import dev.deltaci.local.api.LogCursor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code delta logs RUN [JOB] [-f]}: a job's log by sequence cursor, page by page (a 50 MB log is
 * never held whole); with {@code -f}, new lines as they arrive until the job ends, and an exit
 * code that says how it ended.
 */
@Command(name = "logs", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print a job's log (every job's, prefixed with its name, when the run has several and none "
                + "is named). With -f, follow it live until the job ends, going on to a retry's attempt.", "",
                "JOB is a job key (e.g. build, test.2) or a job's name."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:printed; with -f: the job succeeded (or was skipped)",
                "1:with -f: the job failed or timed out",
                "2:usage error, no such run, job or attempt, no delta dev running",
                "3:the control API could not be reached or failed",
                "4:with -f: the job was cancelled"})
public final class LogsCommand extends ApiCommand {

    static final int CANCELLED = 4;
    private static final Duration POLL = Duration.ofMillis(500);

    @Parameters(index = "0", paramLabel = "RUN_ID", description = "The run.")
    String runId;

    @Parameters(index = "1", arity = "0..1", paramLabel = "JOB", description = "The job (key or name); "
            + "default: the run's only job, or all of them.")
    String job;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until the job (or run) ends.")
    boolean follow;

    @Option(names = "--attempt", paramLabel = "N", description = "Which attempt's log (default: the latest).")
    Integer attempt;

    @Override
    int call(ControlApiClient api) throws Exception {
        JsonNode view = api.run(runId);
        List<JsonNode> jobs = new ArrayList<>();
        view.path("jobs").forEach(jobs::add);
        List<JsonNode> chosen = job == null ? jobs : jobs.stream()
                .filter(j -> j.path("key").asText().equals(job) || j.path("name").asText().equals(job)).toList();
        if (chosen.isEmpty()) {
            return fail(ExitCodes.USAGE_OR_CONFIG, job == null ? "run " + runId + " has no jobs"
                    : "run " + runId + " has no job '" + job + "'; its jobs: "
                    + jobs.stream().map(j -> j.path("key").asText()).toList());
        }
        if (chosen.size() > 1 && job != null) {
            return fail(ExitCodes.USAGE_OR_CONFIG, "more than one job is named '" + job + "'; name it by key: "
                    + chosen.stream().map(j -> j.path("key").asText()).toList());
        }
        boolean prefix = chosen.size() > 1;
        int width = chosen.stream().mapToInt(j -> j.path("name").asText().length()).max().orElse(1);
        Map<String, Follow> follows = new LinkedHashMap<>();
        for (JsonNode j : chosen) {
            follows.put(j.path("key").asText(), new Follow(j.path("key").asText(), j.path("name").asText(), attempt));
        }
        while (true) {
            boolean allDone = true;
            // one read of the run a round, for the jobs whose next attempt has not been seen yet
            JsonNode now = follows.values().stream().anyMatch(f -> f.cursor == null) ? api.run(runId) : null;
            for (Follow f : follows.values()) {
                allDone &= f.readAvailable(api, now, prefix ? String.format("%-" + width + "s │ ", f.name) : "");
            }
            out().flush();
            if (!follow || allDone) {
                break;
            }
            Thread.sleep(POLL.toMillis());
        }
        if (!follow) {
            return ExitCodes.SUCCEEDED;
        }
        // how it ended: the one job's state, or the run's when following all of them
        JsonNode finalView = api.run(runId);
        String ended = job == null && chosen.size() > 1 ? finalView.path("run").path("status").asText()
                : stateOf(finalView, chosen.get(0).path("key").asText());
        if (json) {
            out().println(JSON.writeValueAsString(Map.of("runId", runId, "job", job == null ? "*" : chosen.get(0)
                    .path("key").asText(), "ended", ended)));
            out().flush();
        }
        return switch (ended) {
            case "SUCCEEDED", "SKIPPED" -> ExitCodes.SUCCEEDED;
            case "CANCELLED" -> CANCELLED;
            default -> ExitCodes.RUN_FAILED;
        };
    }

    private static boolean isOver(String state) {
        return List.of("SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "SKIPPED").contains(state);
    }

    private static String stateOf(JsonNode view, String key) {
        for (JsonNode j : view.path("jobs")) {
            if (j.path("key").asText().equals(key)) {
                return j.path("state").asText();
            }
        }
        return "UNKNOWN";
    }

    /** One job's log being read: its attempt's cursor, moved on to a retry's attempt when following. */
    private final class Follow {
        final String key;
        final String name;
        final Integer pinned;
        LogCursor cursor;
        int attemptNumber;

        Follow(String key, String name, Integer pinned) {
            this.key = key;
            this.name = name;
            this.pinned = pinned;
        }

        /** Prints what has arrived; whether this job's log is over (its last attempt read to the end and the job ended). */
        boolean readAvailable(ControlApiClient api, JsonNode view, String label) throws Exception {
            if (cursor == null) {
                JsonNode job = jobIn(view);
                boolean started = job != null && job.path("attempts").size() > 0;
                if (pinned == null && attemptNumber > 0 && !started(job, attemptNumber + 1)) {
                    // a retry's attempt has not started yet, or the job ended without one
                    return job == null || isOver(job.path("state").asText());
                }
                if (!started && !follow) {
                    err().println(label + "(job " + key + " has not started: " + (job == null ? "?" : job.path("state").asText()) + ")");
                    return true;
                }
                cursor = new LogCursor(api, runId, key, pinned != null ? pinned : attemptNumber > 0 ? attemptNumber + 1 : null);
            }
            for (LogCursor.Chunk chunk : cursor.read(follow ? 16 : Integer.MAX_VALUE)) {
                attemptNumber = chunk.attempt();
                if (json) {
                    out().println(JSON.writeValueAsString(Map.of("job", key, "attempt", chunk.attempt(),
                            "seq", chunk.seq(), "text", chunk.text())));
                } else {
                    chunk.text().lines().forEach(line -> out().println(label + line));
                }
            }
            if (cursor.attempt() != null) {
                attemptNumber = cursor.attempt();
            }
            if (!cursor.complete()) {
                return false;
            }
            if (isOver(cursor.state()) || pinned != null || !follow) {
                return true;
            }
            cursor = null; // this attempt is over but the job is not: it was retried; follow the next attempt
            return false;
        }

        private JsonNode jobIn(JsonNode view) {
            for (JsonNode j : view.path("jobs")) {
                if (j.path("key").asText().equals(key)) {
                    return j;
                }
            }
            return null;
        }

        private static boolean started(JsonNode job, int attempt) {
            if (job == null) {
                return false;
            }
            for (JsonNode a : job.path("attempts")) {
                if (a.path("attempt").asInt() == attempt) {
                    return true;
                }
            }
            return false;
        }
    }
}
