package dev.deltaci.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code uses: ./path/to/action}: a composite action of the same repository, read as its steps. */
class CompositeActionsTest {

    static final String ACTION = """
            name: build
            inputs:
              target:
                required: true
              mode:
                default: release
            outputs:
              artifact:
                value: ${{ steps.pack.outputs.file }}
            runs:
              using: composite
              steps:
                - name: compile
                  run: make ${{ inputs.target }} MODE=${{ inputs.mode }}
                  shell: bash
                - id: pack
                  if: inputs.mode == 'release'
                  run: echo "file=${{ inputs.target }}.tar" >> "$GITHUB_OUTPUT"
                  shell: bash
            """;

    private static Pipeline parse(String workflow, Map<String, String> files) throws PipelineException {
        return PipelineParser.parse(".github/workflows/ci.yml", workflow,
                PipelineParser.Settings.DEFAULTS.withFiles(path -> Optional.ofNullable(files.get(path))));
    }

    @Test
    void aCompositeAction_shouldBeItsSteps_withTheCallersInputsIdsIfAndEnv() throws Exception {
        Pipeline pipeline = parse("""
                jobs:
                  build:
                    strategy:
                      matrix:
                        arch: [x86, arm]
                    steps:
                      - uses: actions/checkout@v4
                      - id: b
                        uses: ./.github/actions/build
                        if: github.event_name == 'push'
                        env:
                          CC: clang
                        with:
                          target: app-${{ matrix.arch }}
                      - run: echo "${{ steps.b.outputs.artifact }}"
                """, Map.of(".github/actions/build/action.yml", ACTION));
        List<StepSpec> steps = pipeline.jobs().get("build").steps();
        assertThat(steps).extracting(StepSpec::displayName).containsExactly("checkout", "./.github/actions/build / compile",
                "echo \"file=${{ format('app-{0}', matrix.arch) }}.tar\" >> ...", "./.github/actions/build outputs",
                "echo \"${{ steps.b.outputs.artifact }}\"");
        assertThat(steps.get(1).run()).isEqualTo("make ${{ format('app-{0}', matrix.arch) }} MODE=${{ 'release' }}");
        assertThat(steps.get(1).condition()).isEqualTo("github.event_name == 'push'");
        assertThat(steps.get(1).env()).containsEntry("CC", "clang");
        assertThat(steps.get(2).id()).isEqualTo("b__pack");
        assertThat(steps.get(2).condition()).isEqualTo("(github.event_name == 'push') && (('release') == ('release'))");
        assertThat(steps.get(3).id()).isEqualTo("b");
        assertThat(steps.get(3).env()).containsEntry("DELTA_ACTION_OUTPUT_1", "${{ steps.b__pack.outputs.file }}");
    }

    @Test
    void aCompositeActionThatCannotBeUsed_shouldSaySoAtTheRightFileAndLine() {
        assertThatThrownBy(() -> parse("""
                jobs:
                  build:
                    steps:
                      - uses: ./.github/actions/build
                        with: {mode: debug, colour: red}
                      - uses: ./nowhere
                      - uses: ./js
                """, Map.of(".github/actions/build/action.yml", ACTION.replace("make ${{", "make ${{ bogus.x }} ${{"),
                "js/action.yml", "runs: {using: node20, main: index.js}")))
                .isInstanceOf(PipelineException.class)
                .hasMessageContaining(".github/workflows/ci.yml:4:15: job 'build' step 1: action input 'target' is required")
                .hasMessageContaining(".github/workflows/ci.yml:5:29: job 'build' step 1 'with' has 'colour', which action "
                        + "./.github/actions/build does not declare; its inputs: target, mode")
                .hasMessageContaining(".github/workflows/ci.yml:6:15: job 'build' step 2: 'uses: ./nowhere': this commit has no "
                        + "nowhere/action.yml (nor action.yaml)")
                .hasMessageContaining("'uses: ./js' is a 'node20' action; Delta CI runs composite actions");
        assertThatThrownBy(() -> parse("""
                jobs:
                  build:
                    steps:
                      - uses: ./.github/actions/build
                        with: {target: app}
                """, Map.of(".github/actions/build/action.yml", ACTION.replace("make ${{", "make ${{ bogus.x }} ${{"))))
                .hasMessageContaining(".github/actions/build/action.yml:14:12: job 'build' step 1 (./.github/actions/build step 1) run: "
                        + "unknown context 'bogus'");
    }

    @Test
    void anActionThatUsesItself_shouldStopAtTheDepthLimit() {
        assertThatThrownBy(() -> parse("jobs:\n  a:\n    steps:\n      - uses: ./loop\n",
                Map.of("loop/action.yml", "runs:\n  using: composite\n  steps:\n    - uses: ./loop\n")))
                .hasMessageContaining("is 10 actions deep; at most 10 (does an action use itself?)");
    }
}
