package dev.deltaci.local.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.local.support.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LintCommandTest {

    @TempDir
    Path dir;

    private record Result(int exit, String out, String err) {
    }

    private static Result lint(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "lint";
        System.arraycopy(args, 0, all, 1, args.length);
        int exit = new CommandLine(new DeltaCli()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(all);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void lint_shouldExit0_forTheExamples() {
        for (String example : new String[] {"hello", "failing"}) {
            Result result = lint(Fixtures.example(example).resolve(".delta/pipeline.yml").toString());
            assertThat(result.exit()).as(result.out()).isZero();
            assertThat(result.out()).contains("valid");
        }
    }

    @Test
    void lint_shouldListEveryProblemWithItsPosition_andExit1() throws Exception {
        Path file = dir.resolve("pipeline.yml");
        Files.writeString(file, "jobs:\n  a:\n    stepz: []\n  b:\n    needs: [c]\n    steps: [{run: x}]\n");

        Result result = lint(file.toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains(file + ":3:5: job 'a' has unknown key 'stepz' (did you mean 'steps'?)",
                file + ":2:3: job 'a' has no 'steps'", file + ":5:12: job 'b' needs unknown job 'c'", "3 problem(s)");
    }

    @Test
    void lintOfSeveralWorkflows_shouldReportEachWithItsNotes_andExitWithTheWorst() throws Exception {
        Path good = dir.resolve("ci.yml");
        Files.writeString(good, "on: [push, release]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: x}]\n");
        Path bad = dir.resolve("deploy.yml");
        Files.writeString(bad, "jobs:\n  a:\n    steps:\n      - uses: actions/setup-node@v4\n");

        Result result = lint(good.toString(), bad.toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains(good + ":1:5: note: 'on' lists release, a GitHub event Delta CI does not "
                + "receive; the workflow runs on push", good + ": valid, 1 job(s): a",
                bad + ":4:15: job 'a' step 1: 'uses: actions/setup-node@v4' installs a tool", "1 problem(s) in " + bad);
        assertThat(lint(good.toString(), dir.resolve("missing.yml").toString()).exit()).isEqualTo(2);
    }

    @Test
    void lintJson_shouldGiveEditorsLineColumnAndMessage() throws Exception {
        Path file = dir.resolve("pipeline.yml");
        Files.writeString(file, "jobs:\n  a:\n    timeout-minutes: 0\n    steps: [{run: x}]\n");

        Result result = lint(file.toString(), "--json");

        JsonNode json = new ObjectMapper().readTree(result.out());
        assertThat(result.exit()).isEqualTo(1);
        assertThat(json.get("valid").asBoolean()).isFalse();
        assertThat(json.get("problems").get(0).get("line").asInt()).isEqualTo(3);
        assertThat(json.get("problems").get(0).get("column").asInt()).isEqualTo(22);
        assertThat(json.get("problems").get(0).get("message").asText())
                .isEqualTo("job 'a' 'timeout-minutes' must be a whole number from 1 to 4320, found '0'");
    }

    @Test
    void lint_shouldExit2_whenTheFileIsMissing() {
        Result result = lint(dir.resolve("nope.yml").toString());

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("no such file");
    }
}
