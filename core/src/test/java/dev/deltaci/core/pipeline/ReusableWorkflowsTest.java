package dev.deltaci.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.NeedsContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code jobs.<id>.uses: ./.github/workflows/x.yml}: a reusable workflow of the same repository, as its jobs. */
class ReusableWorkflowsTest {

    static final String BUILD = """
            on:
              workflow_call:
                inputs:
                  target: {type: string, required: true}
                  release: {type: boolean, default: false}
                secrets:
                  token: {required: false}
                outputs:
                  version:
                    value: ${{ jobs.package.outputs.v }}
            env:
              SHARED: from-the-workflow
            jobs:
              compile:
                runs-on: ubuntu-latest
                steps:
                  - run: make ${{ inputs.target }} TOKEN=${{ secrets.token }}
              package:
                needs: compile
                if: inputs.release
                outputs:
                  v: ${{ steps.v.outputs.v }}
                steps:
                  - id: v
                    run: echo "v=1.${{ github.run_attempt }}" >> "$GITHUB_OUTPUT"
            """;

    private static Pipeline parse(String workflow, Map<String, String> files) throws PipelineException {
        return PipelineParser.parse(".github/workflows/ci.yml", workflow,
                PipelineParser.Settings.DEFAULTS.withFiles(path -> Optional.ofNullable(files.get(path))));
    }

    @Test
    void aCalledWorkflow_shouldBeItsJobs_withTheCallersInputsSecretsNeedsAndIf() throws Exception {
        Pipeline pipeline = parse("""
                on: push
                jobs:
                  lint:
                    steps: [{run: make lint}]
                  build:
                    needs: lint
                    if: github.ref == 'refs/heads/main'
                    uses: ./.github/workflows/build.yml
                    with:
                      target: app-${{ github.sha }}
                      release: true
                    secrets:
                      token: ${{ secrets.DEPLOY_TOKEN }}
                  deploy:
                    needs: build
                    if: needs.build.outputs.version != ''
                    steps:
                      - run: echo ${{ needs.build.outputs.version }} ${{ needs.build.result }}
                """, Map.of(".github/workflows/build.yml", BUILD));

        assertThat(pipeline.jobs().keySet()).containsExactly("lint", "build-compile", "build-package", "deploy");
        JobSpec compile = pipeline.jobs().get("build-compile");
        assertThat(compile.name()).isEqualTo("build / compile");
        assertThat(compile.needs()).containsExactly("lint");
        assertThat(compile.condition()).isEqualTo("github.ref == 'refs/heads/main'");
        assertThat(compile.steps().get(0).run())
                .isEqualTo("make ${{ format('app-{0}', github.sha) }} TOKEN=${{ secrets.DEPLOY_TOKEN }}");
        assertThat(compile.env()).containsEntry("SHARED", "from-the-workflow");
        JobSpec pack = pipeline.jobs().get("build-package");
        assertThat(pack.needs()).containsExactly("build-compile");
        assertThat(pack.condition()).isEqualTo("true");
        assertThat(pack.outputs()).containsEntry("version", "${{ steps.v.outputs.v }}");
        assertThat(pack.call()).isEqualTo(new WorkflowCall("build", java.util.Set.of("version")));
        assertThat(pipeline.jobs().get("deploy").needs()).containsExactly("build-compile", "build-package");

        // a job that needs the caller sees the workflow's result and outputs; its own jobs see each other
        List<NeedsContext.Need> needs = List.of(
                new NeedsContext.Need("build-compile", JobState.SUCCEEDED, Map.of(), compile.call()),
                new NeedsContext.Need("build-package", JobState.SUCCEEDED, Map.of("v", "1.1", "version", "1.1"), pack.call()));
        assertThat(NeedsContext.of(needs)).isEqualTo(Map.of("build", Map.of("result", "success",
                "outputs", Map.of("version", "1.1"))));
        assertThat(NeedsContext.of(needs.subList(0, 1), pack.call())).containsKey("build-compile");
    }

    @Test
    void aCallThatCannotBeMade_shouldSaySo() {
        assertThatThrownBy(() -> parse("""
                jobs:
                  a:
                    uses: octo/shared/.github/workflows/build.yml@v1
                  b:
                    uses: ./.github/workflows/missing.yml
                  c:
                    uses: ./.github/workflows/build.yml
                    with: {colour: red}
                  d:
                    uses: ./.github/workflows/plain.yml
                """, Map.of(".github/workflows/build.yml", BUILD,
                ".github/workflows/plain.yml", "on: push\njobs: {x: {steps: [{run: 'true'}]}}\n")))
                .hasMessageContaining("3:11: job 'a': 'uses: octo/shared/.github/workflows/build.yml@v1' calls a workflow of "
                        + "another repository, which Delta CI does not fetch")
                .hasMessageContaining("5:11: job 'b': 'uses: ./.github/workflows/missing.yml': this commit has no "
                        + ".github/workflows/missing.yml")
                .hasMessageContaining("7:11: job 'c': workflow input 'target' is required; give it under 'with:'")
                .hasMessageContaining("8:12: job 'c' 'with' has 'colour', which workflow .github/workflows/build.yml does "
                        + "not declare; its inputs: target, release")
                .hasMessageContaining("10:11: job 'd': .github/workflows/plain.yml is not a reusable workflow: its 'on' has "
                        + "no 'workflow_call'");
    }
}
