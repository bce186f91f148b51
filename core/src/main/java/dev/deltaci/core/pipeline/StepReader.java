package dev.deltaci.core.pipeline;

import static dev.deltaci.core.pipeline.PipelineParser.CHECKOUT_ACTION;
import static dev.deltaci.core.pipeline.PipelineParser.STEP_KEYS;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** Reads a job's {@code steps}: {@code run:} steps with their shell, env, directory, timeout and {@code if:}, and checkout. */
final class StepReader extends YamlReader {

    private final ExpressionChecks expressions;
    private final JobFieldReader jobFields;
    private final CompositeActions actions;

    StepReader(String file, List<ConfigProblem> problems, ExpressionChecks expressions, JobFieldReader fields,
               CompositeActions actions) {
        super(file, problems);
        this.expressions = expressions;
        this.jobFields = fields;
        this.actions = actions;
    }

    /** {@code defaults.run}: the shell and working directory of every step that does not name its own. */
    record RunDefaults(String shell, String workingDirectory) {
        static final RunDefaults NONE = new RunDefaults(null, null);

        /** These defaults, and {@code outer}'s where these name none (a job's over the workflow's). */
        RunDefaults over(RunDefaults outer) {
            return new RunDefaults(shell != null ? shell : outer.shell, workingDirectory != null ? workingDirectory
                    : outer.workingDirectory);
        }
    }

    /** {@code defaults: {run: {shell: …, working-directory: …}}}. */
    RunDefaults defaults(Node node, String where) {
        Map<String, NodeTuple> fields = mapping(node, where, List.of("run"));
        if (fields == null || !fields.containsKey("run")) {
            return RunDefaults.NONE;
        }
        Map<String, NodeTuple> run = mapping(fields.get("run").getValueNode(), where + ".run", List.of("shell", "working-directory"));
        if (run == null) {
            return RunDefaults.NONE;
        }
        return new RunDefaults(run.containsKey("shell") ? shell(run.get("shell").getValueNode(), where + ".run") : null,
                run.containsKey("working-directory")
                        ? directory(run.get("working-directory").getValueNode(), where + ".run") : null);
    }

    List<StepSpec> steps(Node node, String where) {
        return steps(node, where, RunDefaults.NONE);
    }

    List<StepSpec> steps(Node node, String where, RunDefaults defaults) {
        if (!(node instanceof SequenceNode sequence)) {
            problem(node, where + " 'steps' must be a list, found " + describe(node));
            return List.of();
        }
        if (sequence.getValue().isEmpty()) {
            problem(node, where + " 'steps' is empty: expected at least one step with 'run'");
        }
        List<StepSpec> steps = new ArrayList<>();
        Map<String, Integer> ids = new LinkedHashMap<>(); // each earlier step's id, and which step has it
        int index = 0;
        // a step that uses a composite action of the repository is read as the action's steps, in its place
        java.util.ArrayDeque<Pending> pending = new java.util.ArrayDeque<>();
        for (Node stepNode : sequence.getValue()) {
            pending.add(new Pending(stepNode, where + " step " + (++index), 0));
        }
        index = 0;
        try {
            while (!pending.isEmpty()) {
                Pending next = pending.poll();
                Node stepNode = next.node();
                index++;
                String stepWhere = next.where();
                Map<String, NodeTuple> fields = mapping(stepNode, stepWhere, STEP_KEYS);
                if (fields == null) {
                    continue;
                }
                if (fields.get("uses") != null && fields.get("uses").getValueNode() instanceof ScalarNode uses
                        && CompositeActions.isLocal(uses.getValue().strip())) {
                    if (fields.containsKey("id")) {
                        id(fields.get("id"), stepWhere, ids); // checked as any id; the action's last step takes it
                    }
                    List<Node> inner = actions.expand(stepNode, fields, stepWhere, next.depth());
                    for (int i = inner.size() - 1; i >= 0; i--) {
                        pending.addFirst(new Pending(inner.get(i), stepWhere + " (" + uses.getValue().strip() + " step "
                                + (i + 1) + ")", next.depth() + 1));
                    }
                    index--; // the action's steps take its place
                    continue;
                }
                expressions.stepsInScope(ids.keySet());
                String id = fields.containsKey("id") ? id(fields.get("id"), stepWhere, ids) : null;
                StepSpec step = step(stepNode, stepWhere, fields, defaults);
                if (id != null) {
                    ids.put(id, index);
                }
                if (step != null) {
                    steps.add(id == null ? step : step.withId(id));
                }
            }
        } finally {
            expressions.stepsInScope(null);
        }
        return steps;
    }

    /** A step node to read, what problems call it, and how many actions deep it was found. */
    private record Pending(Node node, String where, int depth) {
    }

