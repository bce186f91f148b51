package dev.deltaci.local.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.core.ops.Health;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.local.DeltaHome;
import dev.deltaci.local.cli.DeltaCli;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * "Operational behaviour must never drift undocumented": every metric, CLI command and option,
 * configuration key and resource the docs name exists in the code, and the docs' tables of
 * metrics and health thresholds are exactly the code's.
 */
class DocsTruthTest {

    private static final Path HOME = DeltaHome.locate();
    /** Code spans and fenced code lines: where docs name things. */
    private static final Pattern INLINE_CODE = Pattern.compile("`([^`\n]+)`");
    private static final Pattern PROMETHEUS_NAME = Pattern.compile("\\bdelta_[a-z0-9_]+");
    private static final Pattern DELTA_COMMAND = Pattern.compile("(?:^|[\\s(])(?:\\./)?delta ([a-z][a-z-]*)((?: [^|;`]*)?)");
    private static final Pattern OPTION = Pattern.compile("(?<![\\w-])--[a-z][a-z0-9-]+");
    private static final Pattern UPPER_SNAKE = Pattern.compile("\\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\\b");
    private static final Pattern CAMEL = Pattern.compile("\\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\\b");
    /** Code spans that are other tools' command lines: their options are not ours. */
    private static final Pattern FOREIGN_COMMAND = Pattern.compile("^(?:[a-z_]+=\\$\\()?(aws|sam|mvn|docker|curl|git|npm|java|jq|openssl|iptables|journalctl) ");

    private static String corpus;
    private static Map<Path, List<String>> docSpans;

    @BeforeAll
    static void read() throws IOException {
        StringBuilder code = new StringBuilder();
        for (String root : List.of("core/src", "api/src", "functions/src", "runner/src", "local/src", "infra", "localstack",
                ".ci", "delta")) {
            try (Stream<Path> files = Files.walk(HOME.resolve(root))) {
                files.filter(Files::isRegularFile).filter(f -> !f.toString().contains("node_modules"))
                        .forEach(f -> code.append(readString(f)).append('\n'));
            }
        }
        corpus = code.toString();
        docSpans = new LinkedHashMap<>();
        try (Stream<Path> files = Stream.concat(Files.walk(HOME.resolve("docs")), Stream.of(HOME.resolve("README.md")))) {
            files.filter(f -> f.toString().endsWith(".md")).forEach(f -> docSpans.put(f, spans(readString(f))));
        }
    }

    @Test
    void everyPrometheusNameInTheDocs_shouldBeOneTheRegistryServes() {
        Set<String> served = Arrays.stream(Metric.values())
                .flatMap(m -> Stream.of(m.prometheusName(), m.prometheusName() + "_sum", m.prometheusName() + "_count"))
                .collect(Collectors.toSet());
        List<String> unknown = new ArrayList<>();
        forEachSpan((doc, span) -> matches(PROMETHEUS_NAME, span).stream().filter(n -> !served.contains(n))
                .forEach(n -> unknown.add(doc.getFileName() + ": " + n)));

        assertThat(unknown).isEmpty();
    }

    @Test
    void theMetricsTable_shouldListExactlyTheMetricsTheCodeEmits() throws IOException {
        Map<String, String> documented = new LinkedHashMap<>();
        Matcher row = Pattern.compile("(?m)^\\| `([A-Za-z]+)` \\| `(delta_[a-z0-9_]+)` \\|")
                .matcher(Files.readString(HOME.resolve("docs/operations/observability.md")));
        while (row.find()) {
            documented.put(row.group(1), row.group(2));
        }
        Map<String, String> emitted = new LinkedHashMap<>();
        for (Metric metric : Metric.values()) {
            emitted.put(metric.metricName(), metric.prometheusName());
        }

        assertThat(documented).containsExactlyInAnyOrderEntriesOf(emitted);
    }

    @Test
    void theThresholdTable_shouldBeExactlyHealthsChecks() throws IOException {
        Map<String, String> documented = new LinkedHashMap<>();
        Matcher row = Pattern.compile("(?m)^\\| `([a-z0-9_]+)` \\| ([0-9—]+) \\| ([0-9—]+) \\|")
                .matcher(Files.readString(HOME.resolve("docs/operations/observability.md")));
        while (row.find()) {
            documented.put(row.group(1), row.group(2) + "/" + row.group(3));
        }
        Map<String, String> code = new LinkedHashMap<>();
        for (Health.Check check : Health.evaluate(new Health.Snapshot(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, 0, 0)).checks()) {
            code.put(check.name(), limit(check.warnAt()) + "/" + limit(check.criticalAt()));
        }

        assertThat(documented).containsExactlyInAnyOrderEntriesOf(code);
    }

