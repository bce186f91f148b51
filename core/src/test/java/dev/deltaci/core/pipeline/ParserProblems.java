package dev.deltaci.core.pipeline;

import java.util.List;

/** A pipeline's problems as "line: message", in the order the parser gives them; none when it parses. */
final class ParserProblems {

    private ParserProblems() {
    }

    static List<String> of(String yaml) {
        try {
            PipelineParser.parse(".delta/pipeline.yml", yaml);
            return List.of();
        } catch (PipelineException e) {
            return e.problems().stream().map(p -> p.line() + ": " + p.message()).toList();
        }
    }
}
