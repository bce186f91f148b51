package dev.deltaci.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each limit of {@link PipelineLimits}: past it, one problem naming the limit, the number found and its setting. */
class PipelineLimitsTest {

    private static List<String> problems(String yaml, PipelineLimits limits) {
        try {
            PipelineParser.parse("p.yml", yaml, limits);
        } catch (PipelineException e) {
            return e.problems().stream().map(ConfigProblem::message).toList();
        }
        throw new AssertionError("expected the pipeline to be rejected");
    }

    private static List<String> problems(String yaml) {
        return problems(yaml, PipelineLimits.DEFAULTS);
    }

    @Test
    void tenThousandJobs_shouldBeOneProblem_namingTheCountAndTheLimit() {
        StringBuilder yaml = new StringBuilder("jobs:\n");
        for (int i = 0; i < 10_000; i++) {
            yaml.append("  j").append(i).append(": {steps: [{run: x}]}\n");
        }

        // a file limit that lets the file in, to reach the job count
        PipelineLimits bigFiles = new PipelineLimits(1024 * 1024, 1000, 64 * 1024, 50);
        assertThat(problems(yaml.toString(), bigFiles))
                .containsExactly("'jobs' has 10000 jobs; the limit is 1000 per run (DELTA_MAX_JOBS_PER_RUN)");
    }

    @Test
    void aSmallFileThatExpandsPastTheLimit_shouldBeRefused_countingMatrixInstances() {
        String job = "    strategy: {matrix: {a: [1,2,3,4], b: [1,2,3,4], c: [1,2,3,4], d: [1,2,3,4]}}\n"
                + "    steps: [{run: x}]\n";
        String yaml = "jobs:\n  w:\n" + job + "  x:\n" + job + "  y:\n" + job + "  z:\n" + job;
        assertThat(yaml.length()).isLessThan(600);

        assertThat(problems(yaml)).containsExactly(
                "the pipeline has 1024 jobs; the limit is 1000 per run (DELTA_MAX_JOBS_PER_RUN) after matrix expansion");
    }

    @Test
    void aJobBlownUpWithAliases_shouldBeRefused_beforeItCanOverflowADynamoDbItem() {
        String block = "x".repeat(8 * 1024);
        StringBuilder yaml = new StringBuilder("jobs:\n  big:\n    steps:\n      - &s {run: '" + block + "'}\n");
        for (int i = 0; i < 40; i++) {
            yaml.append("      - *s\n");
        }

        assertThat(problems(yaml.toString())).singleElement().asString()
                .startsWith("job 'big' is ").contains(" bytes with its YAML aliases expanded; the limit is 65536 bytes "
                        + "per job (DELTA_MAX_JOB_SPEC_BYTES)");
    }

    @Test
    void tooManyAliases_shouldBeCountedAndRefused() {
        StringBuilder yaml = new StringBuilder("jobs:\n  a:\n    env: &e {K: v}\n    steps:\n");
        for (int i = 0; i < 60; i++) {
            yaml.append("      - {run: x, env: *e}\n");
        }

        assertThat(problems(yaml.toString())).containsExactly("the file uses 60 YAML aliases; the limit is 50 "
                + "(DELTA_MAX_YAML_ALIASES)");
    }

    @Test
    void aFileOverTheSizeLimit_shouldSayItsSize() {
        String yaml = "jobs:\n  a:\n    steps: [{run: x}]\n# " + "y".repeat(300 * 1024) + "\n";

        assertThat(problems(yaml)).singleElement().asString()
                .matches("file is \\d+ bytes; the limit is 262144 \\(DELTA_MAX_PIPELINE_BYTES\\)");
    }

    @Test
    void limits_shouldBeSetByTheirVariables_andRefuseNonsense() throws Exception {
        PipelineLimits two = PipelineLimits.fromEnvironment(Map.of("DELTA_MAX_JOBS_PER_RUN", "2"));
        String three = "jobs:\n  a: {steps: [{run: x}]}\n  b: {steps: [{run: x}]}\n  c: {steps: [{run: x}]}\n";

        assertThat(problems(three, two)).containsExactly("'jobs' has 3 jobs; the limit is 2 per run (DELTA_MAX_JOBS_PER_RUN)");
        assertThat(PipelineParser.parse("p.yml", three).jobs()).hasSize(3);
        assertThatThrownBy(() -> PipelineLimits.fromEnvironment(Map.of("DELTA_MAX_JOBS_PER_RUN", "lots")))
                .hasMessage("DELTA_MAX_JOBS_PER_RUN must be a whole number, found 'lots'");
        assertThatThrownBy(() -> PipelineLimits.fromEnvironment(Map.of("DELTA_MAX_JOB_SPEC_BYTES", "500000")))
                .hasMessageContaining("at most 307200");
    }

    @Test
    void aLoneSurrogate_shouldBeAProblem_notStored() {
        assertThat(problems("jobs:\n  a:\n    name: \"build \\uD800\"\n    steps: [{run: x}]\n"))
                .containsExactly("'build \\uD800' has a lone surrogate U+D800 at character 7; use valid Unicode text");
    }
}
