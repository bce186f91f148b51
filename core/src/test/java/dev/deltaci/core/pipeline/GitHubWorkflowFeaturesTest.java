package dev.deltaci.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deltaci.core.expr.Evaluator;
import dev.deltaci.core.expr.ExpressionParser;
import dev.deltaci.core.expr.GitHubContext;
import dev.deltaci.core.expr.Scope;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.NeedsContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What issue 16's workflows needed beyond the keys: the github context, job outputs and
 * needs.<job>.outputs, defaults.run, GitHub's shells, JSON functions, the object filter,
 * notes for what Delta takes differently, and messages that name the Delta way for actions.
 */
class GitHubWorkflowFeaturesTest {

    private static Object eval(String expression, Map<String, Object> contexts) throws Exception {
        return Evaluator.evaluate(ExpressionParser.parse(expression), new Scope(contexts, true, false, false));
    }

    @Test
    void jsonFunctions_theObjectFilterAndMembersOfCalls_shouldEvaluateAsOnGitHub() throws Exception {
        Map<String, Object> event = Map.of("event", Map.of("pull_request", Map.of("labels",
                List.of(Map.of("name", "bug"), Map.of("name", "ci: skip")))));
        assertThat(eval("contains(github.event.pull_request.labels.*.name, 'ci: skip')", Map.of("github", event))).isEqualTo(true);
        assertThat(eval("contains(github.event.pull_request.labels.*.name, 'docs')", Map.of("github", event))).isEqualTo(false);
        assertThat(eval("join(github.event.pull_request.labels.*.name, ' + ')", Map.of("github", event))).isEqualTo("bug + ci: skip");
        assertThat(eval("fromJSON('{\"os\": [\"linux\", \"mac\"], \"n\": 3}').os[1]", Map.of())).isEqualTo("mac");
        assertThat(eval("fromJson('{\"n\": 3}').n > 2", Map.of())).isEqualTo(true);
        assertThat(eval("toJSON(fromJSON('[1, \"a\"]'))", Map.of())).isEqualTo("[\n  1,\n  \"a\"\n]");
        assertThat(eval("startswith('Delta', 'del')", Map.of())).isEqualTo(true);
        assertThatThrownBy(() -> eval("fromJSON('{not json')", Map.of())).hasMessageContaining("fromJSON(): not JSON");
    }

    @Test
    void theGithubContext_shouldHoldTheRunAndWhatIsKeptOfTheEvent() {
        Map<String, Object> push = GitHubContext.of("acme/app", "abc", "refs/tags/v1", "push", "r-1", 2, "build", Map.of());
        assertThat(push).containsEntry("repository_owner", "acme").containsEntry("ref_name", "v1")
                .containsEntry("ref_type", "tag").containsEntry("run_attempt", "2").containsEntry("token", "");
        assertThat(push.get("event")).isEqualTo(Map.of("ref", "refs/tags/v1", "after", "abc"));
        Map<String, Object> pull = GitHubContext.of("acme/app", "def", "refs/pull/7/head", "pull_request", "r-2", 1, null, Map.of());
        assertThat(((Map<?, ?>) pull.get("event")).get("number")).isEqualTo(7.0);
    }

    @Test
    void needsOfAMatrix_shouldAnswerByTheWrittenName_worstResultFirst_laterOutputsOverEarlier() {
        Map<String, Object> needs = NeedsContext.of(List.of(
                new NeedsContext.Need("test", JobState.SUCCEEDED, Map.of("v", "1", "a", "x")),
                new NeedsContext.Need("test", JobState.FAILED, Map.of("v", "2")),
                new NeedsContext.Need("lint", JobState.SKIPPED, Map.of())));
        assertThat(needs.get("test")).isEqualTo(Map.of("result", "failure", "outputs", Map.of("v", "2", "a", "x")));
        assertThat(needs.get("lint")).isEqualTo(Map.of("result", "skipped", "outputs", Map.of()));
    }

