package dev.deltaci.runner;

import dev.deltaci.core.expr.Evaluator;
import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.ExpressionParser;
import dev.deltaci.core.expr.Scope;
import dev.deltaci.core.expr.Template;
import dev.deltaci.core.pipeline.MatrixInstance;
import dev.deltaci.api.CompleteRequest;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code ${{ }}} expressions of a leased job as this runner evaluates them: its env values,
 * each step's {@code if:}, command, env and name, and the job's {@code image:}.
 */
final class JobExpressions {

    private JobExpressions() {
    }

    /** The job with {@code ${{ }}} in its env values replaced (they may use delta and the raw env). */
    static LeasedJob withRenderedEnv(LeasedJob job) {
        Scope scope = scope(job, Map.of(), false, null);
        Map<String, String> env = new HashMap<>();
        for (Map.Entry<String, String> entry : job.env().entrySet()) {
            try {
                env.put(entry.getKey(), Template.parse(entry.getValue()).render(scope));
            } catch (ExpressionException e) {
                env.put(entry.getKey(), entry.getValue()); // checked when the pipeline was read; left as written
            }
        }
        return job.withEnv(env);
    }

    /**
     * What a step's expressions see: delta, the env (the job's, what earlier steps set, the step's),
     * the earlier steps ({@code steps.<id>}), and how the job has gone.
     */
    static Scope scope(LeasedJob job, Map<String, String> stepEnv, boolean failed, StepFiles earlier) {
        return scope(job, stepEnv, failed, earlier, null);
    }

    /**
     * As above, with GitHub's names for the run ({@code github}, with the workspace), the jobs it
     * needs ({@code needs}), its matrix ({@code strategy}), this runner ({@code runner}) and
     * {@code job.status}; {@code hashFiles()} reads {@code workspace} (null: not yet checked out).
     */
    static Scope scope(LeasedJob job, Map<String, String> stepEnv, boolean failed, StepFiles earlier, Path workspace) {
        return scope(job, stepEnv, failed, earlier, workspace, Map.of());
    }

    /** As above, with {@code job.services} (each started service's id, network and {@code ports}). */
    static Scope scope(LeasedJob job, Map<String, String> stepEnv, boolean failed, StepFiles earlier, Path workspace,
                       Map<String, Object> services) {
        Map<String, Object> env = new HashMap<>(job.env());
        if (earlier != null) {
            env.putAll(earlier.env());
        }
        env.putAll(stepEnv);
        Map<String, Object> github = new HashMap<>(job.github());
        github.put("workspace", workspace == null ? "" : workspace.toString());
        Map<String, Object> contexts = new HashMap<>();
        contexts.put("delta", job.deltaContext());
        contexts.put("github", github);
        contexts.put("env", env);
        contexts.put("matrix", MatrixInstance.context(job.matrix()));
        contexts.put("inputs", job.inputs());
        contexts.put("secrets", job.secrets());
        contexts.put("steps", earlier == null ? Map.of() : earlier.stepsContext());
        contexts.put("needs", job.needs());
        contexts.put("strategy", job.strategy());
        contexts.put("runner", RUNNER);
        contexts.put("job", Map.of("status", failed ? "failure" : "success", "services", services));
        return new Scope(contexts, !failed, failed, false,
                workspace == null ? Scope.NO_FILES : patterns -> HashFiles.hash(workspace, patterns));
    }

    /** {@code runner.*} in GitHub's words: Linux, macOS or Windows; X64 or ARM64. */
    static final Map<String, Object> RUNNER = runnerContext();

    private static Map<String, Object> runnerContext() {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(java.util.Locale.ROOT);
        return Map.of("os", os.contains("mac") ? "macOS" : os.contains("win") ? "Windows" : "Linux",
                "arch", arch.contains("aarch64") || arch.contains("arm64") ? "ARM64" : arch.contains("arm") ? "ARM" : "X64",
                "temp", System.getProperty("java.io.tmpdir", "/tmp"), "name", "delta-runner", "environment", "self-hosted",
                "debug", "");
    }

