package dev.deltaci.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The CLI's temporary trees (throwaway repositories, runner work directories), removed when done. */
public final class TempTrees {

    private TempTrees() {
    }

    /** Removes a tree, links themselves and never what they point at; what cannot be removed stays. */
    public static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temporary space: the OS cleans it in the end
        }
    }
}
