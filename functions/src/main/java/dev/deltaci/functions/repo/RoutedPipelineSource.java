package dev.deltaci.functions.repo;

import java.util.List;
import java.util.Optional;

/**
 * Local repositories (a path or {@code file://}) are read with git, as on a laptop; GitHub
 * repositories (an {@code https://} or {@code git@} clone URL) over the API as the App, which needs
 * no git (Lambda has none).
 */
final class RoutedPipelineSource implements PipelineSource {

    private final PipelineSource git;
    private final PipelineSource github;

    RoutedPipelineSource(PipelineSource git, PipelineSource github) {
        this.git = git;
        this.github = github;
    }

    private PipelineSource of(String cloneUrl) {
        return GitHubPipelineSource.repositoryOf(cloneUrl).isPresent() ? github : git;
    }

    @Override
    public Optional<String> read(String cloneUrl, String sha, String path) throws RepositoryUnavailableException {
        return of(cloneUrl).read(cloneUrl, sha, path);
    }

    @Override
    public List<String> list(String cloneUrl, String sha, String directory) throws RepositoryUnavailableException {
        return of(cloneUrl).list(cloneUrl, sha, directory);
    }

    @Override
    public List<String> changedFiles(String cloneUrl, String before, String after) throws RepositoryUnavailableException {
        return of(cloneUrl).changedFiles(cloneUrl, before, after);
    }

    @Override
    public List<String> changedInPullRequest(String cloneUrl, String base, String head)
            throws RepositoryUnavailableException {
        return of(cloneUrl).changedInPullRequest(cloneUrl, base, head);
    }

    @Override
    public Optional<ResolvedRef> resolve(String cloneUrl, String ref) throws RepositoryUnavailableException {
        return of(cloneUrl).resolve(cloneUrl, ref);
    }
}
