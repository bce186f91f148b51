package dev.deltaci.local.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class FuzzCommandTest {

    @Test
    void fuzzJson_shouldReportEveryTargetWithItsCounts() throws Exception {
        StringWriter out = new StringWriter();
        int exit = new CommandLine(new DeltaCli()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(new StringWriter()))
                .execute("fuzz", "--inputs", "300", "--seed", "3", "--json");
        JsonNode report = new ObjectMapper().readTree(out.toString());

        assertThat(exit).isZero();
        assertThat(report.get("clean").asBoolean()).isTrue();
        assertThat(report.get("targets")).hasSize(3);
        for (JsonNode target : report.get("targets")) {
            assertThat(target.get("inputs").asInt()).isEqualTo(300);
            assertThat(target.get("crashes").asInt() + target.get("serverErrors").asInt()
                    + target.get("writesOnReject").asInt()).isZero();
        }
    }
}
