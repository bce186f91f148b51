package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.local.api.ControlApiClient;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code delta runs}: the runs a key may see, newest first, a page at a time ({@code GET /runs}). */
@Command(name = "runs", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List runs, newest first, of a running delta dev (--data) or a deployment (--api-url).", "",
                "Filters are exact; the API key decides which repositories show at all. A page ends with the "
                        + "command for the next one."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:listed (also when no run matched)",
                "2:usage error, bad filter, no delta dev running, or the key was refused",
                "3:the control API could not be reached or failed"})
public final class RunsCommand extends ApiCommand {

    @Option(names = "--repository", paramLabel = "OWNER/NAME", description = "Only runs of this repository.")
    String repository;

    @Option(names = "--branch", paramLabel = "BRANCH", description = "Only runs of this branch (or full ref).")
    String branch;

    @Option(names = "--status", paramLabel = "STATUS", description = "Only runs in this state: PENDING, RUNNING, "
            + "SUCCEEDED, FAILED or CANCELLED.")
    String status;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "Runs per page, 1-200 (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--cursor", paramLabel = "CURSOR", description = "Where to go on from: the previous page's 'next'.")
    String cursor;

    @Override
    int call(ControlApiClient api) throws Exception {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("repository", repository);
        query.put("branch", branch);
        query.put("status", status);
        query.put("limit", String.valueOf(limit));
        query.put("cursor", cursor);
        JsonNode page = api.runs(query);
        if (json) {
            printJson(page);
            return ExitCodes.SUCCEEDED;
        }
        if (page.path("runs").isEmpty()) {
            out().println(page.hasNonNull("next") ? "no matching run in this stretch of history" : "no runs");
        } else {
            out().printf("%-20s %-10s %-28s %-18s %-8s %-18s %-19s %s%n", "RUN", "STATUS", "REPOSITORY", "BRANCH",
                    "COMMIT", "TRIGGER", "CREATED", "DURATION");
            for (JsonNode run : page.path("runs")) {
                out().printf("%-20s %-10s %-28s %-18s %-8s %-18s %-19s %s%n", run.path("runId").asText(),
                        run.path("status").asText(), run.path("repository").asText(), text(run, "branch"),
                        run.path("sha").asText("").substring(0, Math.min(7, run.path("sha").asText("").length())),
                        run.path("trigger").asText(), when(run.get("createdAtEpochMs")), duration(run.get("durationMs")));
            }
        }
        if (page.hasNonNull("next")) {
            out().println("more: delta runs --cursor " + page.get("next").asText()
                    + (repository == null ? "" : " --repository " + repository)
                    + (branch == null ? "" : " --branch " + branch) + (status == null ? "" : " --status " + status));
        }
        out().flush();
        return ExitCodes.SUCCEEDED;
    }
}
