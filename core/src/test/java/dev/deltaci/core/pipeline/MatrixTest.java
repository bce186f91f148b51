package dev.deltaci.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MatrixTest {

    private static final String PIPELINE = """
            jobs:
              test:
                strategy:
                  fail-fast: false
                  max-parallel: 2
                  matrix:
                    os: [linux, mac]
                    jdk: [17, 21]
                    exclude:
                      - {os: mac, jdk: 17}
                    include:
                      - {os: linux, experimental: "yes"}
                      - {os: windows, jdk: 21}
                steps:
                  - run: echo "${{ matrix.os }} ${{ matrix.jdk }}"
              report:
                needs: test
                steps: [{run: 'true'}]
            """;

    @Test
    void expand_shouldFollowGitHubsCrossProductExcludeAndInclude() throws Exception {
        Map<String, JobSpec> jobs = MatrixExpansion.expand(PipelineParser.parse("p.yml", PIPELINE));

        assertThat(jobs.keySet()).containsExactly("test.1", "test.2", "test.3", "test.4", "report");
        assertThat(jobs.values()).extracting(JobSpec::name).containsExactly(
                "test (linux, 17, yes)", "test (linux, 21, yes)", "test (mac, 21)", "test (windows, 21)", "report");
        assertThat(jobs.get("test.1").matrix()).isEqualTo(new MatrixInstance("test",
                Map.of("os", "linux", "jdk", "17", "experimental", "yes"), false, 2));
        assertThat(jobs.get("report").needs()).containsExactly("test.1", "test.2", "test.3", "test.4");
        assertThat(jobs.get("report").matrix()).isNull();
    }

    @Test
    void parse_shouldRejectMatricesThatCannotBeExpanded() {
        assertThatThrownBy(() -> PipelineParser.parse("p.yml", """
                jobs:
                  t:
                    strategy:
                      max-parallel: 0
                      matrix:
                        os: []
                        exclude: [{arch: x86}]
                    steps:
                      - run: echo ${{ matrix.jdk }}
                """)).isInstanceOf(PipelineException.class).satisfies(e -> assertThat(
                        ((PipelineException) e).problems()).extracting(ConfigProblem::message).containsExactly(
                        "job 't' matrix 'os' must be a non-empty list of values"));
        assertThatThrownBy(() -> PipelineParser.parse("p.yml", """
                jobs:
                  t:
                    strategy:
                      matrix:
                        a: [1, 2, 3, 4, 5, 6, 7, 8, 9]
                        b: [1, 2, 3, 4, 5, 6, 7, 8, 9]
                        c: [1, 2, 3, 4]
                    steps: [{run: x}]
                """)).hasMessageContaining("matrix has more than 256 combinations");
    }

    @Test
    void combinations_shouldBeJustTheIncludes_whenThereAreNoAxes() {
        Strategy onlyIncludes = new Strategy(Map.of(), List.of(Map.of("os", "linux"), Map.of("os", "mac")), List.of(),
                true, 0);

        assertThat(MatrixExpansion.combinations(onlyIncludes)).containsExactly(Map.of("os", "linux"), Map.of("os", "mac"));
    }
}
