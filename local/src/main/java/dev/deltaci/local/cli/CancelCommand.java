package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.local.api.ControlApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;


/** {@code delta cancel RUN_ID}: asks the control API to cancel a run. */
@Command(name = "cancel", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Cancel a run: jobs not yet started are cancelled at once, running ones are stopped "
                + "(SIGTERM, grace period, SIGKILL) at their next heartbeat. The run ends CANCELLED and records who "
                + "cancelled it."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:the cancellation was accepted",
                "1:the run had already finished",
                "2:usage error, no such run, no delta dev running, the key was refused or is read-only",
                "3:the control API could not be reached"})
public final class CancelCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "RUN_ID", description = "The run to cancel, e.g. r-230bce40585fa373.")
    String runId;

    @Option(names = "--by", defaultValue = "${sys:user.name}", paramLabel = "NAME",
            description = "Who is cancelling, recorded on the run (default: ${DEFAULT-VALUE}).")
    String by;

    @Override
    int call(ControlApiClient api) throws Exception {
        JsonNode body;
        try {
            body = api.cancel(runId, by);
        } catch (ControlApiClient.ApiError e) {
            if (e.status() != 409) {
                throw e;
            }
            if (json && e.body() != null) {
                printJson(e.body());
            }
            return fail(ExitCodes.RUN_FAILED, e.getMessage());
        }
        if (json) {
            printJson(body);
        } else {
            out().printf("cancelling run %s (by %s): %d job(s) cancelled, %d stopping%n", runId,
                    body.path("cancelledBy").asText(), body.path("cancelledJobs").asInt(), body.path("stoppingJobs").asInt());
            out().flush();
        }
        return ExitCodes.SUCCEEDED;
    }
}
