package dev.deltaci.local.support;

import dev.deltaci.local.DeltaHome;
import dev.deltaci.local.repo.LocalRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Repositories for tests: a directory with the given pipeline, committed into a throwaway repo. */
public final class Fixtures {

    private Fixtures() {
    }

    public static LocalRepository repoWithPipeline(String pipelineYaml) throws Exception {
        Path dir = Files.createTempDirectory("delta-fixture-");
        Files.createDirectories(dir.resolve(".delta"));
        Files.writeString(dir.resolve(".delta/pipeline.yml"), pipelineYaml);
        try {
            return LocalRepository.resolve(dir, null);
        } finally {
            deleteTree(dir);
        }
    }

    /** A repository of these files (path from the top to text), committed. */
    public static LocalRepository repoWithFiles(java.util.Map<String, String> files) throws Exception {
        Path dir = Files.createTempDirectory("delta-fixture-");
        for (java.util.Map.Entry<String, String> file : files.entrySet()) {
            Files.createDirectories(dir.resolve(file.getKey()).getParent());
            Files.writeString(dir.resolve(file.getKey()), file.getValue());
        }
        try {
            return LocalRepository.resolve(dir, null);
        } finally {
            deleteTree(dir);
        }
    }

    public static Path example(String name) {
        return DeltaHome.locate().resolve("examples").resolve(name);
    }

    /** Deletes a test's temporary directory and everything in it (nothing if it is gone). */
    public static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