    @Test
    void everyDeltaCommandAndOptionInTheDocs_shouldExist() {
        CommandLine cli = new CommandLine(new DeltaCli());
        List<String> unknown = new ArrayList<>();
        forEachSpan((doc, span) -> {
            Matcher m = DELTA_COMMAND.matcher(span);
            while (m.find()) {
                CommandLine command = cli.getSubcommands().get(m.group(1));
                if (command == null) {
                    unknown.add(doc.getFileName() + ": delta " + m.group(1));
                    continue;
                }
                String rest = m.group(2);
                Matcher sub = Pattern.compile("^ ([a-z][a-z-]*)").matcher(rest);
                if (sub.find() && command.getSubcommands().containsKey(sub.group(1))) {
                    command = command.getSubcommands().get(sub.group(1));
                }
                for (String option : matches(OPTION, rest)) {
                    if (command.getCommandSpec().findOption(option) == null) {
                        unknown.add(doc.getFileName() + ": delta " + command.getCommandName() + " " + option);
                    }
                }
            }
        });

        assertThat(unknown).isEmpty();
    }

    @Test
    void everyOptionConfigurationKeyAndNameInTheDocs_shouldExistInTheCode() {
        Set<String> missing = new TreeSet<>();
        forEachSpan((doc, span) -> {
            if (FOREIGN_COMMAND.matcher(span).find()) {
                return;
            }
            for (String option : matches(OPTION, span)) {
                if (!corpus.contains("\"" + option + "\"")) {
                    missing.add(doc.getFileName() + ": " + option);
                }
            }
            for (Pattern names : List.of(UPPER_SNAKE, CAMEL)) {
                for (String name : matches(names, span)) {
                    if (!corpus.contains(name)) {
                        missing.add(doc.getFileName() + ": " + name);
                    }
                }
            }
        });

        assertThat(missing).isEmpty();
    }

    @Test
    void aNameTheCodeDoesNotHave_shouldBeCaught() {
        // the negative control: names made up here (built, so that this file does not hold them) are seen
        String metric = "Lease" + "Evaporated";
        String key = "LEASE_TTL_" + "FORTNIGHTS";
        List<String> spans = spans("Watch `" + metric + "` and `QueueDepth`; set `" + key + "`.\n");
        assertThat(corpus).doesNotContain(metric).doesNotContain(key).contains("QueueDepth");
        assertThat(spans.stream().flatMap(span -> matches(CAMEL, span).stream())).containsExactly(metric, "QueueDepth");
        assertThat(spans.stream().flatMap(span -> matches(UPPER_SNAKE, span).stream())).containsExactly(key);
        assertThat(new CommandLine(new DeltaCli()).getSubcommands()).doesNotContainKey("explode");
    }

    private interface SpanVisitor {
        void visit(Path doc, String span);
    }

    private static void forEachSpan(SpanVisitor visitor) {
        docSpans.forEach((doc, spans) -> spans.forEach(span -> visitor.visit(doc, span)));
    }

    /**
     * Inline code spans, and each command of fenced code blocks (lines ending in a backslash
     * joined). Pipeline examples (yaml and json fences) are the users' code, not claims about ours.
     */
    static List<String> spans(String markdown) {
        List<String> spans = new ArrayList<>();
        boolean fenced = false;
        boolean example = false;
        StringBuilder command = new StringBuilder();
        for (String line : markdown.split("\n")) {
            String stripped = line.strip();
            if (stripped.startsWith("```")) {
                fenced = !fenced;
                example = fenced && stripped.matches("```\\s*(yaml|yml|json).*");
                continue;
            }
            if (fenced) {
                if (example) {
                    continue;
                }
                command.append(stripped.endsWith("\\") ? stripped.substring(0, stripped.length() - 1) : stripped);
                if (!stripped.endsWith("\\")) {
                    spans.add(command.toString().strip());
                    command.setLength(0);
                }
                continue;
            }
            Matcher m = INLINE_CODE.matcher(line);
            while (m.find()) {
                spans.add(m.group(1).strip());
            }
        }
        return spans;
    }

    private static List<String> matches(Pattern pattern, String text) {
        List<String> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group());
        }
        return found;
    }

    private static String limit(Long value) {
        return value == null ? "—" : value.toString();
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (java.nio.charset.MalformedInputException e) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