    /**
     * The job's {@code outputs:} rendered with what its steps wrote: what the jobs that need it
     * read as {@code needs.<job>.outputs}. An output that cannot be rendered, or that holds a
     * secret's value (GitHub withholds those too), is left out with a line in the log; so is
     * everything past {@link CompleteRequest#MAX_OUTPUT_BYTES}.
     */
    static Map<String, String> outputs(LeasedJob job, StepFiles steps, Path workspace, LogStreamer log) {
        Scope scope = scope(job, Map.of(), false, steps, workspace);
        Map<String, String> outputs = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, String> output : job.outputs().entrySet()) {
            String value;
            try {
                value = Template.parse(output.getValue()).render(scope);
            } catch (ExpressionException | RuntimeException e) {
                log.line("::delta:: output '" + output.getKey() + "' left out: cannot evaluate it: " + e.getMessage());
                continue;
            }
            if (log.hidesPartOf(value)) {
                log.line("::delta:: output '" + output.getKey() + "' left out: it holds a secret or a masked value");
                continue;
            }
            Map<String, String> with = new java.util.LinkedHashMap<>(outputs);
            with.put(output.getKey(), value);
            if (CompleteRequest.outputBytes(with) > CompleteRequest.MAX_OUTPUT_BYTES) {
                log.line("::delta:: output '" + output.getKey() + "' left out: the job's outputs would pass "
                        + CompleteRequest.MAX_OUTPUT_BYTES + " bytes");
                continue;
            }
            outputs.put(output.getKey(), value);
        }
        return outputs;
    }

    static boolean shouldRun(LeasedJob.Step step, Scope scope, LogStreamer log) {
        String condition = step.condition() == null ? "success()" : step.condition();
        try {
            if (Evaluator.condition(ExpressionParser.parse(condition), scope)) {
                return true;
            }
            log.line("::delta:: skipped: if: " + condition + " is false");
        } catch (ExpressionException e) {
            log.line("::delta:: skipped: if: " + condition + " cannot be evaluated: " + e.getMessage());
        }
        return false;
    }

    /** The step with {@code ${{ }}} in its command and env values replaced. */
    static LeasedJob.Step render(LeasedJob.Step step, Scope scope) throws ExpressionException {
        if (step.checkout()) {
            return step;
        }
        Map<String, String> env = new HashMap<>();
        for (Map.Entry<String, String> entry : step.env().entrySet()) {
            env.put(entry.getKey(), Template.parse(entry.getValue()).render(scope));
        }
        return new LeasedJob.Step(step.name(), false, Template.parse(step.run()).render(scope), step.shell(), env,
                step.workingDirectory(), step.timeoutMillis(), step.continueOnError(), step.condition(), step.id());
    }

    /** A step's name with its {@code ${{ }}} rendered (as written if it cannot be). */
    static String displayName(LeasedJob.Step step, Scope scope) {
        try {
            return Template.parse(step.name()).render(scope);
        } catch (ExpressionException | RuntimeException e) {
            return step.name();
        }
    }

    /**
     * The job's {@code image:} with its {@code ${{ }}} rendered, once this runner is known to run
     * containers; null (and the reason logged) when it cannot.
     */
    static String containerImage(LeasedJob job, LogStreamer log) {
        String image;
        try {
            image = Template.parse(job.image()).render(scope(job, Map.of(), false, null)).strip();
        } catch (ExpressionException | RuntimeException e) {
            log.line("::delta:: cannot evaluate 'image: " + job.image() + "': " + e.getMessage());
            return null;
        }
        if (!image.matches("[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}")) {
            log.line("::delta:: 'image: " + image + "' is not an image reference");
            return null;
        }
        Optional<String> problem = ContainerStep.dockerProblem(StepProcess.stepEnvironment(job, Path.of(".")));
        if (problem.isPresent()) {
            log.line("::delta:: the job runs in image " + image + ", but this runner cannot run containers: "
                    + problem.get() + ". Run such jobs on runners with Docker: start them with a label "
                    + "(e.g. --labels docker) and list it in the job's 'labels'.");
            return null;
        }
        log.line("::delta:: steps run in containers of image " + image);
        return image;
    }
}
