package dev.deltaci.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GitHub Actions' {@code runs-on} as runner labels, and {@code permissions} checked. */
class RunsOnTest {

    private static List<String> labels(String runsOn, HostedRunners hosted) throws PipelineException {
        Pipeline pipeline = PipelineParser.parse(".delta/pipeline.yml", """
                jobs:
                  build:
                    runs-on: %s
                    steps: [{run: 'true'}]
                """.formatted(runsOn), PipelineLimits.DEFAULTS, hosted);
        return pipeline.jobs().get("build").labels();
    }

    private static List<String> problems(String yaml) {
        return ParserProblems.of(yaml);
    }

    @Test
    void hostedNames_shouldStandForTheDefaultPool_orTheirOperatingSystemsLabel() throws Exception {
        assertThat(labels("ubuntu-latest", HostedRunners.DEFAULTS)).isEmpty();
        assertThat(labels("ubuntu-22.04", HostedRunners.DEFAULTS)).isEmpty();
        assertThat(labels("windows-2022", HostedRunners.DEFAULTS)).containsExactly("windows");
        assertThat(labels("macos-14", HostedRunners.DEFAULTS)).containsExactly("macos");
        assertThat(labels("[self-hosted, linux, GPU]", HostedRunners.DEFAULTS)).containsExactly("gpu", "linux");
        assertThat(labels("{group: big-runners, labels: [x64]}", HostedRunners.DEFAULTS))
                .containsExactly("big-runners", "x64");
    }

    @Test
    void theOperator_shouldSayWhatAHostedNameMeansHere() throws Exception {
        HostedRunners hosted = HostedRunners.fromEnvironment(Map.of(HostedRunners.VARIABLE,
                "{\"ubuntu-latest\": [\"Linux\", \"x64\"], \"macos-14\": []}"));
        assertThat(labels("ubuntu-latest", hosted)).containsExactly("linux", "x64");
        assertThat(labels("macos-14", hosted)).isEmpty();
        assertThat(labels("ubuntu-24.04", hosted)).as("names it does not list keep the default").isEmpty();
        assertThatThrownBy(() -> HostedRunners.fromEnvironment(Map.of(HostedRunners.VARIABLE, "{\"x\": \"linux\"}")))
                .hasMessageContaining("the labels of x must be a list");
        assertThatThrownBy(() -> HostedRunners.fromEnvironment(Map.of(HostedRunners.VARIABLE, "{\"x\": [\"has space\"]}")))
                .hasMessageContaining("'has space' (for x) is not a label");
    }

    @Test
    void runsOnWithLabels_orAnExpression_shouldBeRefused_sayingWhatToDo() {
        assertThat(problems("""
                jobs:
                  build:
                    labels: [gpu]
                    runs-on: ubuntu-latest
                    steps: [{run: 'true'}]
                """)).containsExactly("4: job 'build' has both 'runs-on' and 'labels', which both choose its runners; keep one");
        assertThat(problems("""
                jobs:
                  build:
                    runs-on: ${{ github.ref }}
                    steps: [{run: 'true'}]
                """)).containsExactly("3: job 'build' 'runs-on': '${{ github.ref }}' is an expression, which 'runs-on' takes "
                + "only from the job's matrix (its labels are decided when the run starts)");
        assertThat(problems("""
                jobs:
                  build:
                    strategy: {matrix: {os: [ubuntu-latest, 'bad label!']}}
                    runs-on: ${{ matrix.os }}
                    steps: [{run: 'true'}]
                """)).containsExactly("4: job 'build' 'runs-on' '${{ matrix.os }}' is 'bad label!' for matrix {os=bad label!}, "
                + "which is not a label (letters, digits, '.', '_', '-'; at most 32)");
    }

    @Test
    void runsOnFromTheMatrix_shouldGiveEachInstanceItsLabels_objectValuesAndContinueOnErrorToo() throws Exception {
        Pipeline pipeline = PipelineParser.parse(".github/workflows/ci.yml", """
                jobs:
                  build:
                    strategy:
                      matrix:
                        job:
                          - {os: ubuntu-24.04, target: x86_64-linux}
                          - {os: windows-2025, target: x86_64-windows, experimental: true}
                          - {os: macos-15, target: aarch64-darwin}
                    runs-on: ${{ matrix.job.os }}
                    continue-on-error: ${{ matrix.job.experimental || false }}
                    steps: [{run: 'cargo build --target ${{ matrix.job.target }}'}]
                """);
        Map<String, JobSpec> jobs = MatrixExpansion.expand(pipeline);
        assertThat(jobs.values()).extracting(JobSpec::labels).containsExactly(List.of(), List.of("windows"), List.of("macos"));
        assertThat(jobs.values()).extracting(JobSpec::continueOnError).containsExactly(false, true, false);
        assertThat(MatrixInstance.context(jobs.get("build.2").matrix().values()))
                .isEqualTo(Map.of("job", Map.of("os", "windows-2025", "target", "x86_64-windows", "experimental", "true")));
    }

    @Test
    void permissions_shouldBeAccepted_andTheirScopesAndLevelsChecked() {
        assertThat(problems("""
                permissions: read-all
                jobs:
                  build:
                    permissions: {contents: read, pull-requests: write, id-token: none}
                    steps: [{run: 'true'}]
                  empty:
                    permissions: {}
                    steps: [{run: 'true'}]
                """)).isEmpty();
        List<String> wrong = problems("""
                permissions: everything
                jobs:
                  build:
                    permissions: {contents: admin, repo: read}
                    steps: [{run: 'true'}]
                """);
        assertThat(wrong).hasSize(3);
        assertThat(wrong.get(0)).isEqualTo("1: 'permissions' must be read-all, write-all or a map of scopes to read, "
                + "write or none; found 'everything'");
        assertThat(wrong).anySatisfy(p -> assertThat(p).startsWith("4: ").contains("contents: 'admin' is not read, write or none"));
        assertThat(wrong).anySatisfy(p -> assertThat(p).startsWith("4: ").contains("repo"));
    }
}
