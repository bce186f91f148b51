package dev.deltaci.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TriggerTest {

    private static PushTrigger push(String on) throws PipelineException {
        return PipelineParser.parse("p.yml", "on:\n" + on + "\njobs:\n  a:\n    steps: [{run: x}]\n").on().push();
    }

    @Test
    void glob_shouldFollowGitHubsFilterPatterns() {
        assertThat(Glob.matches("release/*", "release/1.0")).isTrue();
        assertThat(Glob.matches("release/*", "release/1.0/hotfix")).isFalse();
        assertThat(Glob.matches("release/**", "release/1.0/hotfix")).isTrue();
        assertThat(Glob.matches("v?.*", "v1.2")).isTrue();
        assertThat(Glob.matches("docs/**.md", "docs/a/b.md")).isTrue();
        assertThat(Glob.matchesAny(List.of("release/**", "!release/**-alpha"), "release/2-alpha")).isFalse();
        assertThat(Glob.matchesAny(List.of("release/**", "!release/**-alpha"), "release/2")).isTrue();
    }

    @Test
    void branchFilters_shouldLetMatchingBranchesRun_andNoTags() throws Exception {
        PushTrigger trigger = push("  push:\n    branches: [main, 'release/**']");

        assertThat(trigger.rejects("refs/heads/main", List.of())).isEmpty();
        assertThat(trigger.rejects("refs/heads/release/1.2", List.of())).isEmpty();
        assertThat(trigger.rejects("refs/heads/feature/x", List.of()))
                .hasValue("branch 'feature/x' matches none of 'on.push.branches' [main, release/**]");
        assertThat(trigger.rejects("refs/tags/v1", List.of()))
                .hasValue("tag pushes do not run: 'on.push' filters only branches");
    }

    @Test
    void pathFilters_shouldLookAtTheChangedFiles() throws Exception {
        PushTrigger only = push("  push:\n    paths: ['src/**']");
        PushTrigger ignore = push("  push:\n    paths-ignore: ['docs/**', '**.md']");

        assertThat(only.rejects("refs/heads/main", List.of("src/a/B.java", "README.md"))).isEmpty();
        assertThat(only.rejects("refs/heads/main", List.of("README.md"))).isPresent();
        assertThat(ignore.rejects("refs/heads/main", List.of("docs/x.txt", "README.md")))
                .hasValue("every changed file matches 'on.push.paths-ignore' [docs/**, **.md]");
        assertThat(ignore.rejects("refs/heads/main", List.of("docs/x.txt", "src/y.java"))).isEmpty();
    }

    @Test
    void on_shouldAcceptItsShortForms_andRejectWhatIsNotSupported() throws Exception {
        assertThat(push("  push")).isEqualTo(PushTrigger.ALL);
        assertThat(push("  [push]")).isEqualTo(PushTrigger.ALL);
        assertThat(PipelineParser.parse("p.yml", "jobs:\n  a:\n    steps: [{run: x}]\n").on().push()).isEqualTo(PushTrigger.ALL);

        try {
            push("  push:\n    branches: [main]\n    branches-ignore: [dev]\n  workflow_runs: {}");
        } catch (PipelineException e) {
            assertThat(e.problems()).extracting(ConfigProblem::message).containsExactly(
                    "'on.push' has both 'branches' and 'branches-ignore'; use one (a '!' pattern in 'branches' excludes)",
                    "'on: workflow_runs' is not an event Delta CI knows; it runs on 'push', 'pull_request', 'workflow_dispatch' and 'schedule'");
            return;
        }
        throw new AssertionError("expected config errors");
    }

    private static Triggers on(String on) throws PipelineException {
        return PipelineParser.parse("p.yml", "on:\n" + on + "\njobs:\n  a:\n    steps: [{run: x}]\n").on();
    }

    @Test
    void pullRequest_shouldRunOnItsTypes_baseBranches_andChangedPaths() throws Exception {
        Triggers both = on("  push:\n    branches: [main]\n  pull_request:\n    branches: [main, 'release/**']\n"
                + "    paths-ignore: ['docs/**']");
        assertThat(both.push()).isNotNull();
        PullRequestTrigger pr = both.pullRequest();
        assertThat(pr.types()).containsExactly("opened", "synchronize", "reopened");
        assertThat(pr.rejects("opened", "main", List.of("src/A.java"))).isEmpty();
        assertThat(pr.rejects("synchronize", "release/1.2", List.of("src/A.java"))).isEmpty();
        assertThat(pr.rejects("opened", "dev", List.of("src/A.java")))
                .contains("base branch 'dev' matches none of 'on.pull_request.branches' [main, release/**]");
        assertThat(pr.rejects("opened", "main", List.of("docs/a.md", "docs/b.md")))
                .contains("every changed file matches 'on.pull_request.paths-ignore' [docs/**]");
        assertThat(pr.filtersPaths()).isTrue();

        PullRequestTrigger onlyOpened = on("  pull_request:\n    types: [opened]").pullRequest();
        assertThat(onlyOpened.rejects("synchronize", "main", List.of()))
                .contains("pull_request action 'synchronize' is not in 'on.pull_request.types' [opened]");
        assertThat(on("  pull_request").push()).as("listing only pull_request: pushes do not run").isNull();
        assertThat(on("  [push, pull_request]").pullRequest()).isEqualTo(PullRequestTrigger.ALL);
    }

    @Test
    void pullRequest_shouldNoteGitHubTypesItDoesNotRunOn_andRejectOthers() throws Exception {
        Pipeline noted = PipelineParser.parse("p.yml", "on:\n  pull_request:\n    types: [opened, closed]\njobs:\n  a:\n    steps: [{run: x}]\n");
        assertThat(noted.on().pullRequest().types()).containsExactly("opened");
        assertThat(noted.notes()).extracting(ConfigProblem::toString).containsExactly(
                "p.yml:3:12: note: 'on.pull_request.types' closed: Delta CI runs pull requests when they are opened, "
                        + "synchronize, reopened, not closed");
        try {
            on("  pull_request:\n    types: [opened, clossed]");
        } catch (PipelineException e) {
            assertThat(e.problems()).extracting(ConfigProblem::message).containsExactly(
                    "'on.pull_request.types' has 'clossed', which is not a pull request activity; Delta CI runs on opened, "
                            + "synchronize, reopened");
            return;
        }
        throw new AssertionError("expected a config error");
    }

    @Test
    void gitHubEventsDeltaDoesNotReceive_shouldBeNoted_andRefusedOnlyWhenNothingElseRunsTheWorkflow() throws Exception {
        Pipeline pipeline = PipelineParser.parse("p.yml", """
                on:
                  push:
                  pull_request: ~
                  release: {types: [published]}
                  merge_group:
                jobs:
                  a:
                    steps: [{run: x}]
                """);
        assertThat(pipeline.on().push()).isEqualTo(PushTrigger.ALL);
        assertThat(pipeline.on().pullRequest()).isEqualTo(PullRequestTrigger.ALL);
        assertThat(pipeline.notes()).extracting(ConfigProblem::message).containsExactly("'on' lists release, merge_group, "
                + "GitHub events Delta CI does not receive; the workflow runs on push, pull_request");
        try {
            on("  issues: {types: [opened]}");
        } catch (PipelineException e) {
            assertThat(e.problems()).extracting(ConfigProblem::message).containsExactly("'on' names no event Delta CI runs "
                    + "on (issues is a GitHub event Delta CI does not receive); use 'push', 'pull_request', "
                    + "'workflow_dispatch' or 'schedule'");
            return;
        }
        throw new AssertionError("expected a config error");
    }

    @Test
    void workflowDispatch_shouldDeclareTypedInputs_andResolveWhatARunIsGiven() throws Exception {
        Pipeline pipeline = PipelineParser.parse("p.yml", java.nio.file.Files.readString(
                java.nio.file.Path.of("..", "examples", "manual", ".delta", "pipeline.yml")));
        ManualTrigger manual = pipeline.on().manual();
        assertThat(pipeline.on().push()).isNull();
        assertThat(manual.inputs()).containsOnlyKeys("environment", "dry-run", "note");

        assertThat(manual.resolve(java.util.Map.of()).values())
                .containsExactly(java.util.Map.entry("environment", "staging"), java.util.Map.entry("dry-run", "true"));
        assertThat(manual.resolve(java.util.Map.of("environment", "moon", "dry-run", "maybe", "colour", "red")).problems())
                .containsExactlyInAnyOrder(
                        "unknown input 'colour'; the pipeline declares: environment, dry-run, note",
                        "input 'environment' must be one of [staging, production], not 'moon'",
                        "input 'dry-run' is a boolean: use true or false, not 'maybe'");
        ManualTrigger required = on("  workflow_dispatch:\n    inputs:\n      version: {required: true, description: to release}")
                .manual();
        assertThat(required.resolve(java.util.Map.of()).problems())
                .containsExactly("input 'version' is required (to release)");
    }

    @Test
    void inputs_shouldBeUsableOnlyWhenDeclared() {
        List<String> messages = new java.util.ArrayList<>();
        for (String yaml : List.of(
                "on: push\njobs:\n  a:\n    steps: [{run: 'echo ${{ inputs.x }}'}]\n",
                "on:\n  workflow_dispatch:\n    inputs: {x: {}}\njobs:\n  a:\n    if: inputs.y == 'a'\n    steps: [{run: x}]\n",
                "on:\n  workflow_dispatch:\n    inputs:\n      x: {type: choice}\n      y: {type: number}\njobs:\n  a:\n    steps: [{run: x}]\n")) {
            try {
                PipelineParser.parse("p.yml", yaml);
            } catch (PipelineException e) {
                e.problems().forEach(p -> messages.add(p.message()));
            }
        }
        assertThat(messages).containsExactly(
                "job 'a' step 1 run: 'inputs' is available only when 'on: workflow_dispatch' declares inputs",
                "job 'a' 'if': unknown input 'inputs.y'; declared: x",
                "input 'x' is a choice and needs 'options'",
                "input 'y' has type 'number'; use one of: string, boolean, choice");
    }

    @Test
    void schedule_shouldReadUnixCrons_findTheirLastDueTime_andRejectInvalidOnes() throws Exception {
        ScheduleTrigger schedule = on("  schedule:\n    - cron: '*/15 * * * *'\n    - cron: '0 3 * * 1-5'").schedule();
        assertThat(schedule.crons()).containsExactly("*/15 * * * *", "0 3 * * 1-5");
        java.time.Instant at = java.time.Instant.parse("2026-11-26T03:07:30Z"); // a Thursday
        assertThat(ScheduleTrigger.lastDue("*/15 * * * *", at)).contains(java.time.Instant.parse("2026-11-26T03:00:00Z"));
        assertThat(ScheduleTrigger.lastDue("0 3 * * 1-5", java.time.Instant.parse("2026-11-26T03:00:00Z")))
                .as("a due time equal to now counts").contains(java.time.Instant.parse("2026-11-26T03:00:00Z"));
        assertThat(ScheduleTrigger.lastDue("0 3 * * 1-5", java.time.Instant.parse("2026-11-26T02:59:59.900Z")))
                .contains(java.time.Instant.parse("2026-11-25T03:00:00Z"));

        try {
            on("  schedule:\n    - cron: '61 * * * *'\n    - {crn: '* * * * *'}");
        } catch (PipelineException e) {
            assertThat(e.problems()).extracting(ConfigProblem::message).hasSize(2)
                    .anySatisfy(m -> assertThat(m).startsWith("'on.schedule' cron '61 * * * *' is invalid: "))
                    .anySatisfy(m -> assertThat(m).contains("unknown key 'crn'"));
            return;
        }
        throw new AssertionError("expected config errors");
    }
}
