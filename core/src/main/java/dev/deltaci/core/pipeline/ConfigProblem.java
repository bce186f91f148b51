package dev.deltaci.core.pipeline;

/**
 * A mistake in a pipeline file, located to the line and column (both 1-based); or, as a
 * {@code note}, something the file says that Delta CI takes differently from GitHub Actions
 * (an event it does not receive, a timeout above its limit), which does not stop the file.
 */
public record ConfigProblem(String file, int line, int column, String message, boolean note) {

    public ConfigProblem(String file, int line, int column, String message) {
        this(file, line, column, message, false);
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + (note ? "note: " : "") + message;
    }
}
