package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deltaci.local.chaos.ChaosReport;
import dev.deltaci.local.chaos.ChaosRun;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code delta bench chaos}: jobs through the embedded stack while runners die and messages repeat. */
@Command(name = "chaos", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run N jobs through the embedded stack while SIGKILLing the runners that hold leases (rate P), "
                + "sending queue messages twice (rate P), and restarting dynalite (data kept) and ElasticMQ (messages "
                + "lost) once each. Reports jobs lost, completions accepted twice, log chunks missing, and the time "
                + "from a kill to the job's next lease."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:no job lost, none accepted twice, no log chunk missing",
                "1:a guarantee was broken (see the report)",
                "2:usage error",
                "3:the stack failed"})
final class ChaosBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "500", description = "Jobs to run, in runs of 10 (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--runners", paramLabel = "R", defaultValue = "4", description = "Runner processes; each killed one is replaced (default: ${DEFAULT-VALUE}).")
    int runners;

    @Option(names = "--kill-rate", paramLabel = "P", defaultValue = "0.1",
            description = "Chance that a lease's runner is SIGKILLed while it holds it (default: ${DEFAULT-VALUE}).")
    double killRate;

    @Option(names = "--dup-rate", paramLabel = "P", defaultValue = "0.05",
            description = "Chance that a queue send is applied but reported failed, so it is sent twice (default: ${DEFAULT-VALUE}).")
    double dupRate;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--limit-minutes", paramLabel = "M", defaultValue = "30", description = "Give up after this long (default: ${DEFAULT-VALUE}).")
    int limitMinutes;

    @Option(names = "--json", description = "Progress to stderr, one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (jobs < 1 || runners < 1 || runners > 32 || killRate < 0 || killRate > 1 || dupRate < 0 || dupRate > 1) {
            spec.commandLine().getErr().println("error: need --jobs >= 1, --runners 1-32, rates from 0 to 1");
            return ExitCodes.USAGE_OR_CONFIG;
        }
        PrintWriter progress = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
        ChaosReport report;
        try {
            report = new ChaosRun(new ChaosRun.Config(jobs, runners, killRate, dupRate, seed,
                    Duration.ofMinutes(limitMinutes)), progress).run();
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return ExitCodes.INTERNAL;
        }
        String text = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
        if (json) {
            spec.commandLine().getOut().println(text);
        } else {
            progress.printf("▸ %d jobs: %d finished %s; lost %d, completions accepted twice %d, log chunks missing %d%n"
                            + "  %d runners killed, %d duplicate sends, dynalite restarted %d, ElasticMQ restarted %d%n"
                            + "  kill → requeue: %s ms; kill → next lease: %s ms (lease TTL %d ms, sweep every %d ms)%n",
                    report.jobsSubmitted(), report.jobsTerminal(), report.jobsByState(), report.lost(),
                    report.completionsAcceptedTwice(), report.missingLogChunks(), report.runnersKilled(),
                    report.duplicateSends(), report.dynaliteRestarts(), report.elasticMqRestarts(),
                    report.killToRequeueMillis(), report.killToReleaseMillis(), report.leaseTtlMillis(),
                    report.sweepIntervalMillis());
        }
        boolean kept = report.lost() == 0 && report.completionsAcceptedTwice() == 0 && report.missingLogChunks() == 0;
        return kept ? ExitCodes.SUCCEEDED : ExitCodes.RUN_FAILED;
    }
}
