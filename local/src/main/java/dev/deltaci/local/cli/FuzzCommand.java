package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deltaci.local.fuzz.Fuzzer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code delta fuzz}: the long fuzz run of the webhook, the runner API and the pipeline parser. */
@Command(name = "fuzz", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fuzz what meets the outside world: the webhook handler, every runner-API action and the "
                + "pipeline parser, with mutated valid inputs (signed and not, valid credentials and not).",
                "", "Counts inputs tried, crashes (an exception escaping), 5xx answers, and state written while the "
                        + "input was rejected; all three must be 0."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:no crash, no 5xx, nothing written on a rejected input", "1:a target misbehaved (examples printed)",
                "2:usage error"})
public final class FuzzCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--inputs", defaultValue = "100000", paramLabel = "N",
            description = "Inputs per target (default: ${DEFAULT-VALUE}).")
    int inputs;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Random seed: the same seed, the same inputs.")
    long seed;

    @Option(names = "--json", description = "Print progress to stderr and one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (inputs < 1) {
            spec.commandLine().getErr().println("error: --inputs must be at least 1");
            return ExitCodes.USAGE_OR_CONFIG;
        }
        PrintWriter progress = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
        progress.printf("▸ fuzzing 3 targets with %,d inputs each (seed %d)…%n", inputs, seed);
        progress.flush();
        List<Fuzzer.TargetReport> reports = Fuzzer.run(inputs, seed, done -> {
            progress.printf("  %,d inputs%n", done);
            progress.flush();
        });
        boolean clean = reports.stream().allMatch(Fuzzer.TargetReport::clean);
        if (json) {
            List<Map<String, Object>> targets = new ArrayList<>();
            for (Fuzzer.TargetReport report : reports) {
                Map<String, Object> target = new LinkedHashMap<>();
                target.put("target", report.target());
                target.put("inputs", report.inputs());
                target.put("crashes", report.crashes());
                target.put("serverErrors", report.serverErrors());
                target.put("writesOnReject", report.writesOnReject());
                target.put("statuses", report.statuses());
                target.put("millis", report.millis());
                target.put("examples", report.examples());
                targets.add(target);
            }
            spec.commandLine().getOut().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(Map.of("seed", seed, "clean", clean, "targets", targets)));
        } else {
            for (Fuzzer.TargetReport report : reports) {
                progress.printf("%-16s %,9d inputs  %d crashes  %d 5xx  %d written on reject  (%.1f s; answers %s)%n",
                        report.target(), report.inputs(), report.crashes(), report.serverErrors(), report.writesOnReject(),
                        report.millis() / 1000.0, report.statuses());
                report.examples().forEach(e -> progress.println("    " + e));
            }
        }
        return clean ? ExitCodes.SUCCEEDED : ExitCodes.RUN_FAILED;
    }
}
