package dev.deltaci.core.pipeline;

import static dev.deltaci.core.pipeline.PipelineParser.DELTA_CONTEXT;

import dev.deltaci.core.expr.Expr;
import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.ExpressionParser;
import dev.deltaci.core.expr.Template;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * The expressions a pipeline holds, checked where they are written: {@code if:} conditions and
 * {@code ${{ }}} in commands, env values, groups and images may name only the contexts available
 * there (secrets only in commands and env; matrix keys the job has; inputs the manual trigger declares).
 */
final class ExpressionChecks extends YamlReader {

    ExpressionChecks(String file, List<ConfigProblem> problems) {
        super(file, problems);
    }

    /** The inputs {@code on: workflow_dispatch} declares, or null when it is not listed. */
    void declareInputs(Set<String> inputs) {
        declaredInputs = inputs;
    }

    /** The matrix keys of the job being read (null: it has no matrix), for everything read until the next job. */
    void matrixInScope(Strategy strategy) {
        matrixKeysInScope = strategy == null ? null : matrixKeys(strategy);
        matrixRefused = false;
    }

    /**
     * The job has a matrix that could not be read (its problem is reported): its {@code matrix.*}
     * are not checked, since "no matrix" or "unknown key" would contradict the file.
     */
    void matrixRefused() {
        matrixKeysInScope = null;
        matrixRefused = true;
    }

    /** Whether the job being read has a matrix that could not be read. */
    boolean isMatrixRefused() {
        return matrixRefused;
    }

    Set<String> matrixKeysInScope() {
        return matrixKeysInScope;
    }

    /**
     * The ids of the steps before the one being read (null: not reading a step), which its
     * {@code steps.<id>} may name: a step reads only what ran before it.
     */
    void stepsInScope(Set<String> earlierStepIds) {
        stepIdsInScope = earlierStepIds == null ? null : Set.copyOf(earlierStepIds);
    }

    /** The job being read's {@code needs} (null: between jobs), which its env and steps may read as {@code needs.<id>}. */
    void needsInScope(List<String> needs) {
        needsInScope = needs == null ? null : List.copyOf(needs);
    }

    /** What {@code github.*} offers: the triggering event and the run, named as GitHub Actions names them. */
    static final Set<String> GITHUB_CONTEXT = Set.of("action", "action_path", "action_ref", "action_repository",
            "action_status", "actor", "actor_id", "api_url", "base_ref", "env", "event", "event_name", "event_path",
            "graphql_url", "head_ref", "job", "path", "ref", "ref_name", "ref_protected", "ref_type", "repository",
            "repository_id", "repository_owner", "repository_owner_id", "repositoryUrl", "retention_days", "run_id",
            "run_number", "run_attempt", "secret_source", "server_url", "sha", "token", "triggering_actor", "workflow",
            "workflow_ref", "workflow_sha", "workspace");
    /** What {@code runner.*} offers in steps. */
    static final Set<String> RUNNER_CONTEXT = Set.of("name", "os", "arch", "temp", "tool_cache", "debug", "environment",
            "workspace");
    /** What {@code strategy.*} offers in a job. */
    static final Set<String> STRATEGY_CONTEXT = Set.of("fail-fast", "job-index", "job-total", "max-parallel");
    /** What {@code job.*} offers in steps. */
    static final Set<String> JOB_CONTEXT = Set.of("status", "container", "services", "check_run_id");

    /** What {@code steps.<id>} offers. */
    static final Set<String> STEP_FIELDS = Set.of("outputs", "outcome", "conclusion");

    /** Contexts a runner can offer to step conditions and {@code ${{ }}} in commands and env values. */
    private static final Set<String> RUNNER_CONTEXTS = Set.of("delta", "github", "env", "inputs", "strategy");
    /** Where secrets may appear: commands and env values, never conditions, groups or images. */
    private static final Set<String> SECRET_CONTEXTS = Set.of("delta", "github", "env", "inputs", "secrets");

