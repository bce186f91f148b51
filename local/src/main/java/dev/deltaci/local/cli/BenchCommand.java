package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deltaci.local.DeltaHome;
import dev.deltaci.local.bench.FreshJvm;
import dev.deltaci.local.stack.EmbeddedStack;
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

/** {@code delta bench}: measurements anyone can rerun, on this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Rerunnable measurements of Delta CI on this machine.",
        subcommands = {BenchCommand.Startup.class, SweepBench.class, ChaosBench.class, DispatchBench.class,
                ColdStartBench.class})
public final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Main of the child JVM in a cold-start measurement. */
    public static final class ColdStart {
        public static void main(String[] args) throws Exception {
            try (EmbeddedStack stack = EmbeddedStack.start(null)) {
                System.out.println(new ObjectMapper().writeValueAsString(stack.startPhasesMillis()));
            }
            System.exit(0);
        }
    }

    /** Start-up time of the embedded stack, from the call to a provisioned stack. */
    @Command(name = "startup", mixinStandardHelpOptions = true,
            description = "Start and stop the embedded stack N times, each in a fresh JVM as 'delta run' does; report "
                    + "the time from start to a provisioned stack, and when each server was up.",
            exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:measured", "2:usage error", "3:the stack did not start"})
    static final class Startup implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--repeat", paramLabel = "N", defaultValue = "5", description = "Starts to measure, 1-100 (default: ${DEFAULT-VALUE}).")
        int repeat;

        @Option(names = "--json", description = "Progress to stderr, one JSON object on stdout.")
        boolean json;

        @Option(names = "--warm", description = "Measure every start in this JVM (classes loaded, JIT warm) instead of "
                + "each in a fresh JVM, as 'delta run' starts.")
        boolean warm;

        @Override
        public Integer call() throws Exception {
            if (repeat < 1 || repeat > 100) {
                spec.commandLine().getErr().println("error: --repeat must be from 1 to 100");
                return ExitCodes.USAGE_OR_CONFIG;
            }
            PrintWriter progress = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
            List<Map<String, Long>> samples = new ArrayList<>();
            for (int i = 1; i <= repeat; i++) {
                Map<String, Long> sample;
                try {
                    sample = warm ? startHere() : startInFreshJvm();
                } catch (RuntimeException e) {
                    spec.commandLine().getErr().println("error: the embedded stack did not start: " + e.getMessage());
                    return ExitCodes.INTERNAL;
                }
                samples.add(sample);
                progress.printf("start %d/%d: ready in %d ms %s%n", i, repeat, sample.get("provisioned"), sample);
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("starts", repeat);
            result.put("readyMillis", stats(samples, "provisioned"));
            Map<String, Object> phases = new LinkedHashMap<>();
            for (String phase : List.of("elasticmq", "s3proxy", "dynalite", "provisioned")) {
                phases.put(phase, median(samples, phase));
            }
            result.put("medianPhaseMillis", phases);
            if (json) {
                spec.commandLine().getOut().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(result));
            } else {
                progress.printf("ready in %s ms (min / median / max over %d starts); median phases, ms since start: %s%n",
                        result.get("readyMillis"), repeat, phases);
            }
            return ExitCodes.SUCCEEDED;
        }

        private static Map<String, Long> startHere() {
            try (EmbeddedStack stack = EmbeddedStack.start(null)) {
                return stack.startPhasesMillis();
            }
        }

        /** One start in a child JVM running {@link ColdStart}; its phases come back as one JSON line. */
        private static Map<String, Long> startInFreshJvm() throws Exception {
            FreshJvm.Outcome child = FreshJvm.run(System.getProperty("java.class.path"), List.of(
                    "-Ddelta.home=" + DeltaHome.locate(), "-Dlog4j2.configurationFile=log4j2-local.xml"),
                    ColdStart.class.getName(), List.of(), null, false);
            if (child.exitCode() != 0) {
                throw new IllegalStateException("the measuring JVM exited " + child.exitCode());
            }
            Map<String, Long> phases = new LinkedHashMap<>();
            new ObjectMapper().readTree(child.output()).fields().forEachRemaining(e -> phases.put(e.getKey(), e.getValue().asLong()));
            return phases;
        }

        private static Map<String, Long> stats(List<Map<String, Long>> samples, String phase) {
            List<Long> values = samples.stream().map(s -> s.get(phase)).sorted().toList();
            Map<String, Long> stats = new LinkedHashMap<>();
            stats.put("min", values.get(0));
            stats.put("median", values.get(values.size() / 2));
            stats.put("max", values.get(values.size() - 1));
            return stats;
        }

        private static long median(List<Map<String, Long>> samples, String phase) {
            List<Long> values = samples.stream().map(s -> s.get(phase)).sorted().toList();
            return values.get(values.size() / 2);
        }
    }
}
