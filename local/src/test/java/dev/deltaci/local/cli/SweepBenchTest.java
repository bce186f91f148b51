package dev.deltaci.local.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code delta bench sweep}, small: it runs, and the sweeps it times read the live indexes, never the table. */
class SweepBenchTest {

    @Test
    void benchSweep_shouldTimeSweepsBeforeAndAfterHistory_andCountTheirQueries() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new DeltaCli()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute("bench", "sweep", "--finished", "200", "--sweeps", "3", "--json");

        assertThat(exit).as(err.toString()).isZero();
        JsonNode report = new ObjectMapper().readTree(out.toString());
        assertThat(report.get("finishedJobs").asInt()).isEqualTo(200);
        assertThat(report.get("medianSweepMicrosEmpty").asLong()).isPositive();
        assertThat(report.get("medianSweepMicrosWithHistory").asLong()).isPositive();
        for (String side : java.util.List.of("requestsPerSweepEmpty", "requestsPerSweepWithHistory")) {
            assertThat(report.get(side).path("DynamoDb:Query").asLong()).as(side).isPositive();
            assertThat(report.get(side).has("DynamoDb:Scan")).as(side).isFalse();
        }
        assertThat(err.toString()).contains("sweeping 3 times");
    }
}
