package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deltaci.local.api.ControlApiClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A command that reads or steers runs through the control API ({@link ApiTarget}): what it
 * prints is its own; how a refusal or an unreachable API ends it is the same for all of them
 * (2: usage, unknown run, key refused; 3: the API could not be reached or failed).
 */
abstract class ApiCommand implements Callable<Integer> {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    @Spec
    CommandSpec spec;

    @Mixin
    ApiTarget target = new ApiTarget();

    @Option(names = "--json", description = "Print JSON for scripts instead of text.")
    boolean json;

    /** The command's work against the API; its exit code. */
    abstract int call(ControlApiClient api) throws Exception;

    @Override
    public final Integer call() throws Exception {
        ControlApiClient api;
        try {
            api = target.client();
        } catch (ApiTarget.Unusable e) {
            return fail(ExitCodes.USAGE_OR_CONFIG, e.getMessage());
        }
        try {
            return call(api);
        } catch (ControlApiClient.ApiError e) {
            String message = e.status() == 401 ? "the API key was refused: " + e.getMessage() : e.getMessage();
            return fail(e.status() >= 500 ? ExitCodes.INTERNAL : ExitCodes.USAGE_OR_CONFIG, message);
        } catch (IOException e) {
            return fail(ExitCodes.INTERNAL, "cannot reach " + api.base() + ": " + e.getMessage());
        }
    }

    int fail(int code, String message) {
        err().println("error: " + message);
        err().flush();
        return code;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    void printJson(JsonNode node) throws IOException {
        out().println(PRETTY.writeValueAsString(node));
        out().flush();
    }

    static String when(JsonNode epochMs) {
        return epochMs == null || !epochMs.isNumber() ? "-" : WHEN.format(Instant.ofEpochMilli(epochMs.asLong()));
    }

    static String duration(JsonNode ms) {
        if (ms == null || !ms.isNumber()) {
            return "-";
        }
        long millis = ms.asLong();
        if (millis < 60_000) {
            return String.format("%.1f s", millis / 1000.0);
        }
        long seconds = millis / 1000;
        return seconds < 3600 ? String.format("%dm %02ds", seconds / 60, seconds % 60)
                : String.format("%dh %02dm", seconds / 3600, seconds / 60 % 60);
    }

    static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : "-";
    }
}
