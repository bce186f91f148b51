package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.local.api.ControlApiClient;
import java.io.PrintWriter;
import java.net.URI;
import picocli.CommandLine.Command;


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
public class StatusCommand extends ApiCommand {

    static final int DEGRADED = 1;
    static final int CRITICAL = 4;

    @Override
    int call(ControlApiClient api) throws Exception {
        JsonNode body = api.status();
        if (!body.has("status")) {
            return fail(ExitCodes.INTERNAL, api.base() + "/status answered without a status: " + body);
        }
        JsonNode report = body.get("status");
        JsonNode pools = body.path("pools");
        if (json) {
            com.fasterxml.jackson.databind.node.ObjectNode out = report.deepCopy();
            out.set("pools", pools.isArray() ? pools : JSON.createArrayNode());
            printJson(out);
        } else {
            print(api.base(), report, out());
            printPools(pools, out());
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
