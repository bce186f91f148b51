package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deltaci.core.job.JobState;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.PlaneTest;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What GitHub Actions workflows carry, through real runners: job outputs read by the jobs that
 * need them ({@code needs.<job>.outputs}, a matrix's too), {@code defaults.run}, shells as
 * GitHub runs them, {@code hashFiles()}, {@code ::add-mask::}, the {@code github} context and
 * GitHub's default variables.
 */
class GitHubWorkflowsTest extends PlaneTest {

    private String runToTheEnd(String pipeline) throws Exception {
        return runToTheEnd(pipeline, 2, Duration.ofSeconds(90));
    }

    @Test
    void jobOutputs_shouldReachTheJobsThatNeedThem_inTheirIfEnvAndSteps() throws Exception {
        String runId = runToTheEnd("""
                jobs:
                  version:
                    outputs:
                      tag: ${{ steps.read.outputs.tag }}
                      channel: ${{ steps.read.outputs.channel }}
                    steps:
                      - id: read
                        run: |
                          echo "tag=v2.$((40 + 2))" >> "$GITHUB_OUTPUT"
                          echo "channel=stable" >> "$GITHUB_OUTPUT"
                  matrix:
                    strategy:
                      matrix:
                        part: [one, two]
                    outputs:
                      last: ${{ steps.say.outputs.part }}
                    steps:
                      - id: say
                        run: echo "part=${{ matrix.part }}" >> "$GITHUB_OUTPUT"
                  release:
                    needs: [version, matrix]
                    if: needs.version.outputs.channel == 'stable'
                    env:
                      TAG: ${{ needs.version.outputs.tag }}
                    steps:
                      - run: |
                          echo "releasing $TAG (${{ needs.version.result }})"
                          echo "matrix said ${{ needs.matrix.outputs.last }} (${{ needs.matrix.result }})"
                  skipped:
                    needs: version
                    if: needs.version.outputs.channel == 'nightly'
                    steps: [{run: echo never}]
                """);
        String log = jobLog(runId, "release");
        assertThat(store.getJob(runId, "release").orElseThrow().state()).as(log).isEqualTo(JobState.SUCCEEDED);
        assertThat(store.getJob(runId, "version").orElseThrow().outcome().outputs())
                .isEqualTo(Map.of("tag", "v2.42", "channel", "stable"));
        assertThat(log).contains("releasing v2.42 (success)").contains("matrix said two (success)");
        assertThat(store.getJob(runId, "skipped").orElseThrow().state()).isEqualTo(JobState.SKIPPED);
    }

    @Test
    void defaultsShellsHashFilesAndMasks_shouldWorkAsOnGitHub() throws Exception {
        String runId = runToTheEnd("""
                defaults:
                  run:
                    shell: sh
                jobs:
                  build:
                    defaults:
                      run:
                        working-directory: sub
                    outputs:
                      leaked: ${{ steps.mask.outputs.token }}
                    steps:
                      - run: pwd
                        working-directory: .
                      - run: mkdir -p sub && echo 'lock' > sub/app.lock
                        working-directory: .
                      - run: echo "in $(basename "$PWD") with ${0##*/}; bash? ${BASH_VERSION:-no}"
                      - shell: bash -l {0}
                        run: echo "custom shell ran ${BASH_VERSION:+bash}"
                      - run: echo "hash ${{ hashFiles('**/app.lock') }} none '${{ hashFiles('*.nothing') }}'"
                      - id: mask
                        run: |
                          value="s3cr3t-$((6 * 7))"
                          echo "::add-mask::$value"
                          echo "the value is $value"
                          echo "token=$value" >> "$GITHUB_OUTPUT"
                      - run: echo "$GITHUB_REPOSITORY $GITHUB_EVENT_NAME ${{ github.event_name }} ${{ github.ref_type }} $RUNNER_OS"
                """);
        String log = jobLog(runId, "build");
        assertThat(store.getJob(runId, "build").orElseThrow().state()).as(log).isEqualTo(JobState.SUCCEEDED);
        // sh -e is the default shell here, and the job's working directory the steps'
        assertThat(log).contains("in sub with ").contains("bash? no").contains("custom shell ran bash");
        // hashFiles: sha256 of the one file's sha256; empty text for no match
        String fileHash = sha256(sha256Bytes("lock\n"));
        assertThat(log).contains("hash " + fileHash + " none ''");
        assertThat(log).contains("::add-mask::***\nthe value is ***\n").doesNotContain("s3cr3t-42")
                .contains("::delta:: output 'leaked' left out: it holds a secret or a masked value");
        assertThat(store.getJob(runId, "build").orElseThrow().outcome().outputs()).isEmpty();
        assertThat(log).contains("push push branch Linux");
    }

    @Test
    void runsOnFromTheMatrix_shouldRouteEachInstanceByItsOwnLabels() throws Exception {
        String runId = pushRun("""
                jobs:
                  test:
                    strategy:
                      matrix:
                        os: [ubuntu-latest, windows-latest]
                    runs-on: ${{ matrix.os }}
                    steps: [{run: 'echo on ${{ matrix.os }}'}]
                """);
        assertThat(store.getRun(runId).orElseThrow().message()).isNull();
        try (RunnerPool pool = RunnerPool.start(1, plane.runnerTarget(), Files.createTempDirectory("delta-gha-"))) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> store.getJob(runId, "test.1").orElseThrow().state().isTerminal());
            // no runner here is labelled windows: that instance waits for one, as on GitHub
            assertThat(store.getJob(runId, "test.1").orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(store.getJob(runId, "test.2").orElseThrow().state()).isEqualTo(JobState.QUEUED);
            assertThat(store.getJob(runId, "test.2").orElseThrow().spec().labels()).containsExactly("windows");
        }
    }

    @Test
    void aRepositoryOfWorkflows_shouldStartARunForEachThatRunsOnTheEvent() throws Exception {
        var repo = fixture.repositoryOf(Map.of(
                ".github/workflows/test.yml", """
                        name: test
                        on: [push, pull_request]
                        jobs:
                          unit:
                            runs-on: ubuntu-latest
                            steps:
                              - uses: actions/checkout@v4
                              - run: echo "unit tests of $GITHUB_REPOSITORY at ${{ github.sha }}"
                        """,
                ".github/workflows/lint.yaml", """
                        on:
                          push:
                            branches: [main]
                        jobs:
                          lint:
                            steps: [{run: echo lint}]
                        """,
                ".github/workflows/release.yml", """
                        on:
                          release: {types: [published]}
                        jobs:
                          publish:
                            steps: [{run: echo never}]
                        """,
                ".github/workflows/docs.yml", """
                        on:
                          pull_request:
                        jobs:
                          docs:
                            steps: [{run: echo never}]
                        """,
                "README.md", "no .delta/pipeline.yml here\n"));
        var answer = fixture.pushAnswer(repo);
        assertThat(answer.path("runs")).hasSize(2);
        assertThat(answer.path("runs").findValuesAsText("workflow"))
                .containsExactly(".github/workflows/lint.yaml", ".github/workflows/test.yml");
        assertThat(answer.path("ignored").toString()).contains("release.yml: runs on no event Delta CI receives")
                .contains("docs.yml: the pipeline does not run on push");
        runToTheEnd(answer.path("runs").findValuesAsText("runId"), 2, Duration.ofSeconds(60));
        String testRun = answer.path("runs").get(1).path("runId").asText();
        assertThat(store.getRun(testRun).orElseThrow().workflow()).isEqualTo(".github/workflows/test.yml");
        assertThat(store.getJob(testRun, "unit").orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(jobLog(testRun, "unit")).contains("unit tests of " + store.getRun(testRun).orElseThrow().repository()
                + " at " + repo.sha());
        // a caller that follows one run (delta run) follows the first
        assertThat(answer.path("runId").asText()).isEqualTo(answer.path("runs").get(0).path("runId").asText());
    }

    @Test
    void aCompositeActionOfTheRepository_shouldRunAsItsSteps_andGiveItsOutputs() throws Exception {
        var repo = fixture.repositoryOf(Map.of(
                ".github/actions/greet/action.yml", """
                        name: greet
                        inputs:
                          who:
                            required: true
                          greeting:
                            default: hello
                        outputs:
                          said:
                            value: ${{ steps.say.outputs.text }}
                        runs:
                          using: composite
                          steps:
                            - id: say
                              shell: bash
                              run: |
                                echo "${{ inputs.greeting }}, ${{ inputs.who }} (CC=$CC)"
                                echo "text=${{ inputs.greeting }} ${{ inputs.who }}" >> "$GITHUB_OUTPUT"
                        """,
                ".github/workflows/ci.yml", """
                        on: push
                        jobs:
                          build:
                            runs-on: ubuntu-latest
                            steps:
                              - uses: actions/checkout@v4
                              - id: greet
                                uses: ./.github/actions/greet
                                env: {CC: clang}
                                with:
                                  who: ${{ github.repository_owner }}
                              - run: echo "the action said '${{ steps.greet.outputs.said }}' (${{ steps.greet.outcome }})"
                        """));
        String runId = fixture.pushAnswer(repo).path("runId").asText();
        runToTheEnd(List.of(runId), 1, Duration.ofSeconds(60));
        String log = jobLog(runId, "build");
        assertThat(store.getJob(runId, "build").orElseThrow().state()).as(log).isEqualTo(JobState.SUCCEEDED);
        assertThat(log).contains("hello, local (CC=clang)").contains("the action said 'hello local' (success)");
    }

    @Test
    void aReusableWorkflowOfTheRepository_shouldRunAsItsJobs_andGiveItsOutputsToWhoNeedsIt() throws Exception {
        var repo = fixture.repositoryOf(Map.of(
                ".github/workflows/build.yml", """
                        on:
                          workflow_call:
                            inputs:
                              flavour: {type: string, required: true}
                            outputs:
                              artifact:
                                value: ${{ jobs.package.outputs.name }}
                        jobs:
                          compile:
                            steps:
                              - run: echo "compiling ${{ inputs.flavour }}"
                          package:
                            needs: compile
                            outputs:
                              name: ${{ steps.pack.outputs.name }}
                            steps:
                              - id: pack
                                run: echo "name=app-${{ inputs.flavour }}.tar" >> "$GITHUB_OUTPUT"
                        """,
                ".github/workflows/ci.yml", """
                        on: push
                        jobs:
                          build:
                            uses: ./.github/workflows/build.yml
                            with:
                              flavour: ${{ github.ref_name }}
                          ship:
                            needs: build
                            runs-on: ubuntu-latest
                            steps:
                              - run: echo "shipping ${{ needs.build.outputs.artifact }} (${{ needs.build.result }})"
                        """));
        var answer = fixture.pushAnswer(repo);
        // the called workflow runs only where it is called: its file alone starts nothing
        assertThat(answer.path("runs")).hasSize(1);
        String runId = answer.path("runId").asText();
        runToTheEnd(List.of(runId), 2, Duration.ofSeconds(60));
        assertThat(store.listJobs(runId)).extracting(JobRecord::jobKey)
                .containsExactlyInAnyOrder("build-compile", "build-package", "ship");
        assertThat(jobLog(runId, "build-compile")).contains("compiling main");
        String log = jobLog(runId, "ship");
        assertThat(store.getJob(runId, "ship").orElseThrow().state()).as(log).isEqualTo(JobState.SUCCEEDED);
        assertThat(log).contains("shipping app-main.tar (success)");
    }

    private static byte[] sha256Bytes(String text) throws Exception {
        return java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
