package dev.deltaci.local.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.local.cli.DeltaCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;

/** Runs the CLI through its own entry point and keeps what it printed. */
final class CliRunTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CliRunTestSupport() {
    }

    record Outcome(int exitCode, String stdout, String stderr) {
        JsonNode json() throws Exception {
            return JSON.readTree(stdout);
        }

        Map<String, JsonNode> jobs() throws Exception {
            Map<String, JsonNode> jobs = new HashMap<>();
            json().get("jobs").forEach(job -> jobs.put(job.get("key").asText(), job));
            return jobs;
        }
    }

    static Outcome delta(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new DeltaCli()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
        return new Outcome(exit, out.toString(), err.toString());
    }

}
