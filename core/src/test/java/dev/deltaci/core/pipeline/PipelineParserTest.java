package dev.deltaci.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PipelineParserTest {

    private static final String FILE = ".delta/pipeline.yml";

    private static Pipeline parse(String yaml) throws PipelineException {
        return PipelineParser.parse(FILE, yaml);
    }

    private static List<ConfigProblem> problems(String yaml) {
        try {
            parse(yaml);
        } catch (PipelineException e) {
            return e.problems();
        }
        throw new AssertionError("expected the pipeline to be rejected");
    }

    @Test
    void parse_shouldReadJobsStepsNeedsEnvAndTimeout_whenFileIsValid() throws Exception {
        Pipeline pipeline = parse("""
                name: demo
                env:
                  A: top
                  B: top
                jobs:
                  build:
                    timeout-minutes: 5
                    env:
                      B: job
                    steps:
                      - name: compile
                        run: make
                      - run: |
                          echo one
                          echo two
                  test:
                    name: unit tests
                    needs: build
                    steps:
                      - run: make test
                """);

        assertThat(pipeline.name()).isEqualTo("demo");
        assertThat(pipeline.jobs()).containsOnlyKeys("build", "test");
        JobSpec build = pipeline.jobs().get("build");
        assertThat(build.timeoutMinutes()).isEqualTo(5);
        assertThat(build.env()).containsEntry("A", "top").containsEntry("B", "job");
        assertThat(build.steps()).extracting(StepSpec::displayName).containsExactly("compile", "echo one");
        assertThat(build.steps().get(1).run()).isEqualTo("echo one\necho two\n");
        JobSpec test = pipeline.jobs().get("test");
        assertThat(test.name()).isEqualTo("unit tests");
        assertThat(test.needs()).containsExactly("build");
        assertThat(test.timeoutMinutes()).isEqualTo(JobSpec.DEFAULT_TIMEOUT_MINUTES);
    }

    @Test
    void parse_shouldNameLineAndColumn_whenNeedsNamesUnknownJob() {
        List<ConfigProblem> problems = problems("""
                jobs:
                  build:
                    steps:
                      - run: make
                  test:
                    needs: [biuld]
                    steps:
                      - run: make test
                """);

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).toString())
                .isEqualTo(FILE + ":6:12: job 'test' needs unknown job 'biuld'; jobs are: build, test");
    }

    @Test
    void parse_shouldReportTheCycle_whenNeedsFormOne() {
        List<ConfigProblem> problems = problems("""
                jobs:
                  a:
                    needs: c
                    steps: [{run: x}]
                  b:
                    needs: a
                    steps: [{run: x}]
                  c:
                    needs: b
                    steps: [{run: x}]
                """);

        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.message()).isEqualTo("'needs' form a cycle: a -> c -> b -> a");
            assertThat(p.line()).isEqualTo(3);
        });
    }

    @Test
    void parse_shouldRejectSelfDependency() {
        assertThat(problems("jobs:\n  a:\n    needs: a\n    steps: [{run: x}]\n"))
                .extracting(ConfigProblem::message).containsExactly("job 'a' needs itself");
    }

    @Test
    void parse_shouldListExpectedKeys_whenKeyIsUnknown() {
        List<ConfigProblem> problems = problems("""
                jobs:
                  build:
                    stepz:
                      - run: make
                """);

        assertThat(problems).extracting(ConfigProblem::toString).contains(
                FILE + ":3:5: job 'build' has unknown key 'stepz' (did you mean 'steps'?); expected one of: name, env, "
                        + "needs, if, strategy, steps, timeout-minutes, queue-timeout-minutes, retry, continue-on-error, "
                        + "concurrency, artifacts, labels, image, runs-on, permissions, container, outputs, defaults, services",
                FILE + ":2:3: job 'build' has no 'steps': expected a list of steps with 'run'");
    }

    @Test
    void parse_shouldCollectEveryProblem_notJustTheFirst() {
        List<ConfigProblem> problems = problems("""
                jobs:
                  build:
                    timeout-minutes: forever
                    steps:
                      - name: no command
                  9bad:
                    steps: [{run: x}]
                """);

        assertThat(problems).extracting(ConfigProblem::line).containsExactly(3, 5, 6);
        assertThat(problems.get(0).message()).contains("'timeout-minutes' must be a whole number from 1 to 4320, found 'forever'");
        assertThat(problems.get(1).message()).isEqualTo("job 'build' step 1 has no 'run': expected a shell command (or 'uses: actions/checkout@v4')");
        assertThat(problems.get(2).message()).startsWith("job id '9bad' is invalid");
    }

    @Test
    void parse_shouldPointAtTheError_whenYamlIsMalformed() {
        List<ConfigProblem> problems = problems("jobs:\n  build:\n    steps: [\n");

        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.message()).startsWith("invalid YAML: ");
            assertThat(p.line()).isEqualTo(4);
        });
    }

    @Test
    void parse_shouldRejectDuplicateKeys() {
        assertThat(problems("jobs:\n  a:\n    steps: [{run: x}]\n  a:\n    steps: [{run: y}]\n"))
                .extracting(ConfigProblem::toString).containsExactly(FILE + ":4:3: 'jobs' has 'a' twice");
    }

    @Test
    void parse_shouldRejectEmptyAndJoblessFiles() {
        assertThat(problems("")).extracting(ConfigProblem::message)
                .containsExactly("file is empty; expected a mapping with 'jobs'");
        assertThat(problems("name: x\n")).extracting(ConfigProblem::message)
                .containsExactly("missing 'jobs': a pipeline needs at least one job");
        assertThat(problems("- a\n- b\n")).extracting(ConfigProblem::message)
                .containsExactly("the pipeline must be a mapping, found a list");
    }

    @Test
    void parse_shouldRejectOversizedFiles() {
        String huge = "jobs:\n  a:\n    steps:\n" + "      - run: echo x\n".repeat(20_000);

        assertThat(problems(huge)).extracting(ConfigProblem::message).containsExactly(
                "file is " + huge.length() + " bytes; the limit is 262144 (DELTA_MAX_PIPELINE_BYTES)");
    }

    @Test
    void parse_shouldRejectInvalidEnvNames() {
        assertThat(problems("env:\n  1X: y\njobs:\n  a:\n    steps: [{run: x}]\n"))
                .extracting(ConfigProblem::toString)
                .containsExactly(FILE + ":2:3: env variable name '1X' is invalid: use letters, digits and '_', not starting with a digit");
    }

    @Test
    void parse_shouldReadRetry_withWhenDefaultingToScriptFailureAndTimeout() throws Exception {
        Pipeline pipeline = parse("""
                jobs:
                  flaky:
                    retry: {max: 2}
                    steps: [{run: x}]
                  picky:
                    retry:
                      max: 1
                      when: timeout
                    steps: [{run: x}]
                """);

        assertThat(pipeline.jobs().get("flaky").retry()).isEqualTo(new RetrySpec(2,
                java.util.Set.of(dev.deltaci.core.job.FailureClass.SCRIPT_FAILURE, dev.deltaci.core.job.FailureClass.TIMEOUT)));
        assertThat(pipeline.jobs().get("picky").retry().when()).containsExactly(dev.deltaci.core.job.FailureClass.TIMEOUT);
    }

    @Test
    void parse_shouldExplain_whenRetryListsAClassThatIsNotTheUsersToRetry() {
        List<ConfigProblem> problems = problems("""
                jobs:
                  a:
                    retry:
                      max: 11
                      when: [runner_lost, config_error, flaky]
                    steps: [{run: x}]
                """);

        assertThat(problems).extracting(ConfigProblem::message).containsExactly(
                "job 'a' 'retry.max' must be a whole number from 0 to 10, found '11'",
                "job 'a' 'retry.when' lists 'runner_lost', which is always retried automatically and does not "
                        + "spend retry.max; list only script_failure or timeout",
                "job 'a' 'retry.when' lists 'config_error', which is never retried",
                "job 'a' 'retry.when' has unknown failure class 'flaky'; expected script_failure or timeout");
    }

    @Test
    void parse_shouldReadStepOptions_andTakeActionsCheckoutAsTheBuiltInCheckout() throws Exception {
        Pipeline pipeline = parse("""
                jobs:
                  build:
                    steps:
                      - uses: actions/checkout@v4
                        with: {fetch-depth: 0}
                      - name: unit
                        run: make test
                        shell: sh
                        working-directory: app/core
                        env: {LEVEL: debug}
                        timeout-minutes: 5
                        continue-on-error: true
                """);

        List<StepSpec> steps = pipeline.jobs().get("build").steps();
        assertThat(steps.get(0).isCheckout()).isTrue();
        assertThat(steps.get(0).displayName()).isEqualTo("checkout");
        assertThat(steps.get(1)).isEqualTo(new StepSpec("unit", "make test", java.util.Map.of("LEVEL", "debug"), "sh",
                "app/core", 5, true, null));
    }

    @Test
    void parse_shouldNameTheStep_whenItUsesAnUnsupportedActionOrOption() {
        List<ConfigProblem> problems = problems("""
                jobs:
                  build:
                    steps:
                      - name: setup
                        uses: actions/setup-java@v4
                      - run: x
                        shell: fish
                      - run: x
                        working-directory: ../outside
                      - run: x
                        continue-on-error: maybe
                      - run: x
                        uses: actions/checkout@v4
                """);

        assertThat(problems).extracting(ConfigProblem::toString).containsExactly(
                FILE + ":5:15: job 'build' step 1 ('setup'): 'uses: actions/setup-java@v4' installs a tool, which Delta "
                        + "CI leaves to the runner: use a runner image that has it, or give the job an 'image:' that does "
                        + "(e.g. 'image: node:20')",
                FILE + ":7:16: job 'build' step 2 'shell: fish' is not supported; use one of: bash, sh, python, pwsh, "
                        + "powershell, cmd, or a command with {0} where the script's path goes (e.g. 'bash -l {0}')",
                FILE + ":9:28: job 'build' step 3 'working-directory' must be a path inside the workspace, "
                        + "without '..', found '../outside'",
                FILE + ":11:28: job 'build' step 4 continue-on-error must be true or false, found 'maybe'",
                FILE + ":13:9: job 'build' step 5 has both 'run' and 'uses'; a step is one or the other");
    }

    @Test
    void parse_shouldKeepConditions_andRejectNamesTheyCannotSee() {
        List<ConfigProblem> problems = problems("""
                jobs:
                  build:
                    steps: [{run: make}]
                  deploy:
                    needs: build
                    if: ${{ needs.build.result == 'success' && needs.lint.result != 'failure' }}
                    steps:
                      - if: failure() || delta.bogus
                        run: echo ${{ matrix.os }}
                      - run: echo ${{ needs.build.result }} ${{ needs.lint.outputs.x }}
                """);

        assertThat(problems).extracting(ConfigProblem::message).containsExactly(
                "job 'deploy' 'if': 'needs.lint': 'lint' is not in this job's needs",
                "job 'deploy' step 1 'if': unknown name 'delta.bogus'; delta offers: attempt, branch, event, job, ref, "
                        + "repository, run_id, sha",
                "job 'deploy' step 1 run: 'matrix' is available only in a job with a strategy.matrix",
                "job 'deploy' step 2 run: 'needs.lint': 'lint' is not in this job's needs");
    }

    @Test
    void parse_shouldStoreConditionsAsBareExpressions() throws Exception {
        Pipeline pipeline = parse("""
                jobs:
                  a:
                    steps: [{run: x}]
                  b:
                    needs: a
                    if: ${{ always() }}
                    steps:
                      - if: failure()
                        run: echo "${{ delta.sha }}"
                """);

        assertThat(pipeline.jobs().get("b").condition()).isEqualTo("always()");
        assertThat(pipeline.jobs().get("b").steps().get(0).condition()).isEqualTo("failure()");
    }

    @Test
    void parse_shouldExplainTheWrongType_whenJobsIsAScalar() {
        assertThatThrownBy(() -> parse("jobs: 3")).isInstanceOf(PipelineException.class)
                .hasMessage(FILE + ":1:7: 'jobs' must be a mapping, found '3'");
    }

    /** Found by `delta fuzz`: an emoji across the YAML reader's 1 KiB buffer edge threw IndexOutOfBoundsException. */
    @Test
    void parse_shouldReadAnEmojiWhereverItFalls() throws Exception {
        for (int padding = 1000; padding < 1040; padding++) {
            String yaml = "name: " + "x".repeat(padding) + " \uD83D\uDE00 done\njobs:\n  a:\n    steps: [{run: x}]\n";
            assertThat(parse(yaml).name()).endsWith("\uD83D\uDE00 done");
        }
    }
}
