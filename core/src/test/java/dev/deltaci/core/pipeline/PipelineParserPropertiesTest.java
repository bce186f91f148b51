package dev.deltaci.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Generated pipelines: valid ones parse to what was written; mutated ones (characters deleted,
 * inserted or replaced, lines swapped, text cut short) either parse or fail with positioned
 * problems, and never throw anything else. The parser reads untrusted input in the webhook.
 */
class PipelineParserPropertiesTest {

    /** A generated job: its key, its needs (earlier jobs only, so the DAG is acyclic) and its commands. */
    record GeneratedJob(String key, List<String> needs, List<String> commands) {
    }

    @Provide
    Arbitrary<List<GeneratedJob>> pipelines() {
        return Arbitraries.integers().between(1, 8).flatMap(count -> {
            List<Arbitrary<GeneratedJob>> jobs = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                Arbitrary<List<String>> needs = index == 0 ? Arbitraries.just(List.of())
                        : Arbitraries.integers().between(0, index - 1).map(n -> "job" + n).list().ofMaxSize(3).uniqueElements();
                Arbitrary<List<String>> commands = Arbitraries.strings().withChars("abcdefghij xyz=-_./$\"'")
                        .ofMinLength(1).ofMaxLength(30).filter(c -> !c.isBlank()).list().ofMinSize(1).ofMaxSize(4);
                jobs.add(Combinators.combine(needs, commands).as((n, c) -> new GeneratedJob("job" + index, n, c)));
            }
            return Combinators.combine(jobs).as(list -> list);
        });
    }

    static String yaml(List<GeneratedJob> jobs) {
        StringBuilder text = new StringBuilder("jobs:\n");
        for (GeneratedJob job : jobs) {
            text.append("  ").append(job.key()).append(":\n");
            if (!job.needs().isEmpty()) {
                text.append("    needs: [").append(String.join(", ", job.needs())).append("]\n");
            }
            text.append("    steps:\n");
            for (String command : job.commands()) {
                // single-quoted YAML: a quote is written twice
                text.append("      - run: '").append(command.replace("'", "''")).append("'\n");
            }
        }
        return text.toString();
    }

    @Property(tries = 300)
    void validPipelines_shouldParseToWhatWasWritten(@ForAll("pipelines") List<GeneratedJob> jobs) throws Exception {
        Pipeline pipeline = PipelineParser.parse("p.yml", yaml(jobs));

        Map<String, GeneratedJob> expected = new LinkedHashMap<>();
        jobs.forEach(j -> expected.put(j.key(), j));
        assertThat(pipeline.jobs().keySet()).containsExactlyElementsOf(expected.keySet());
        for (JobSpec job : pipeline.jobs().values()) {
            assertThat(job.needs()).containsExactlyElementsOf(expected.get(job.key()).needs());
            assertThat(job.steps()).extracting(StepSpec::run).containsExactlyElementsOf(expected.get(job.key()).commands());
        }
    }

    @Property(tries = 1000)
    void mutatedPipelines_shouldParseOrFailWithPositions_neverCrash(@ForAll("pipelines") List<GeneratedJob> jobs,
                                                                      @ForAll("mutations") Mutation mutation) {
        String text = mutation.apply(yaml(jobs));
        try {
            PipelineParser.parse("p.yml", text);
        } catch (PipelineException e) {
            assertThat(e.problems()).isNotEmpty().allSatisfy(p -> {
                assertThat(p.line()).isBetween(1, text.split("\n", -1).length + 1);
                assertThat(p.column()).isPositive();
                assertThat(p.message()).isNotBlank();
            });
        }
    }

    /** A change at a relative position (0..1) of the text. */
    record Mutation(String kind, double at, char character) {
        String apply(String text) {
            int i = Math.min(text.length() - 1, (int) (at * text.length()));
            return switch (kind) {
                case "delete" -> text.substring(0, i) + text.substring(i + 1);
                case "insert" -> text.substring(0, i) + character + text.substring(i);
                case "replace" -> text.substring(0, i) + character + text.substring(i + 1);
                case "truncate" -> text.substring(0, i);
                default -> {
                    String[] lines = text.split("\n");
                    int line = Math.min(lines.length - 2, (int) (at * lines.length));
                    if (line < 0) {
                        yield text;
                    }
                    String swap = lines[line];
                    lines[line] = lines[line + 1];
                    lines[line + 1] = swap;
                    yield String.join("\n", lines) + "\n";
                }
            };
        }
    }

    @Provide
    Arbitrary<Mutation> mutations() {
        return Combinators.combine(Arbitraries.of("delete", "insert", "replace", "truncate", "swap-lines"),
                Arbitraries.doubles().between(0, 1), Arbitraries.chars().with(':', '-', '[', ']', '{', '}', ' ', '\n', '\t',
                        '"', '\'', '&', '*', '!', '|', '>', '%', '@', '`', '#', 'x', '\u0000', '\u00e9'))
                .as(Mutation::new);
    }
}
