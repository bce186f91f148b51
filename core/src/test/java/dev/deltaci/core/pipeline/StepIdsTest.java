package dev.deltaci.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Step ids, and {@code steps.<id>} in later steps of the same job only (GitHub Actions' rules). */
class StepIdsTest {

    private static List<String> problems(String yaml) {
        return ParserProblems.of(yaml);
    }

    @Test
    void aStepsId_shouldBeKept_andItsOutputsAndOutcomeReadableByLaterSteps() throws Exception {
        Pipeline pipeline = PipelineParser.parse(".delta/pipeline.yml", """
                jobs:
                  build:
                    steps:
                      - uses: actions/checkout@v4
                        id: co
                      - id: version
                        run: echo "tag=v1" >> "$GITHUB_OUTPUT"
                      - if: steps.version.outcome == 'success' && steps.co.conclusion == 'success'
                        env:
                          TAG: ${{ steps.version.outputs.tag }}
                        run: echo "${{ steps.version.outputs.tag }} $TAG"
                """);
        List<StepSpec> steps = pipeline.jobs().get("build").steps();
        assertThat(steps).extracting(StepSpec::id).containsExactly("co", "version", null);
        assertThat(steps.get(2).condition()).isEqualTo("steps.version.outcome == 'success' && steps.co.conclusion == 'success'");
    }

    @Test
    void anIdUsedTwice_orNotAName_shouldBeRefused_atTheIdItself() {
        assertThat(problems("""
                jobs:
                  build:
                    steps:
                      - id: a
                        run: 'true'
                      - id: a
                        run: 'true'
                      - id: 2bad
                        run: 'true'
                """)).containsExactly(
                "6: job 'build' step 2 'id: a' is already step 1's; ids are unique within a job",
                "8: job 'build' step 3 'id: 2bad' must start with a letter or '_' and hold only letters, digits, '_' and "
                        + "'-' (at most 64)");
    }

    @Test
    void stepsOfLaterStepsOrOtherJobs_shouldBeRefused_namingWhatIsThere() {
        List<String> problems = problems("""
                jobs:
                  build:
                    steps:
                      - id: first
                        run: echo ${{ steps.later.outputs.x }}
                      - id: later
                        run: echo ${{ steps.first.result }}
                  deploy:
                    needs: build
                    if: steps.first.outcome == 'success'
                    steps:
                      - run: echo ${{ steps.first.outputs.x }}
                """);
        assertThat(problems).hasSize(4);
        assertThat(problems.get(0)).startsWith("5: ").contains("'steps.later': no earlier step of this job has id 'later'");
        assertThat(problems.get(1)).startsWith("7: ").contains("'steps.first.result': a step offers outputs, outcome and conclusion");
        assertThat(problems.get(2)).startsWith("10: ").contains("'steps' is available only in a step's 'run', 'env' and 'if'");
        assertThat(problems.get(3)).startsWith("12: ").contains("no earlier step of this job has id 'first'");
    }
}