    /** An {@code if:}, written bare or as {@code ${{ ... }}}; returns the bare expression text. */
    String condition(Node node, String where, Set<String> contexts, List<String> needs) {
        String text = scalar(node, where);
        if (text == null) {
            return null;
        }
        String bare = text.strip();
        if (bare.startsWith("${{") && bare.endsWith("}}")) {
            bare = bare.substring(3, bare.length() - 2);
        }
        try {
            checkNames(ExpressionParser.parse(bare), contexts, needs);
            return bare.strip();
        } catch (ExpressionException e) {
            problem(node, where + ": " + e.getMessage());
            return null;
        }
    }

    /** {@code ${{ }}} inside a command or env value: parsed now, evaluated by the runner (secrets allowed). */
    void checkTemplate(Node node, String text, String where) {
        try {
            Set<String> contexts = new HashSet<>(runnerContexts());
            contexts.addAll(SECRET_CONTEXTS);
            for (Template.Placeholder placeholder : Template.parse(text).placeholders()) {
                checkNames(placeholder.expr(), contexts, needsInScope == null ? List.of() : needsInScope);
            }
        } catch (ExpressionException e) {
            problem(node, where + ": " + e.getMessage());
        }
    }

    /** The inputs {@code on: workflow_dispatch} declares, or null when it is not listed. */
    private Set<String> declaredInputs;

    /** Matrix keys the job being read offers, or null when it has no matrix. */
    private Set<String> matrixKeysInScope;

    private boolean matrixRefused;

    /** Ids of the earlier steps of the step being read, or null outside steps. */
    private Set<String> stepIdsInScope;

    /** The needs of the job being read, or null between jobs. */
    private List<String> needsInScope;

    /** The needs a step's or a job env's {@code needs.<id>} may name. */
    List<String> needsInScope() {
        return needsInScope == null ? List.of() : needsInScope;
    }

    Set<String> runnerContexts() {
        Set<String> contexts = new HashSet<>(RUNNER_CONTEXTS);
        if (matrixKeysInScope != null || matrixRefused) {
            contexts.add("matrix");
        }
        if (stepIdsInScope != null) {
            contexts.addAll(List.of("steps", "runner", "job"));
        }
        if (needsInScope != null) {
            contexts.add("needs");
        }
        return Set.copyOf(contexts);
    }

