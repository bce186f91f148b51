package dev.deltaci.runner;

import dev.deltaci.core.expr.Evaluator;
import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.ExpressionParser;
import dev.deltaci.core.expr.Scope;
import dev.deltaci.core.expr.Template;
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
        Map<String, Object> env = new HashMap<>(job.env());
        if (earlier != null) {
            env.putAll(earlier.env());
        }
        env.putAll(stepEnv);
        return new Scope(Map.of("delta", job.deltaContext(), "env", env, "matrix", job.matrix(), "inputs", job.inputs(),
                "secrets", job.secrets(), "steps", earlier == null ? Map.of() : earlier.stepsContext()), !failed, failed,
                false);
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
