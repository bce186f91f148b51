package dev.deltaci.core.pipeline;

import java.util.List;
import java.util.stream.Collectors;

/** The pipeline file is invalid; carries every problem found, each with its position. */
public final class PipelineException extends Exception {

    private final List<ConfigProblem> problems;

    public PipelineException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
