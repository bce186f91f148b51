package dev.deltaci.core.pipeline;

/** One step of a job: a shell command, with an optional display name. */
public record StepSpec(String name, String run) {
    /** The name shown in logs: the given one, else the command's first line. */
    public String displayName() {
        if (name != null && !name.isBlank()) {
            return name;
        }
        String firstLine = run.strip().lines().findFirst().orElse("");
        return firstLine.length() > 60 ? firstLine.substring(0, 57) + "..." : firstLine;
    }
}
