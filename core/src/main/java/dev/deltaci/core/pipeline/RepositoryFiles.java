package dev.deltaci.core.pipeline;

import java.util.Optional;

/**
 * The other files of the repository at the commit being read, for what a workflow takes from
 * its own repository: composite actions ({@code uses: ./path}) and reusable workflows
 * ({@code uses: ./.github/workflows/x.yml}).
 */
@FunctionalInterface
public interface RepositoryFiles {

    /** The file's text (path from the repository's top), or empty when the commit has none. */
    Optional<String> read(String path);

    /** No repository to read from: a file that uses one of its actions or workflows cannot be read. */
    RepositoryFiles NONE = path -> {
        throw new Unreadable("no repository to read " + path + " from");
    };

    /** The repository could not be read now (not: it has no such file), which trying later may mend. */
    final class Unreadable extends RuntimeException {
        public Unreadable(String message) {
            super(message);
        }
    }
}
