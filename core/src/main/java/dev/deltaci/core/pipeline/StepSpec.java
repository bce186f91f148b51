package dev.deltaci.core.pipeline;

import java.util.List;
import java.util.Map;

/**
 * One step of a job: a command run by a shell, or the built-in checkout
 * ({@code uses: actions/checkout@...}, which the runner has already done).
 *
 * @param run              the command, or null for the built-in checkout
 * @param shell            {@code bash} (the default), one of {@link #SHELLS}, or a command with {@code {0}}
 *                         where the script's path goes
 * @param workingDirectory a path inside the workspace, or null for its top
 * @param timeoutMinutes   a limit for this step alone, or 0 for none (the job's still applies)
 * @param continueOnError  a failure of this step does not fail the job
 * @param condition        the step's {@code if:} expression, or null for {@code success()}
 * @param id               the step's {@code id}, by which later steps read its outputs and outcome
 *                         ({@code steps.<id>.outputs.<name>}); or null
 */
public record StepSpec(String name, String run, Map<String, String> env, String shell, String workingDirectory,
                       int timeoutMinutes, boolean continueOnError, String condition, String id) {

    public static final String DEFAULT_SHELL = "bash";
    /** GitHub Actions' shells by name; a {@code shell:} may also be a command with {@code {0}} for the script. */
    public static final List<String> SHELLS = List.of("bash", "sh", "python", "pwsh", "powershell", "cmd");

    public StepSpec {
        env = env == null ? Map.of() : Map.copyOf(env);
        shell = shell == null ? DEFAULT_SHELL : shell;
    }

    public StepSpec(String name, String run, Map<String, String> env, String shell, String workingDirectory,
                    int timeoutMinutes, boolean continueOnError, String condition) {
        this(name, run, env, shell, workingDirectory, timeoutMinutes, continueOnError, condition, null);
    }

    /** A plain {@code run:} step with defaults for everything else. */
    public static StepSpec run(String name, String command) {
        return new StepSpec(name, command, Map.of(), DEFAULT_SHELL, null, 0, false, null);
    }

    /** The built-in checkout that {@code uses: actions/checkout@...} stands for. */
    public static StepSpec checkout(String name) {
        return new StepSpec(name, null, Map.of(), DEFAULT_SHELL, null, 0, false, null);
    }

    /** This step with an id. */
    public StepSpec withId(String newId) {
        return new StepSpec(name, run, env, shell, workingDirectory, timeoutMinutes, continueOnError, condition, newId);
    }

    public boolean isCheckout() {
        return run == null;
    }

    /** The name shown in logs: the given one, else the command's first line. */
    public String displayName() {
        if (name != null && !name.isBlank()) {
            return name;
        }
        if (isCheckout()) {
            return "checkout";
        }
        String firstLine = run.strip().lines().findFirst().orElse("");
        return firstLine.length() > 60 ? firstLine.substring(0, 57) + "..." : firstLine;
    }
}
