package dev.deltaci.functions.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rules docs/architecture/code-map.md states for the functions' packages, read from the
 * sources: no package cycle, the wiring is imported only by the Lambda handlers, and the store
 * and the queue know nothing of the services that use them.
 */
class PackageBoundariesTest {

    private static final String BASE = "dev.deltaci.functions.";
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.deltaci\\.functions\\.([a-z]+)\\.[A-Z]");
    private static final Map<String, Set<String>> USES = new TreeMap<>();

    @BeforeAll
    static void read() throws IOException {
        Path root = Path.of("src/main/java/dev/deltaci/functions");
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = root.relativize(file.getParent()).toString().replace('/', '.');
                Matcher m = REFERENCE.matcher(Files.readString(file));
                Set<String> uses = USES.computeIfAbsent(pkg, p -> new TreeSet<>());
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        uses.add(m.group(1));
                    }
                }
            }
        }
    }

    @Test
    void thePackages_shouldFormNoCycle() {
        assertThat(USES).as("packages read").containsKeys("wiring", "attempt", "run", "store", "security");
        List<String> cycles = new ArrayList<>();
        for (String start : USES.keySet()) {
            findCycle(start, start, new ArrayList<>(List.of(start)), new HashSet<>(), cycles);
        }
        assertThat(cycles).as("package cycles (each a -> b means a uses b)").isEmpty();
    }

    @Test
    void onlyTheHandlers_shouldUseTheWiring() {
        USES.forEach((pkg, uses) -> {
            if (!pkg.equals("handlers")) {
                assertThat(uses).as(BASE + pkg + " uses").doesNotContain("wiring");
            }
        });
    }

    @Test
    void theStoreAndTheAdapters_shouldNotKnowTheServicesThatUseThem() {
        for (String lower : List.of("store", "queue", "logs", "artifacts", "security", "http", "metrics", "github")) {
            assertThat(USES.getOrDefault(lower, Set.of())).as(BASE + lower + " uses")
                    .doesNotContain("attempt", "run", "trigger", "sweeper", "scale", "handlers", "wiring");
        }
    }

    private static void findCycle(String start, String at, List<String> path, Set<String> seen, List<String> cycles) {
        for (String next : USES.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                cycles.add(String.join(" -> ", path) + " -> " + start);
            } else if (seen.add(next)) {
                path.add(next);
                findCycle(start, next, path, seen, cycles);
                path.remove(path.size() - 1);
            }
        }
    }
}
