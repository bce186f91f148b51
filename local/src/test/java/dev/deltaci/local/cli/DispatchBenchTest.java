package dev.deltaci.local.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code delta bench dispatch}, small: the report has every figure, each measured. */
class DispatchBenchTest {

    private record Outcome(int exitCode, String stdout, String stderr) {
    }

    private static Outcome delta(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new DeltaCli()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args);
        return new Outcome(exit, out.toString(), err.toString());
    }

    @Test
    void benchDispatch_shouldReportFloorDispatchRatioThroughputAndRequestsPerJob() throws Exception {
        Outcome outcome = delta("bench", "dispatch", "--runs", "5", "--warmup", "1", "--runners", "2",
                "--throughput-jobs", "6", "--json");

        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        JsonNode report = new ObjectMapper().readTree(outcome.stdout());
        for (JsonNode percentiles : java.util.List.of(report.at("/floor/toLease"), report.at("/dispatch/toLease"),
                report.at("/dispatch/toSucceeded"))) {
            assertThat(percentiles.get("n").asInt()).isEqualTo(5);
            assertThat(percentiles.get("p50").asLong()).isNotNegative()
                    .isLessThanOrEqualTo(percentiles.get("p90").asLong());
            assertThat(percentiles.get("p90").asLong()).isLessThanOrEqualTo(percentiles.get("p99").asLong());
        }
        assertThat(report.at("/dispatch/toSucceeded/p50").asLong())
                .isGreaterThanOrEqualTo(report.at("/dispatch/toLease/p50").asLong());
        assertThat(report.at("/ratio/p50").asDouble()).isPositive();
        assertThat(report.at("/throughput/jobs").asInt()).isEqualTo(6);
        assertThat(report.at("/throughput/jobsPerSecond").asDouble()).isPositive();
        // every job needs at least its lease and completion in DynamoDB, and its message deleted (a runner's
        // long poll that began before the throughput run is not counted, so receives may fall short of one a job)
        assertThat(report.at("/requestsPerJob/controlPlane/DynamoDb").asDouble()).isGreaterThanOrEqualTo(2);
        assertThat(report.at("/requestsPerJob/runners/Sqs").asDouble()).isGreaterThanOrEqualTo(1);
        assertThat(outcome.stderr()).contains("▸ floor:").contains("▸ dispatch:").contains("▸ throughput:");
        // priced from what was counted: every service costs something, and the total is their sum
        for (String how : java.util.List.of("oneJobRuns", "jobsOfOneRun")) {
            JsonNode cost = report.at("/costPer1000Jobs/" + how);
            double sum = 0;
            for (String service : java.util.List.of("apiGateway", "lambda", "dynamoDb", "sqs", "s3")) {
                assertThat(cost.get(service).asDouble()).as(how + " " + service).isPositive();
                sum += cost.get(service).asDouble();
            }
            assertThat(cost.get("total").asDouble()).isCloseTo(sum, org.assertj.core.data.Offset.offset(0.00001));
        }
    }

    @Test
    void benchColdstart_shouldSayHowToBuildTheJar_whenThereIsNone_andNameTheFunctionWhoseInitFailed() throws Exception {
        Outcome missing = delta("bench", "coldstart", "--jar", "/nonexistent/delta-functions.jar");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stderr()).contains("mvn -Plambda -pl functions package");

        java.nio.file.Path empty = java.nio.file.Files.createTempFile("delta-empty-", ".jar");
        try (var jar = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(empty))) {
            jar.putNextEntry(new java.util.jar.JarEntry("README"));
        }
        Outcome failed = delta("bench", "coldstart", "--samples", "1", "--jar", empty.toString());
        assertThat(failed.exitCode()).isEqualTo(3);
        assertThat(failed.stderr()).contains("WebhookFunction").contains("ClassNotFoundException");
    }

    @Test
    void benchDispatchNoop_shouldRunEveryJobWithoutForking_andSetItAgainstTheStoresWriteRate() throws Exception {
        Outcome outcome = delta("bench", "dispatch", "--runs", "2", "--warmup", "0", "--runners", "2",
                "--throughput-jobs", "8", "--noop", "--json");

        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        JsonNode throughput = new ObjectMapper().readTree(outcome.stdout()).get("throughput");
        assertThat(throughput.get("noop").asBoolean()).isTrue();
        // a job is at least its lease, its completion and the run's end in writes; the log chunk is gone with the step
        assertThat(throughput.get("writesPerJob").asDouble()).isGreaterThanOrEqualTo(2);
        assertThat(throughput.get("storeConditionalWritesPerSecond").asDouble()).isPositive();
        assertThat(throughput.get("storeCeilingJobsPerSecond").asDouble()).isCloseTo(
                throughput.get("storeConditionalWritesPerSecond").asDouble() / throughput.get("writesPerJob").asDouble(),
                org.assertj.core.data.Percentage.withPercentage(2));
        assertThat(new ObjectMapper().readTree(outcome.stdout()).at("/requestsPerJob/controlPlane/S3").asDouble())
                .as("no step ran, so no log was shipped").isZero();
    }

    @Test
    void benchDispatch_shouldRefuseNonsense_withExit2() {
        Outcome outcome = delta("bench", "dispatch", "--runners", "0");

        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.stderr()).contains("runners 1-16");
    }
}
