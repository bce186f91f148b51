package dev.deltaci.core.pipeline;

/** A mistake in a pipeline file, located to the line and column (both 1-based). */
public record ConfigProblem(String file, int line, int column, String message) {

    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }
}
