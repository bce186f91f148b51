package dev.deltaci.functions.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a local repository at a commit with git: a file, its absence, and a commit that is not there. */
class GitPipelineSourceTest {

    private static final String UNKNOWN = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path repo;

    private final PipelineSource git = PipelineSource.git("git");
    private String sha;

    @BeforeEach
    void commit() throws Exception {
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/ci.yml"), "on: push\njobs: {}\n");
        Files.writeString(repo.resolve(".github/workflows/lint.yaml"), "on: push\n");
        git("init", "--quiet");
        git("add", "-A");
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "one");
        Process rev = new ProcessBuilder("git", "-C", repo.toString(), "rev-parse", "HEAD").start();
        sha = new String(rev.getInputStream().readAllBytes()).strip();
    }

    @Test
    void read_shouldGiveTheCommittedBytes_orNothingForAFileTheCommitLacks() throws Exception {
        assertThat(git.read(repo.toString(), sha, ".github/workflows/ci.yml")).contains("on: push\njobs: {}\n");
        assertThat(git.read(repo.toString(), sha, ".delta/pipeline.yml")).isEmpty();
        assertThat(git.read(repo.toString(), sha, ".github/workflows")).as("a directory is no file").isEmpty();
    }

    @Test
    void list_shouldNameTheDirectorysFiles_orNoneForADirectoryTheCommitLacks() throws Exception {
        assertThat(git.list(repo.toString(), sha, ".github/workflows"))
                .containsExactly(".github/workflows/ci.yml", ".github/workflows/lint.yaml");
        assertThat(git.list(repo.toString(), sha, "nowhere")).isEmpty();
    }

    @Test
    void aCommitTheRepositoryLacks_shouldBeUnavailable_notAMissingFile() {
        assertThatThrownBy(() -> git.read(repo.toString(), UNKNOWN, ".github/workflows/ci.yml"))
                .isInstanceOf(PipelineSource.RepositoryUnavailableException.class).hasMessageContaining("is not in");
        assertThatThrownBy(() -> git.list(repo.toString(), UNKNOWN, ".github/workflows"))
                .isInstanceOf(PipelineSource.RepositoryUnavailableException.class).hasMessageContaining("is not in");
    }

    private void git(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git", "-C", repo.toString()));
        command.addAll(List.of(args));
        assertThat(new ProcessBuilder(command).inheritIO().start().waitFor()).isZero();
    }
}
