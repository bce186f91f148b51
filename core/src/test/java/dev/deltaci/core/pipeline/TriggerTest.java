package dev.deltaci.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TriggerTest {

    private static PushTrigger push(String on) throws PipelineException {
        return PipelineParser.parse("p.yml", "on:\n" + on + "\njobs:\n  a:\n    steps: [{run: x}]\n").push();
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
        assertThat(PipelineParser.parse("p.yml", "jobs:\n  a:\n    steps: [{run: x}]\n").push()).isEqualTo(PushTrigger.ALL);

        try {
            push("  push:\n    branches: [main]\n    branches-ignore: [dev]\n  pull_request: {}");
        } catch (PipelineException e) {
            assertThat(e.problems()).extracting(ConfigProblem::message).containsExactly(
                    "'on.push' has both 'branches' and 'branches-ignore'; use one (a '!' pattern in 'branches' excludes)",
                    "'on: pull_request' is not supported yet; Delta CI runs on 'push'");
            return;
        }
        throw new AssertionError("expected config errors");
    }
}
