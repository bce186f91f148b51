package dev.deltaci.functions.repo;

import java.util.List;
import java.util.Optional;

/** Reads a file of a repository at an exact commit. */
public interface PipelineSource {

    /**
     * @return the file's text, or empty if the commit has no such file
     * @throws RepositoryUnavailableException if the repository or commit cannot be read now
     */
    Optional<String> read(String cloneUrl, String sha, String path) throws RepositoryUnavailableException;

    /**
     * The files directly in a directory at the commit ({@code .github/workflows}), as paths from the
     * repository's top, sorted; empty if the commit has no such directory.
     */
    List<String> list(String cloneUrl, String sha, String directory) throws RepositoryUnavailableException;

    /**
     * The files a push changed: between {@code before} and {@code after}, or those of the
     * {@code after} commit alone when {@code before} is not a commit of the repository (a new
     * branch).
     */
    List<String> changedFiles(String cloneUrl, String before, String after) throws RepositoryUnavailableException;

    /**
     * The files a pull request changes: between the merge base of {@code base} and {@code head}
     * and {@code head} (GitHub's three-dot diff), or those of {@code head} alone when {@code base}
     * is not a commit of the repository.
     */
    List<String> changedInPullRequest(String cloneUrl, String base, String head) throws RepositoryUnavailableException;

    /** A branch or tag and the commit it points at. */
    record ResolvedRef(String ref, String sha) {
    }

    /**
     * The commit a branch or tag points at: {@code ref} is a full ref ({@code refs/heads/main})
     * or a short name, tried as a branch, then as a tag. Empty when there is no such ref.
     */
    Optional<ResolvedRef> resolve(String cloneUrl, String ref) throws RepositoryUnavailableException;

    /** @param gitExecutable the git command: {@code git} from the PATH, or a path to it */
    static PipelineSource git(String gitExecutable) {
        return new GitPipelineSource(gitExecutable);
    }

    /**
     * As a GitHub App: GitHub repositories over the API (as {@code app}, waiting at most
     * {@code patience} for GitHub in one read), local ones with git.
     */
    static PipelineSource forApp(dev.deltaci.functions.github.GitHubApp app, java.time.Duration patience,
                                 String gitExecutable) {
        return new RoutedPipelineSource(git(gitExecutable),
                new GitHubPipelineSource(app.http(), app.tokens(), patience));
    }

    /** The repository could not be read: an infrastructure problem, not a pipeline mistake. */
    final class RepositoryUnavailableException extends Exception {
        public RepositoryUnavailableException(String message) {
            super(message);
        }
    }
}
