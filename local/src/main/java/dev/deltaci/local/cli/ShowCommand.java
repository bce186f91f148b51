package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.local.api.ControlApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code delta show RUN}: a run, its jobs and their attempts, and why the waiting ones wait ({@code GET /runs/{id}}). */
@Command(name = "show", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show a run: its jobs in order, each one's state, attempts (runner, failure class, exit code, "
                + "duration), what it needs, and why a job that has not started waits."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:shown",
                "2:usage error, no such run (or not one the key may see), no delta dev running",
                "3:the control API could not be reached or failed"})
public final class ShowCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "RUN_ID", description = "The run, e.g. r-230bce40585fa373.")
    String runId;

    @Override
    int call(ControlApiClient api) throws Exception {
        JsonNode view = api.run(runId);
        if (json) {
            printJson(view);
            return ExitCodes.SUCCEEDED;
        }
        JsonNode run = view.path("run");
        out().printf("run %s  %s  %s @ %s (%s)  %s  %s%n", run.path("runId").asText(), run.path("status").asText(),
                run.path("repository").asText(), text(run, "branch"),
                run.path("sha").asText("").substring(0, Math.min(12, run.path("sha").asText("").length())),
                run.path("trigger").asText(), duration(run.get("durationMs")));
        out().printf("  created %s%s%s%s%n", when(run.get("createdAtEpochMs")),
                run.hasNonNull("workflow") ? ", workflow " + run.get("workflow").asText() : "",
                run.hasNonNull("rerunOf") ? ", rerun of " + run.get("rerunOf").asText() : "",
                run.hasNonNull("cancelledBy") ? ", cancelled by " + run.get("cancelledBy").asText() : "");
        if (run.hasNonNull("message")) {
            out().println("  " + run.get("message").asText());
        }
        out().println();
        out().printf("  %-24s %-10s %-7s %-30s %-9s %s%n", "JOB", "STATE", "ATTEMPT", "RUNNER", "DURATION", "DETAIL");
        for (JsonNode job : view.path("jobs")) {
            JsonNode attempts = job.path("attempts");
            JsonNode last = attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
            out().printf("  %-24s %-10s %-7s %-30s %-9s %s%n", job.path("key").asText(), job.path("state").asText(),
                    attempts.isEmpty() ? "-" : job.path("attempt").asText(), last == null ? "-" : text(last, "runner"),
                    duration(job.get("durationMs")), detail(job));
            if (!job.path("needs").isEmpty()) {
                out().printf("  %-24s needs %s%n", "", join(job.path("needs")));
            }
            if (attempts.size() > 1) {
                attempts.forEach(a -> out().printf("  %-24s %s%n", "", RunWatcher.describe(a)));
            }
        }
        out().flush();
        return ExitCodes.SUCCEEDED;
    }

    private static String detail(JsonNode job) {
        if (job.hasNonNull("waiting")) {
            return job.get("waiting").asText();
        }
        if (job.hasNonNull("reason")) {
            return job.get("reason").asText();
        }
        if (job.hasNonNull("exitCode")) {
            return "exit " + job.get("exitCode").asInt() + (job.hasNonNull("failureClass")
                    ? ", " + job.get("failureClass").asText() : "");
        }
        return job.hasNonNull("failureClass") ? job.get("failureClass").asText() : "";
    }

    private static String join(JsonNode array) {
        java.util.List<String> items = new java.util.ArrayList<>();
        array.forEach(item -> items.add(item.asText()));
        return String.join(", ", items);
    }
}