    /** Every context an expression names must be available where it is used. */
    void checkNames(Expr expr, Set<String> contexts, List<String> needs) throws ExpressionException {
        if (expr instanceof Expr.Path path) {
            String context = path.context();
            if (context.equals("secrets") && !contexts.contains("secrets")) {
                throw new ExpressionException(path.offset(), "'secrets' is available only in 'run' and 'env' "
                        + "(a secret never decides what runs, nor names a group or an image)");
            }
            if (context.equals("secrets") && !path.keys().isEmpty() && path.keys().get(0) instanceof Expr.Literal name
                    && name.value() instanceof String secret && !ENV_NAME.matcher(secret).matches()) {
                throw new ExpressionException(path.offset(), "'secrets." + secret + "' is not a secret name "
                        + "(letters, digits and '_', not starting with a digit)");
            }
            if (context.equals("inputs") && declaredInputs == null) {
                throw new ExpressionException(path.offset(),
                        "'inputs' is available only when 'on: workflow_dispatch' declares inputs");
            }
            if (context.equals("matrix") && !contexts.contains("matrix")) {
                throw new ExpressionException(path.offset(), matrixKeysInScope == null
                        ? "'matrix' is available only in a job with a strategy.matrix"
                        : "'matrix' is not available in a job's 'if' (it is decided before the matrix is expanded)");
            }
            if (context.equals("steps") && !contexts.contains("steps")) {
                throw new ExpressionException(path.offset(), "'steps' is available only in a step's 'run', 'env' and "
                        + "'if' (the outputs and outcome of the earlier steps of its job)");
            }
            if (!contexts.contains(context)) {
                throw new ExpressionException(path.offset(), "unknown context '" + context + "'; available here: "
                        + String.join(", ", contexts.stream()
                                .filter(c -> declaredInputs != null || !c.equals("inputs")).sorted().toList()));
            }
            if (!path.keys().isEmpty() && path.keys().get(0) instanceof Expr.Literal first && first.value() instanceof String key) {
                checkField(path, context, key, "github", GITHUB_CONTEXT);
                checkField(path, context, key, "runner", RUNNER_CONTEXT);
                checkField(path, context, key, "strategy", STRATEGY_CONTEXT);
                checkField(path, context, key, "job", JOB_CONTEXT);
                if (context.equals("needs") && path.keys().size() > 1 && path.keys().get(1) instanceof Expr.Literal field
                        && field.value() instanceof String name && !NEEDS_FIELDS.contains(name)) {
                    throw new ExpressionException(path.offset(), "'needs." + key + "." + name + "': a needed job offers "
                            + "result and outputs");
                }
                if (context.equals("delta") && !DELTA_CONTEXT.contains(key)) {
                    throw new ExpressionException(path.offset(), "unknown name 'delta." + key + "'; delta offers: "
                            + String.join(", ", DELTA_CONTEXT.stream().sorted().toList()));
                }
                if (context.equals("inputs") && !declaredInputs.contains(key)) {
                    throw new ExpressionException(path.offset(), "unknown input 'inputs." + key + "'; declared: "
                            + (declaredInputs.isEmpty() ? "none" : String.join(", ", declaredInputs.stream().sorted().toList())));
                }
                if (context.equals("matrix") && !matrixRefused && !matrixKeysInScope.contains(key)) {
                    throw new ExpressionException(path.offset(), "unknown name 'matrix." + key + "'; the matrix has: "
                            + String.join(", ", matrixKeysInScope.stream().sorted().toList()));
                }
                if (context.equals("steps") && !stepIdsInScope.contains(key)) {
                    throw new ExpressionException(path.offset(), "'steps." + key + "': no earlier step of this job has "
                            + "id '" + key + "'" + (stepIdsInScope.isEmpty() ? "" : "; earlier ids: "
                            + String.join(", ", stepIdsInScope.stream().sorted().toList())));
                }
                if (context.equals("steps") && path.keys().size() > 1 && path.keys().get(1) instanceof Expr.Literal field
                        && field.value() instanceof String name && !STEP_FIELDS.contains(name)) {
                    throw new ExpressionException(path.offset(), "'steps." + key + "." + name + "': a step offers "
                            + "outputs, outcome and conclusion");
                }
                if (context.equals("needs") && !needs.contains(key)) {
                    throw new ExpressionException(path.offset(), "'needs." + key + "': '" + key
                            + "' is not in this job's needs");
                }
            }
            for (Expr key : path.keys()) {
                checkNames(key, contexts, needs);
            }
        } else if (expr instanceof Expr.Not not) {
            checkNames(not.operand(), contexts, needs);
        } else if (expr instanceof Expr.Binary binary) {
            checkNames(binary.left(), contexts, needs);
            checkNames(binary.right(), contexts, needs);
        } else if (expr instanceof Expr.Call call) {
            if (call.function().equals("hashFiles") && !contexts.contains("steps")) {
                throw new ExpressionException(call.offset(), "hashFiles() reads the job's workspace; it is available "
                        + "only in a step's 'run', 'env' and 'if'");
            }
            for (Expr argument : call.arguments()) {
                checkNames(argument, contexts, needs);
            }
        } else if (expr instanceof Expr.Member member) {
            checkNames(member.target(), contexts, needs);
            for (Expr key : member.keys()) {
                checkNames(key, contexts, needs);
            }
        }
    }

    /** What {@code needs.<id>} offers. */
    static final Set<String> NEEDS_FIELDS = Set.of("result", "outputs");

    private static void checkField(Expr.Path path, String context, String key, String named, Set<String> offered)
            throws ExpressionException {
        if (context.equals(named) && !offered.contains(key)) {
            throw new ExpressionException(path.offset(), "unknown name '" + named + "." + key + "'; " + named
                    + " offers: " + String.join(", ", offered.stream().sorted().toList()));
        }
    }

    static Set<String> matrixKeys(Strategy strategy) {
        Set<String> keys = new HashSet<>(strategy.axes().keySet());
        strategy.include().forEach(entry -> entry.keySet().forEach(key -> keys.add(MatrixInstance.topKey(key))));
        return keys;
    }
}
