package dev.deltaci.functions.repo;

import java.util.Optional;

/** Reads a file of a repository at an exact commit. */
public interface PipelineSource {

    /**
     * @return the file's text, or empty if the commit has no such file
     * @throws RepositoryUnavailableException if the repository or commit cannot be read now
     */
    Optional<String> read(String cloneUrl, String sha, String path) throws RepositoryUnavailableException;

    static PipelineSource git() {
        return new GitPipelineSource();
    }

    /** The repository could not be read: an infrastructure problem, not a pipeline mistake. */
    final class RepositoryUnavailableException extends Exception {
        public RepositoryUnavailableException(String message) {
            super(message);
        }
    }
}