    @Test
    void outputsDefaultsAndShells_shouldBeRead_andCheckedWhereTheyAreWritten() throws Exception {
        Pipeline pipeline = PipelineParser.parse(".github/workflows/ci.yml", """
                defaults:
                  run: {shell: sh, working-directory: app}
                jobs:
                  build:
                    defaults:
                      run: {working-directory: lib}
                    outputs:
                      version: ${{ steps.v.outputs.version }}
                    steps:
                      - id: v
                        run: echo "version=1" >> "$GITHUB_OUTPUT"
                      - run: make
                        shell: bash -l {0}
                        working-directory: .
                  deploy:
                    needs: build
                    if: needs.build.outputs.version != ''
                    steps:
                      - run: echo ${{ needs.build.outputs.version }} ${{ github.sha }} ${{ runner.os }}
                """);
        JobSpec build = pipeline.jobs().get("build");
        assertThat(build.outputs()).containsEntry("version", "${{ steps.v.outputs.version }}");
        assertThat(build.steps()).extracting(StepSpec::shell).containsExactly("sh", "bash -l {0}");
        assertThat(build.steps()).extracting(StepSpec::workingDirectory).containsExactly("lib", ".");
        assertThat(pipeline.jobs().get("deploy").steps().get(0).workingDirectory()).isEqualTo("app");

        assertThat(ParserProblems.of("""
                jobs:
                  build:
                    outputs:
                      v: ${{ steps.nope.outputs.x }}
                    steps: [{run: 'true', id: real}]
                  deploy:
                    steps:
                      - run: echo ${{ needs.build.outputs.v }} ${{ github.shaa }} ${{ hashFiles('x') }}
                """)).containsExactly(
                "4: job 'build' output 'v': 'steps.nope': no earlier step of this job has id 'nope'; earlier ids: real",
                "8: job 'deploy' step 1 run: 'needs.build': 'build' is not in this job's needs");
        assertThat(ParserProblems.of("""
                jobs:
                  deploy:
                    if: ${{ hashFiles('x') != '' }}
                    steps:
                      - run: echo ${{ github.shaa }}
                """)).containsExactly(
                "3: job 'deploy' 'if': hashFiles() reads the job's workspace; it is available only in a step's 'run', "
                        + "'env' and 'if'",
                "5: job 'deploy' step 1 run: unknown name 'github.shaa'; github offers: action, action_path, "
                        + String.join(", ", ExpressionChecks.GITHUB_CONTEXT.stream().sorted().toList()).substring(
                        "action, action_path, ".length()));
    }

    @Test
    void notes_shouldTellWhatDeltaTakesDifferently_withoutFailingTheFile() throws Exception {
        Pipeline pipeline = PipelineParser.parse("w.yml", """
                on: [push, release]
                jobs:
                  soak:
                    timeout-minutes: 14400
                    steps: [{run: ./soak}]
                """);
        assertThat(pipeline.jobs().get("soak").timeoutMinutes()).isEqualTo(PipelineParser.MAX_TIMEOUT_MINUTES);
        assertThat(pipeline.notes()).extracting(ConfigProblem::toString).containsExactly(
                "w.yml:1:5: note: 'on' lists release, a GitHub event Delta CI does not receive; the workflow runs on push",
                "w.yml:4:22: note: job 'soak' 'timeout-minutes' is 14400; Delta CI's limit is 4320 minutes (72 hours), "
                        + "which applies");
    }

    @Test
    void services_shouldBeRead_andTheirOptionsKeptToWhatCannotReachPastTheJob() throws Exception {
        Pipeline pipeline = PipelineParser.parse("w.yml", """
                jobs:
                  test:
                    services:
                      redis: redis:7
                      postgres:
                        image: postgres:16
                        env: {POSTGRES_PASSWORD: '${{ secrets.DB_PASSWORD }}'}
                        ports: [5432, '6543:5432']
                        options: --health-cmd "pg_isready -U postgres" --health-interval=2s
                    steps: [{run: psql -h localhost}]
                """);
        assertThat(pipeline.jobs().get("test").services()).containsExactly(
                new ServiceSpec("redis", "redis:7", Map.of(), List.of(), List.of()),
                new ServiceSpec("postgres", "postgres:16", Map.of("POSTGRES_PASSWORD", "${{ secrets.DB_PASSWORD }}"),
                        List.of("5432", "6543:5432"), List.of("--health-cmd", "pg_isready -U postgres", "--health-interval=2s")));
        assertThat(ParserProblems.of("""
                jobs:
                  test:
                    services:
                      db:
                        image: postgres
                        ports: [http]
                        options: --privileged -v /:/host
                    steps: [{run: 'true'}]
                """)).containsExactly(
                "6: job 'test' service 'db' port 'http' must be PORT or HOST_PORT:PORT (e.g. 5432 or 5432:5432)",
                "7: job 'test' service 'db' options: '--privileged' is not allowed; a service may have "
                        + String.join(", ", ServiceSpec.OPTIONS));
    }

    @Test
    void actionsDeltaDoesNotRun_shouldNameTheDeltaWay() {
        assertThat(Actions.notRun("actions/setup-node@v4")).contains("give the job an 'image:'");
        assertThat(Actions.notRun("dtolnay/rust-toolchain@stable")).contains("installs a tool");
        assertThat(Actions.notRun("actions/upload-artifact@v4")).contains("list the job's files under 'artifacts:'");
        assertThat(Actions.notRun("actions/cache@v4")).contains("no cache service yet");
        assertThat(Actions.notRun("docker://alpine:3.20")).contains("give the job 'image: alpine:3.20'");
        assertThat(Actions.notRun("codecov/codecov-action@v5")).contains("third-party action")
                .contains("write what it does as 'run:' steps");
    }
}
