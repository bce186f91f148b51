package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.local.api.ControlApiClient;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code delta rerun RUN [--failed]}: runs a finished run again, as a new run ({@code POST /runs/{id}/rerun}). */
@Command(name = "rerun", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a finished run again: a new run of the same commit, event and inputs. With --failed, "
                + "the jobs that succeeded are kept (their logs and artifacts too) and only the rest run again.",
                "", "Needs a key with write access."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:the rerun was started (with --follow: and succeeded)",
                "1:with --follow: the rerun failed or was cancelled",
                "2:usage error, no such run, the run has not finished (or nothing failed, with --failed), "
                        + "the key was refused or is read-only",
                "3:the control API could not be reached or failed"})
public final class RerunCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "RUN_ID", description = "The finished run to run again.")
    String runId;

    @Option(names = "--failed", description = "Only the jobs that did not succeed (and those after them).")
    boolean failedOnly;

    @Option(names = {"-f", "--follow"}, description = "Follow the new run to its end, as 'delta run' does.")
    boolean follow;

    @Override
    int call(ControlApiClient api) throws Exception {
        JsonNode answer = api.rerun(runId, failedOnly);
        String newRun = answer.path("runId").asText();
        if (json && !follow) {
            printJson(answer);
            return ExitCodes.SUCCEEDED;
        }
        (json ? err() : out()).printf("run %s started: rerun of %s%s%n", newRun, runId, failedOnly
                ? " (failed jobs only; kept " + answer.path("reusedJobs").size() + " that succeeded)" : "");
        (json ? err() : out()).flush();
        if (!follow) {
            return ExitCodes.SUCCEEDED;
        }
        Optional<JsonNode> ended = new RunWatcher(api, json ? err() : out()).follow(newRun, Duration.ofHours(2));
        if (ended.isEmpty()) {
            return fail(ExitCodes.INTERNAL, "run " + newRun + " did not finish within 2 hours");
        }
        String status = ended.get().path("run").path("status").asText();
        if (json) {
            printJson(ended.get());
        } else {
            out().println("▸ run " + newRun + " " + status);
        }
        return status.equals("SUCCEEDED") ? ExitCodes.SUCCEEDED : ExitCodes.RUN_FAILED;
    }
}
