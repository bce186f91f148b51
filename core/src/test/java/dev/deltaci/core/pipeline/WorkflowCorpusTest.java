package dev.deltaci.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Real workflow files from public repositories (src/test/resources/workflow-corpus, each named in
 * its SOURCES.md with repository, commit and licence), linted as someone moving to Delta would:
 * with every step that uses a third-party action replaced by one that does nothing, each lints
 * clean or fails only with what docs/coming-from-github-actions.md lists as not supported yet;
 * at least 90% lint clean. {@code -Ddelta.corpus=DIR} lints another directory the same way.
 */
class WorkflowCorpusTest {

    static final Path CORPUS = Path.of(System.getProperty("delta.corpus", "src/test/resources/workflow-corpus"));

    /** What Delta CI does not take yet, as its problems say it; each is listed in the migration guide. */
    static final List<String> NOT_YET = List.of(YamlReader.NOT_YET.get("environment"), YamlReader.NOT_YET.get("volumes"),
            YamlReader.NOT_YET.get("credentials"), StrategyReader.COMPUTED, StepReader.STEP_CONTINUE_EXPRESSION);

    /**
     * Mistakes in the files themselves that GitHub lets pass (it renders a missing name as empty
     * text) and Delta reports: file, and the problem's text.
     */
    static final Map<String, String> MISTAKES_IN_THE_FILE = Map.of(
            "sharkdp+fd__CICD.yml", "'needs.crate_metadata.version': a needed job offers result and outputs");

    @Test
    void realWorkflows_shouldLintClean_onceThirdPartyActionsAreRemoved() throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(CORPUS)) {
            files = listing.filter(p -> p.toString().matches(".*\\.ya?ml")).sorted().toList();
        }
        Map<String, List<String>> failed = new LinkedHashMap<>();
        List<String> unexplained = new ArrayList<>();
        for (Path file : files) {
            String name = file.getFileName().toString();
            String yaml = withoutThirdPartyActions(Files.readString(file, StandardCharsets.UTF_8));
            try {
                PipelineParser.parse(".github/workflows/" + name, yaml);
            } catch (PipelineException e) {
                List<String> problems = e.problems().stream().map(p -> p.line() + ": " + p.message()).toList();
                failed.put(name, problems);
                problems.stream().filter(p -> NOT_YET.stream().noneMatch(p::contains)
                                && !p.contains(MISTAKES_IN_THE_FILE.getOrDefault(name, "\u0000")))
                        .forEach(p -> unexplained.add(name + ":" + p));
            }
        }
        failed.forEach((file, problems) -> System.out.println("not clean: " + file + "\n  " + String.join("\n  ", problems)));
        int clean = files.size() - failed.size();
        System.out.printf("workflow corpus: %d of %d clean (%.1f%%)%n", clean, files.size(), 100.0 * clean / files.size());

        assertThat(files).hasSizeGreaterThanOrEqualTo(30);
        assertThat(unexplained).as("problems that are neither documented as not supported yet nor a mistake in the file")
                .isEmpty();
        assertThat(clean * 100).as("clean files, percent").isGreaterThanOrEqualTo(90 * files.size());
    }

    @Test
    void everyNotYetMessage_shouldBeInTheMigrationGuide() throws IOException {
        String guide = Files.readString(Path.of("../docs/coming-from-github-actions.md"));
        for (String message : NOT_YET) {
            assertThat(guide).as("docs/coming-from-github-actions.md quotes the message").contains(message);
        }
    }

    @Test
    void everyCorpusFile_shouldBeNamedInSources_withItsCommitAndLicence() throws IOException {
        String sources = Files.readString(CORPUS.resolve("SOURCES.md"));
        try (Stream<Path> listing = Files.list(CORPUS)) {
            listing.map(p -> p.getFileName().toString()).filter(n -> n.matches(".*\\.ya?ml")).forEach(name ->
                    assertThat(sources).containsPattern("\\| " + java.util.regex.Pattern.quote(name)
                            + " \\| [^|]+/[^|]+ \\| [0-9a-f]{40} \\| \\.github/workflows/[^|]+ \\| [A-Za-z0-9.\\- ]+ \\|"));
        }
    }

    /** The file with each step that uses an action other than checkout or one in the repository made a no-op. */
    @SuppressWarnings("unchecked")
    static String withoutThirdPartyActions(String yaml) {
        Object root = new Load(LoadSettings.builder().build()).loadFromString(yaml);
        if (root instanceof Map<?, ?> top && top.get("jobs") instanceof Map<?, ?> jobs) {
            for (Object job : jobs.values()) {
                if (job instanceof Map<?, ?> fields && fields.get("steps") instanceof List<?> steps) {
                    List<Object> kept = new ArrayList<>();
                    for (Object step : steps) {
                        if (step instanceof Map<?, ?> s && s.get("uses") instanceof String uses
                                && !uses.startsWith("./") && !uses.startsWith("actions/checkout@")) {
                            // in its place a step that does nothing, keeping its id and if: later steps may name it
                            Map<String, Object> placeholder = new LinkedHashMap<>();
                            placeholder.put("name", "removed: " + uses);
                            for (String key : List.of("id", "if")) {
                                if (s.containsKey(key)) {
                                    placeholder.put(key, s.get(key));
                                }
                            }
                            placeholder.put("run", "true");
                            kept.add(placeholder);
                        } else {
                            kept.add(step);
                        }
                    }
                    ((Map<String, Object>) fields).put("steps", kept);
                }
            }
        }
        return new Dump(DumpSettings.builder().build()).dumpToString(root);
    }
}
