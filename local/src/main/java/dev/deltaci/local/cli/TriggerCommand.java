package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.local.repo.LocalRepository;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code delta trigger}: a run started by hand ({@code workflow_dispatch}) with inputs, through
 * the control API's {@code POST /runs}: on the embedded stack and followed to the end like
 * {@code delta run}, or sent to a running control plane with {@code --api-url}.
 */
@Command(name = "trigger", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Start a run by hand (on: workflow_dispatch) with inputs, through POST /runs.", "",
                "Without --api-url, runs it end to end on the embedded AWS stack, as 'delta run' does. With --api-url, "
                        + "asks that control plane (a deployed stack's ApiUrl) to start it and prints the run id; "
                        + "PATH is then not used."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:the run succeeded (with --api-url: the run was created)",
                "1:the run failed or was cancelled",
                "2:usage error, invalid inputs, a pipeline without workflow_dispatch, or an invalid pipeline",
                "3:Delta CI itself failed, or the control API could not be reached"})
public final class TriggerCommand extends RunCommand {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = {"-i", "--input"}, paramLabel = "NAME=VALUE",
            description = "An input the pipeline declares under on.workflow_dispatch.inputs (repeatable).")
    Map<String, String> inputs = new LinkedHashMap<>();

    @Option(names = "--api-url", paramLabel = "URL",
            description = "Start the run on this control plane instead of the embedded stack (env DELTA_API_URL is "
                    + "not read: the local run is the default).")
    URI apiUrl;

    @Option(names = "--repository", paramLabel = "OWNER/NAME", description = "With --api-url: the repository to run.")
    String repository;

    @Option(names = "--api-key", defaultValue = "${env:DELTA_API_KEY}", paramLabel = "KEY",
            description = "With --api-url: a control API key covering the repository (env DELTA_API_KEY).")
    String apiKey;

    @Override
    public Integer call() throws Exception {
        if (apiUrl == null) {
            return super.call();
        }
        if (repository == null || ref == null || apiKey == null) {
            return usage("--api-url needs --repository OWNER/NAME, --ref BRANCH and an API key (--api-key or DELTA_API_KEY)");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("repository", repository);
        body.put("ref", ref);
        body.put("inputs", inputs);
        body.put("requestId", UUID.randomUUID().toString());
        HttpResponse<String> response;
        try {
            response = post(apiUrl, apiKey, body);
        } catch (IOException e) {
            spec.commandLine().getErr().println("error: cannot reach " + apiUrl + ": " + e.getMessage());
            return ExitCodes.INTERNAL;
        }
        JsonNode answer = JSON.readTree(response.body());
        if (json) {
            spec.commandLine().getOut().println(JSON.writeValueAsString(answer));
        }
        if (response.statusCode() == 201 || response.statusCode() == 200) {
            if (!json) {
                spec.commandLine().getOut().println("run " + answer.path("runId").asText() + " "
                        + answer.path("status").asText() + (answer.has("message") ? ": " + answer.get("message").asText() : ""));
            }
            return answer.path("failureClass").asText("").equals("config_error") ? ExitCodes.USAGE_OR_CONFIG
                    : ExitCodes.SUCCEEDED;
        }
        spec.commandLine().getErr().println("error: " + answer.path("error").asText(response.body()));
        return response.statusCode() >= 500 ? ExitCodes.INTERNAL : ExitCodes.USAGE_OR_CONFIG;
    }

    /** The local run: POST /runs for the commit, with its clone URL, so nothing is resolved remotely. */
    @Override
    protected Request requestRun(LocalRepository repo, Endpoint endpoint) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("repository", repo.name());
        body.put("cloneUrl", repo.cloneUrl());
        body.put("ref", repo.ref());
        body.put("sha", repo.sha());
        body.put("inputs", inputs);
        HttpResponse<String> response = post(endpoint.apiUrl(), endpoint.apiKey(), body);
        return new Request(response.statusCode(), response.body(), "POST /runs (workflow_dispatch)");
    }

    private static HttpResponse<String> post(URI apiUrl, String key, Map<String, Object> body) throws IOException {
        try {
            return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
                    HttpRequest.newBuilder(apiUrl.resolve("/runs")).timeout(Duration.ofSeconds(60))
                            .header("content-type", "application/json")
                            .header("authorization", "Bearer " + key)
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
