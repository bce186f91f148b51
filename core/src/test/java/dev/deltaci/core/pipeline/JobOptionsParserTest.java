package dev.deltaci.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.core.expr.Scope;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** concurrency, continue-on-error and artifacts as the parser reads and checks them. */
class JobOptionsParserTest {

    private static final String FILE = ".delta/pipeline.yml";

    private static List<ConfigProblem> problems(String yaml) {
        try {
            PipelineParser.parse(FILE, yaml);
        } catch (PipelineException e) {
            return e.problems();
        }
        throw new AssertionError("expected the pipeline to be rejected");
    }

    @Test
    void concurrency_shouldBeReadInBothForms_andRenderedPerRun() throws Exception {
        Pipeline pipeline = PipelineParser.parse(FILE, """
                concurrency: deploy-${{ delta.branch }}
                jobs:
                  migrate:
                    concurrency:
                      group: db-${{ matrix.region }}
                      cancel-in-progress: true
                    continue-on-error: true
                    strategy:
                      matrix:
                        region: [eu, us]
                    steps: [{run: ./migrate}]
                """);

        assertThat(pipeline.concurrency()).isEqualTo(new Concurrency("deploy-${{ delta.branch }}", false));
        assertThat(pipeline.concurrency().render(new Scope(Map.of("delta", Map.of("branch", "main")), true, false, false)))
                .isEqualTo("deploy-main");
        JobSpec migrate = pipeline.jobs().get("migrate");
        assertThat(migrate.concurrency().cancelInProgress()).isTrue();
        assertThat(migrate.continueOnError()).isTrue();
        JobSpec eu = MatrixExpansion.expand(pipeline).get("migrate.1");
        assertThat(eu.concurrency().render(new Scope(Map.of("matrix", eu.matrix().values()), true, false, false)))
                .isEqualTo("db-eu");
    }

    @Test
    void concurrency_shouldRejectAMissingGroup_unknownKeys_andContextsItCannotSee() {
        assertThat(problems("""
                concurrency:
                  cancel-in-progress: true
                jobs:
                  a: {steps: [{run: x}]}
                """)).extracting(ConfigProblem::toString)
                .containsExactly(FILE + ":2:3: 'concurrency' needs 'group': the name of the group whose members run one at a time");
        assertThat(problems("""
                concurrency: deploy-${{ matrix.os }}
                jobs:
                  a: {steps: [{run: x}]}
                """)).extracting(ConfigProblem::message).singleElement().asString()
                .contains("'matrix' is available only in a job with a strategy.matrix");
        assertThat(problems("""
                jobs:
                  a:
                    concurrency: {group: g, cancel-in-progres: true}
                    steps: [{run: x}]
                """)).extracting(ConfigProblem::message).singleElement().asString()
                .contains("cancel-in-progres").contains("did you mean 'cancel-in-progress'");
    }

    @Test
    void artifacts_shouldBeNormalised_andPathsLeavingTheWorkspaceRejected() throws Exception {
        Pipeline pipeline = PipelineParser.parse(FILE, """
                jobs:
                  build:
                    artifacts: [./dist/, report.txt]
                    steps: [{run: make}]
                """);
        assertThat(pipeline.jobs().get("build").artifacts()).containsExactly("dist", "report.txt");

        assertThat(problems("""
                jobs:
                  build:
                    artifacts: [../secrets, /etc/passwd, "dist/*.jar", "a\\tb"]
                    steps: [{run: make}]
                """)).extracting(ConfigProblem::message).containsExactly(
                "job 'build' 'artifacts': '../secrets' must not contain '..'",
                "job 'build' 'artifacts': '/etc/passwd' must be relative to the workspace",
                "job 'build' 'artifacts': 'dist/*.jar' is a pattern; name files or directories (a directory is kept whole)",
                "job 'build' 'artifacts': 'a?b' contains control characters");
    }

    @Test
    void artifactPaths_shouldAcceptPlainRelativeNamesOnly() {
        assertThat(ArtifactPaths.problem("build/libs/app.jar")).isNull();
        assertThat(ArtifactPaths.problem("a/../../b")).isNotNull();
        assertThat(ArtifactPaths.problem("C:\\\\x")).isNotNull();
        assertThat(ArtifactPaths.problem("~/x")).isNotNull();
        assertThat(ArtifactPaths.problem("")).isNotNull();
        assertThat(ArtifactPaths.normalize("./a//b/")).isEqualTo("a/b");
    }

    @Test
    void labels_shouldBeLowerCasedSortedAndChecked() throws Exception {
        Pipeline pipeline = PipelineParser.parse(FILE, "jobs:\n  a:\n    labels: [Linux, gpu, linux]\n    steps: [{run: x}]\n");
        assertThat(pipeline.jobs().get("a").labels()).containsExactly("gpu", "linux");
        assertThat(problems("jobs:\n  a:\n    labels: ['has space']\n    steps: [{run: x}]\n"))
                .extracting(ConfigProblem::message).containsExactly(
                        "job 'a' 'labels': 'has space' is not a label (letters, digits, '.', '_', '-'; at most 32)");
    }

    @Test
    void runnerLabels_shouldOfferEverySubset_andMatchCaseInsensitively() {
        assertThat(RunnerLabels.subsetKeys(List.of("linux", "GPU"))).containsExactly("gpu", "linux", "gpu,linux");
        assertThat(RunnerLabels.key(List.of("linux", "GPU"))).isEqualTo("gpu,linux");
        assertThat(RunnerLabels.subsetKeys(List.of("a", "b", "c", "d", "e", "f"))).hasSize(63);
        assertThat(RunnerLabels.satisfies(List.of("Linux", "gpu"), List.of("linux"))).isTrue();
        assertThat(RunnerLabels.satisfies(List.of("linux"), List.of("linux", "gpu"))).isFalse();
        assertThat(RunnerLabels.satisfies(List.of(), List.of())).isTrue();
    }

    @Test
    void image_shouldAcceptReferencesAndMatrixTemplates_andRejectTheRest() throws Exception {
        Pipeline pipeline = PipelineParser.parse(FILE, """
                jobs:
                  a:
                    image: ghcr.io/owner/tool:1.2@sha256:abc
                    steps: [{run: x}]
                  b:
                    strategy: {matrix: {node: [18, 20]}}
                    image: node:${{ matrix.node }}-alpine
                    steps: [{run: x}]
                """);
        assertThat(pipeline.jobs().get("a").image()).isEqualTo("ghcr.io/owner/tool:1.2@sha256:abc");
        assertThat(pipeline.jobs().get("b").image()).isEqualTo("node:${{ matrix.node }}-alpine");
        assertThat(problems("jobs:\n  a:\n    image: 'node 20'\n    steps: [{run: x}]\n"))
                .extracting(ConfigProblem::message).containsExactly(
                        "job 'a' 'image': 'node 20' is not an image reference, e.g. node:20 or ghcr.io/owner/image:tag");
    }
}
