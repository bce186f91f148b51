package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deltaci.local.bench.DispatchRun;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code delta bench dispatch}: how long a job waits for a runner, against the protocols' own floor. */
@Command(name = "dispatch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"With warm runners long-polling, measure a signed webhook of a one-job pipeline to the "
                + "job's lease and to the run's success (p50/p90/p99), and in the same run the bare-protocol floor "
                + "(put item, send, long-poll receive, conditional update, delete) with the same clients; then the "
                + "throughput of one run of many trivial jobs, the AWS requests per job by service, and what 1,000 "
                + "jobs cost at on-demand prices (as one-job runs and as jobs of one run)."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:measured", "2:usage error", "3:the stack or a run failed"})
final class DispatchBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "200", description = "Measured one-job runs (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", paramLabel = "W", defaultValue = "20", description = "Runs (and floor rounds) before measuring (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runners", paramLabel = "R", defaultValue = "4", description = "Warm runners, 1-16 (default: ${DEFAULT-VALUE}).")
    int runners;

    @Option(names = "--throughput-jobs", paramLabel = "J", defaultValue = "200",
            description = "Trivial jobs in the throughput run, 1-256 (default: ${DEFAULT-VALUE}).")
    int throughputJobs;

    @Option(names = "--limit-minutes", paramLabel = "M", defaultValue = "10", description = "Longest wait for one run (default: ${DEFAULT-VALUE}).")
    int limitMinutes;

    @Option(names = "--noop", description = "Runners lease each job and report it succeeded at once, running nothing "
            + "(no checkout, no step, no log): the control plane's own throughput, against the store's conditional-write "
            + "rate measured in the same run.")
    boolean noop;

    @Option(names = "--json", description = "Progress to stderr, one JSON object on stdout: floor, dispatch, ratio, "
            + "throughput, requestsPerJob, costPer1000Jobs.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        DispatchRun.Config config;
        try {
            config = new DispatchRun.Config(runs, warmup, runners, throughputJobs, Duration.ofMinutes(limitMinutes), noop);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return ExitCodes.USAGE_OR_CONFIG;
        }
        PrintWriter progress = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
        DispatchRun.Report report;
        try {
            report = new DispatchRun(config, progress).run();
        } catch (IllegalStateException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return ExitCodes.INTERNAL;
        }
        if (json) {
            spec.commandLine().getOut().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(report));
        } else {
            DispatchRun.Percentiles floor = report.floor().get("toLease");
            DispatchRun.Percentiles lease = report.dispatch().get("toLease");
            DispatchRun.Percentiles done = report.dispatch().get("toSucceeded");
            progress.printf("▸ floor           p50 %d  p90 %d  p99 %d ms (n %d)%n", floor.p50(), floor.p90(), floor.p99(), floor.n());
            progress.printf("▸ webhook → lease p50 %d  p90 %d  p99 %d ms (ratio to floor %s)%n", lease.p50(), lease.p90(),
                    lease.p99(), report.ratio());
            progress.printf("▸ webhook → done  p50 %d  p90 %d  p99 %d ms%n", done.p50(), done.p90(), done.p99());
            progress.printf("▸ throughput %s%n▸ AWS requests per job %s%n", report.throughput(), report.requestsPerJob());
            report.costPer1000Jobs().forEach((how, cost) -> progress.printf(
                    "▸ cost per 1,000 jobs (%s, on-demand us-east-1): $%.4f %s%n", how, cost.get("total"), cost));
        }
        return ExitCodes.SUCCEEDED;
    }
}
