package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code delta cancel RUN_ID}: asks the control API to cancel a run. */
@Command(name = "cancel", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Cancel a run: jobs not yet started are cancelled at once, running ones are stopped "
                + "(SIGTERM, grace period, SIGKILL) at their next heartbeat. The run ends CANCELLED and records who "
                + "cancelled it."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:the cancellation was accepted",
                "1:the run had already finished",
                "2:usage error, or no such run",
                "3:the control API could not be reached"})
public final class CancelCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_ID", description = "The run to cancel, e.g. r-230bce40585fa373.")
    String runId;

    @Option(names = "--api-url", required = true, defaultValue = "${env:DELTA_API_URL}", paramLabel = "URL",
            description = "Base URL of the Delta CI API: the stack's ApiUrl output, or the 'functions on' URL "
                    + "'delta run' prints (env DELTA_API_URL).")
    URI apiUrl;

    @Option(names = "--api-key", required = true, defaultValue = "${env:DELTA_API_KEY}", paramLabel = "KEY",
            description = "Control API key covering the run's repository (env DELTA_API_KEY; 'delta run' prints the "
                    + "command with its own).")
    String apiKey;

    @Option(names = "--by", defaultValue = "${sys:user.name}", paramLabel = "NAME",
            description = "Who is cancelling, recorded on the run (default: ${DEFAULT-VALUE}).")
    String by;

    @Option(names = "--json", description = "Print the API's answer as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        HttpResponse<String> response;
        try {
            response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
                    HttpRequest.newBuilder(apiUrl.resolve("/runs/" + runId + "/cancel"))
                            .timeout(Duration.ofSeconds(30))
                            .header("content-type", "application/json")
                            .header("authorization", "Bearer " + apiKey)
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(java.util.Map.of("by", by))))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            spec.commandLine().getErr().println("error: cannot reach " + apiUrl + ": " + e.getMessage());
            return ExitCodes.INTERNAL;
        }
        JsonNode body = JSON.readTree(response.body());
        if (json) {
            spec.commandLine().getOut().println(JSON.writeValueAsString(body));
        }
        return switch (response.statusCode()) {
            case 202 -> {
                if (!json) {
                    spec.commandLine().getOut().printf("cancelling run %s (by %s): %d job(s) cancelled, %d stopping%n",
                            runId, body.path("cancelledBy").asText(), body.path("cancelledJobs").asInt(),
                            body.path("stoppingJobs").asInt());
                }
                yield ExitCodes.SUCCEEDED;
            }
            case 409 -> {
                spec.commandLine().getErr().println("error: " + body.path("error").asText());
                yield ExitCodes.RUN_FAILED;
            }
            case 401, 403 -> {
                spec.commandLine().getErr().println("error: " + body.path("error").asText(response.body()));
                yield ExitCodes.USAGE_OR_CONFIG;
            }
            case 400, 404 -> {
                spec.commandLine().getErr().println("error: " + body.path("error").asText(response.body()));
                yield ExitCodes.USAGE_OR_CONFIG;
            }
            default -> {
                spec.commandLine().getErr().println("error: the API answered " + response.statusCode() + ": " + response.body());
                yield ExitCodes.INTERNAL;
            }
        };
    }
}
