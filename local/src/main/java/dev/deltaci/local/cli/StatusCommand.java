package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code delta status}: health at a glance, from the control API's {@code GET /status} of a
 * running {@code delta dev} (found through its data directory) or of a deployed stack
 * ({@code --api-url}, {@code --api-key}). Each reading comes with the runbook's thresholds,
 * a verdict and the runbook symptom it belongs to.
 */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show the health of a running Delta CI: queue depth and oldest wait, runners, leases, "
                + "expirations and errors in the last 5 minutes, each judged against the runbook's thresholds.", "",
                "Without --api-url it reads the 'delta dev' running on --data (default ~/.delta/dev)."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:every check is OK",
                "1:degraded: at least one check is WARN",
                "2:usage error (no running delta dev, no API key, key refused)",
                "3:the control plane could not be reached or answered an error",
                "4:critical: at least one check is CRITICAL"})
public class StatusCommand implements Callable<Integer> {

    static final int DEGRADED = 1;
    static final int CRITICAL = 4;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Option(names = "--api-url", defaultValue = "${env:DELTA_API_URL}", paramLabel = "URL",
            description = "Base URL of a deployed stack's API (stack output ApiUrl; env DELTA_API_URL).")
    URI apiUrl;

    @Option(names = "--api-key", defaultValue = "${env:DELTA_API_KEY}", paramLabel = "KEY",
            description = "A control API key (env DELTA_API_KEY); with delta dev, read from its data directory.")
    String apiKey;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory of the delta dev to read (default: ~/.delta/dev).")
    Path data;

    @Option(names = "--json", description = "Print the whole report as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        URI url = apiUrl;
        String key = apiKey;
        if (url == null) {
            Path dataDir = data == null ? DevState.defaultDataDir() : data;
            Optional<DevState> dev = DevState.read(dataDir);
            if (dev.isEmpty() || dev.get().apiUrl() == null) {
                err.println("error: no delta dev is running on " + dataDir + " (start one with './delta dev'), "
                        + "and no --api-url was given");
                return ExitCodes.USAGE_OR_CONFIG;
            }
            url = URI.create(dev.get().apiUrl());
            key = key == null ? dev.get().apiKey() : key;
        }
        if (key == null || key.isBlank()) {
            err.println("error: --api-key (or DELTA_API_KEY) is needed to read " + url);
            return ExitCodes.USAGE_OR_CONFIG;
        }
        HttpResponse<String> response;
        try {
            response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
                    HttpRequest.newBuilder(url.resolve("/status")).timeout(Duration.ofSeconds(30))
                            .header("authorization", "Bearer " + key).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            err.println("error: cannot reach " + url + ": " + e.getMessage()
                    + " (runbook: CI unavailable / API errors — check orchestrator health)");
            return ExitCodes.INTERNAL;
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            err.println("error: the API key was refused: " + (body == null ? response.body() : body.path("error").asText()));
            return ExitCodes.USAGE_OR_CONFIG;
        }
        if (response.statusCode() != 200 || body == null || !body.has("status")) {
            err.println("error: " + url + "/status answered " + response.statusCode() + ": " + response.body());
            return ExitCodes.INTERNAL;
        }
        JsonNode report = body.get("status");
        JsonNode pools = body.path("pools");
        if (json) {
            com.fasterxml.jackson.databind.node.ObjectNode out = report.deepCopy();
            out.set("pools", pools.isArray() ? pools : JSON.createArrayNode());
            spec.commandLine().getOut().println(JSON.writeValueAsString(out));
        } else {
            print(url, report, spec.commandLine().getOut());
            printPools(pools, spec.commandLine().getOut());
        }
        return switch (report.path("verdict").asText()) {
            case "OK" -> ExitCodes.SUCCEEDED;
            case "WARN" -> DEGRADED;
            default -> CRITICAL;
        };
    }

    private static void print(URI url, JsonNode report, PrintWriter out) {
        out.printf("Delta CI at %s: %s%n%n", url, report.path("verdict").asText());
        out.printf("  %-26s %8s %6s %6s  %-8s  %s%n", "CHECK", "VALUE", "WARN", "CRIT", "VERDICT", "RUNBOOK");
        for (JsonNode check : report.path("checks")) {
            out.printf("  %-26s %8s %6s %6s  %-8s  %s%n", check.path("name").asText(), check.path("value").asText(),
                    limit(check.path("warnAt")), limit(check.path("criticalAt")), check.path("verdict").asText(),
                    check.path("symptom").asText());
            out.printf("  %-26s %s%n", "", check.path("detail").asText());
        }
        out.flush();
    }

    /** The autoscaled pools, if any: counts, the scaler's last decision, and why jobs wait. */
    private static void printPools(JsonNode pools, PrintWriter out) {
        if (!pools.isArray() || pools.isEmpty()) {
            return;
        }
        out.printf("%n  %-12s %7s %10s %9s %8s %6s %4s%n", "POOL", "DESIRED", "IN SERVICE", "LAUNCHING", "DRAINING",
                "QUEUED", "BUSY");
        for (JsonNode pool : pools) {
            out.printf("  %-12s %7d %10d %9d %8d %6d %4d%n", pool.path("pool").asText(), pool.path("desired").asInt(),
                    pool.path("inService").asInt(), pool.path("launching").asInt(), pool.path("draining").asInt(),
                    pool.path("queued").asInt(), pool.path("busyRunners").asInt());
            out.printf("  %-12s last: %s%n", "", pool.path("reason").asText());
            if (pool.hasNonNull("waiting")) {
                out.printf("  %-12s %s%n", "", pool.path("waiting").asText());
            }
        }
        out.flush();
    }

    private static String limit(JsonNode value) {
        return value.isNull() || value.isMissingNode() ? "-" : value.asText();
    }
}