    /** A step's {@code id}: a name later steps can use, once per job. */
    private String id(NodeTuple field, String where, Map<String, Integer> earlier) {
        String id = scalar(field.getValueNode(), where + " id");
        if (id == null) {
            return null;
        }
        if (!STEP_ID.matcher(id).matches()) {
            problem(field.getValueNode(), where + " 'id: " + id + "' must start with a letter or '_' and hold only "
                    + "letters, digits, '_' and '-' (at most 64)");
            return null;
        }
        if (earlier.containsKey(id)) {
            problem(field.getValueNode(), where + " 'id: " + id + "' is already step " + earlier.get(id) + "'s; "
                    + "ids are unique within a job");
            return null;
        }
        return id;
    }

    /** A {@code shell:}: one GitHub Actions names, or a command with {@code {0}} where the script's path goes. */
    private String shell(Node node, String where) {
        String given = scalar(node, where + " shell");
        if (given == null) {
            return null;
        }
        String shell = given.strip();
        if (!StepSpec.SHELLS.contains(shell) && !shell.contains("{0}")) {
            problem(node, where + " 'shell: " + given + "' is not supported; use one of: " + String.join(", ", StepSpec.SHELLS)
                    + ", or a command with {0} where the script's path goes (e.g. 'bash -l {0}')");
            return null;
        }
        return shell;
    }

    /** A {@code working-directory}: a path inside the workspace. */
    private String directory(Node node, String where) {
        String directory = scalar(node, where + " working-directory");
        if (directory != null && (directory.startsWith("/") || Arrays.asList(directory.split("/")).contains(".."))) {
            problem(node, where + " 'working-directory' must be a path inside the workspace, without '..', found '"
                    + directory + "'");
            return null;
        }
        return directory;
    }

    static final String STEP_CONTINUE_EXPRESSION = "an expression for a step's continue-on-error is not supported yet "
            + "(a job's may use its matrix); write true or false, or test the condition in the step's 'run'";

    private static final java.util.regex.Pattern STEP_ID = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,63}");

    StepSpec step(Node stepNode, String where, Map<String, NodeTuple> fields, RunDefaults defaults) {
        String name = fields.containsKey("name") ? scalar(fields.get("name").getValueNode(), where + " name") : null;
        NodeTuple run = fields.get("run");
        NodeTuple uses = fields.get("uses");
        if (run != null && uses != null) {
            problem(uses.getKeyNode(), where + " has both 'run' and 'uses'; a step is one or the other");
            return null;
        }
        if (uses != null) {
            String action = scalar(uses.getValueNode(), where + " uses");
            if (action != null && !CHECKOUT_ACTION.matcher(action).matches()) {
                problem(uses.getValueNode(), where + (name == null ? "" : " ('" + name + "')") + ": " + Actions.notRun(action));
                return null;
            }
            // the runner has already checked out the commit; 'with:' options of checkout are not needed
            return action == null ? null : StepSpec.checkout(name);
        }
        if (fields.containsKey("with")) {
            problem(fields.get("with").getKeyNode(), where + " has 'with', which only goes with 'uses'");
        }
        if (run == null) {
            problem(stepNode, where + " has no 'run': expected a shell command (or 'uses: actions/checkout@v4')");
            return null;
        }
        String command = scalar(run.getValueNode(), where + " run");
        if (command != null && command.isBlank()) {
            problem(run.getValueNode(), where + " 'run' is empty");
            return null;
        }
        if (command != null) {
            expressions.checkTemplate(run.getValueNode(), command, where + " run");
        }
        String condition = fields.containsKey("if")
                ? expressions.condition(fields.get("if").getValueNode(), where + " 'if'", expressions.runnerContexts(), expressions.needsInScope()) : null;
        Map<String, String> env = fields.containsKey("env") ? jobFields.env(fields.get("env").getValueNode(), where + " env") : Map.of();
        env.forEach((envName, value) -> expressions.checkTemplate(valueOf(fields.get("env").getValueNode(), envName), value, where + " env '" + envName + "'"));
        String shell = fields.containsKey("shell") ? shell(fields.get("shell").getValueNode(), where) : defaults.shell();
        String directory = fields.containsKey("working-directory")
                ? directory(fields.get("working-directory").getValueNode(), where) : defaults.workingDirectory();
        int timeout = fields.containsKey("timeout-minutes") ? jobFields.minutes(fields.get("timeout-minutes"), where, 0) : 0;
        boolean continueOnError = false;
        if (fields.containsKey("continue-on-error")) {
            Node value = fields.get("continue-on-error").getValueNode();
            if (value instanceof org.snakeyaml.engine.v2.nodes.ScalarNode scalar && scalar.getValue().contains("${{")) {
                problem(value, where + " continue-on-error: " + STEP_CONTINUE_EXPRESSION);
            } else {
                continueOnError = bool(value, where + " continue-on-error");
            }
        }
        return command == null ? null
                : new StepSpec(name, command, env, shell, directory, timeout, continueOnError, condition);
    }
}
