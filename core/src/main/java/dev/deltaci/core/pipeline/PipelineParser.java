package dev.deltaci.core.pipeline;

import dev.deltaci.core.expr.Expr;
import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.ExpressionParser;
import dev.deltaci.core.expr.Template;
import dev.deltaci.core.job.FailureClass;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads {@code .delta/pipeline.yml} into a {@link Pipeline}.
 *
 * <p>Works on the YAML node tree (not plain maps) so that every problem can name the line and
 * column it was found at. It collects all problems it can before failing, so one edit can fix
 * them all.
 */
public final class PipelineParser extends YamlReader {

    public static final String DEFAULT_PATH = ".delta/pipeline.yml";
    public static final int MAX_TIMEOUT_MINUTES = 72 * 60;

    private static final Pattern JOB_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,63}");
    private static final List<String> TOP_KEYS = List.of("name", "on", "env", "concurrency", "jobs");
    private static final List<String> JOB_KEYS = List.of("name", "env", "needs", "if", "strategy", "steps",
            "timeout-minutes", "queue-timeout-minutes", "retry", "continue-on-error", "concurrency", "artifacts", "labels", "image");
    private static final List<String> CONCURRENCY_KEYS = List.of("group", "cancel-in-progress");
    public static final int MAX_ARTIFACT_PATHS = 32;
    private static final List<String> RETRY_KEYS = List.of("max", "when");
    private static final List<String> STEP_KEYS = List.of("name", "if", "run", "uses", "with", "env", "shell",
            "working-directory", "timeout-minutes", "continue-on-error");
    /** What {@code delta.*} offers, in job conditions and on runners. */
    public static final Set<String> DELTA_CONTEXT = Set.of("sha", "ref", "branch", "event", "repository", "run_id",
            "attempt", "job");
    private static final Pattern CHECKOUT_ACTION = Pattern.compile("actions/checkout@[A-Za-z0-9._/-]+");

    /** The keys allowed at each place in the file, for tools (the JSON Schema in docs/ is checked against them). */
    public static Map<String, List<String>> allowedKeys() {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        keys.put("top", TOP_KEYS);
        keys.put("on.push", TriggerReader.PUSH_FILTERS);
        keys.put("on.pull_request", TriggerReader.PULL_REQUEST_FILTERS);
        keys.put("on.workflow_dispatch.inputs.<name>", TriggerReader.INPUT_KEYS);
        keys.put("on.schedule[]", TriggerReader.SCHEDULE_KEYS);
        keys.put("job", JOB_KEYS);
        keys.put("strategy", StrategyReader.STRATEGY_KEYS);
        keys.put("retry", RETRY_KEYS);
        keys.put("concurrency", CONCURRENCY_KEYS);
        keys.put("step", STEP_KEYS);
        return keys;
    }

    private final PipelineLimits limits;

    private PipelineParser(String file, PipelineLimits limits) {
        super(file, new ArrayList<>());
        this.limits = limits;
    }

    /** Parses and validates within the default limits; throws with every problem found. */
    public static Pipeline parse(String file, String yaml) throws PipelineException {
        return parse(file, yaml, PipelineLimits.DEFAULTS);
    }

    /** Parses and validates; throws with every problem found, a limit passed among them. */
    public static Pipeline parse(String file, String yaml, PipelineLimits limits) throws PipelineException {
        return new PipelineParser(file, limits).run(yaml);
    }

    private Pipeline run(String yaml) throws PipelineException {
        int bytes = yaml.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > limits.maxFileBytes()) {
            throw new PipelineException(List.of(new ConfigProblem(file, 1, 1, "file is " + bytes
                    + " bytes; the limit is " + limits.maxFileBytes() + " (" + PipelineLimits.MAX_FILE_BYTES + ")")));
        }
        Node root = compose(yaml);
        if (root == null) {
            throw new PipelineException(problems);
        }
        checkText(root);
        if (!problems.isEmpty()) {
            throw new PipelineException(problems);
        }
        Pipeline pipeline = readPipeline(root);
        if (!problems.isEmpty()) {
            throw new PipelineException(problems);
        }
        return pipeline;
    }

    private Node compose(String yaml) {
        // one buffer for the whole file: snakeyaml-engine 2.9/2.10 throw IndexOutOfBoundsException when a
        // surrogate pair (an emoji) straddles the edge of their 1 KiB read buffer (found by `delta fuzz`)
        LoadSettings settings = LoadSettings.builder().setLabel(file).setAllowDuplicateKeys(true)
                .setBufferSize(yaml.length() + 1).setMaxAliasesForCollections(Math.max(limits.maxAliases(), 1)).build();
        try {
            // counted on the event stream first, so the problem can give the number found
            long aliases = 0;
            for (java.util.Iterator<org.snakeyaml.engine.v2.events.Event> events =
                 new org.snakeyaml.engine.v2.api.lowlevel.Parse(settings).parseString(yaml).iterator(); events.hasNext(); ) {
                if (events.next() instanceof org.snakeyaml.engine.v2.events.AliasEvent) {
                    aliases++;
                }
            }
            if (aliases > limits.maxAliases()) {
                problems.add(new ConfigProblem(file, 1, 1, "the file uses " + aliases + " YAML aliases; the limit is "
                        + limits.maxAliases() + " (" + PipelineLimits.MAX_ALIASES + ")"));
                return null;
            }
            Optional<Node> node = new Compose(settings).composeString(yaml);
            if (node.isEmpty()) {
                problems.add(new ConfigProblem(file, 1, 1, "file is empty; expected a mapping with 'jobs'"));
                return null;
            }
            return node.get();
        } catch (MarkedYamlEngineException e) {
            Mark mark = e.getProblemMark().or(e::getContextMark).orElse(null);
            String what = e.getProblem() == null ? e.getMessage() : e.getProblem();
            problems.add(new ConfigProblem(file, mark == null ? 1 : mark.getLine() + 1,
                    mark == null ? 1 : mark.getColumn() + 1, "invalid YAML: " + what));
            return null;
        } catch (YamlEngineException e) {
            problems.add(new ConfigProblem(file, 1, 1, "invalid YAML: " + e.getMessage()));
            return null;
        }
    }

    private Pipeline readPipeline(Node root) {
        Map<String, NodeTuple> top = mapping(root, "the pipeline", TOP_KEYS);
        if (top == null) {
            return null;
        }
        String name = top.containsKey("name") ? scalar(top.get("name").getValueNode(), "name") : null;
        Triggers on = top.containsKey("on") ? new TriggerReader(file, problems).read(top.get("on").getValueNode()) : Triggers.DEFAULT;
        declaredInputs = on.manual() == null ? null : on.manual().inputs().keySet();
        Map<String, String> env = top.containsKey("env") ? env(top.get("env").getValueNode(), "env") : Map.of();
        Concurrency concurrency = top.containsKey("concurrency")
                ? concurrency(top.get("concurrency").getValueNode(), "'concurrency'") : null;
        env.forEach((envName, value) -> checkTemplate(top.get("env").getValueNode(), value, "env '" + envName + "'"));
        NodeTuple jobsTuple = top.get("jobs");
        if (jobsTuple == null) {
            problem(root, "missing 'jobs': a pipeline needs at least one job");
            return null;
        }
        Map<String, NodeTuple> jobNodes = mapping(jobsTuple.getValueNode(), "'jobs'", null);
        if (jobNodes == null) {
            return null;
        }
        if (jobNodes.isEmpty()) {
            problem(jobsTuple.getValueNode(), "'jobs' is empty: a pipeline needs at least one job");
            return null;
        }
        if (jobNodes.size() > limits.maxJobs()) {
            // before reading any of them: a file of 10,000 jobs is refused at once
            problem(jobsTuple.getValueNode(), tooManyJobs(jobNodes.size(), "'jobs' has"));
            return null;
        }
        Map<String, JobSpec> jobs = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> entry : jobNodes.entrySet()) {
            String key = entry.getKey();
            if (!JOB_KEY.matcher(key).matches()) {
                problem(entry.getValue().getKeyNode(), "job id '" + key
                        + "' is invalid: use letters, digits, '-' and '_', starting with a letter or '_' (at most 64)");
                continue;
            }
            long specBytes = expandedBytes(entry.getValue().getValueNode(), limits.maxJobSpecBytes() * 4L);
            if (specBytes > limits.maxJobSpecBytes()) {
                problem(entry.getValue().getKeyNode(), "job '" + key + "' is "
                        + (specBytes > limits.maxJobSpecBytes() * 4L ? "more than " + limits.maxJobSpecBytes() * 4L : specBytes)
                        + " bytes with its YAML aliases expanded; the limit is " + limits.maxJobSpecBytes()
                        + " bytes per job (" + PipelineLimits.MAX_JOB_SPEC_BYTES + ")");
                continue;
            }
            JobSpec job = readJob(key, entry.getValue());
            if (job != null) {
                Map<String, String> merged = new HashMap<>(env);
                merged.putAll(job.env());
                jobs.put(key, job.withEnv(merged));
            }
        }
        checkNeeds(jobs, jobNodes);
        long expanded = jobs.values().stream()
                .mapToLong(job -> job.strategy() == null ? 1 : MatrixExpansion.combinations(job.strategy()).size()).sum();
        if (expanded > limits.maxJobs()) {
            problem(jobsTuple.getValueNode(), tooManyJobs(expanded, "the pipeline has") + " after matrix expansion");
        }
        return new Pipeline(name, env, jobs, on, concurrency);
    }

    /** Every key and value must be text that can be stored: no lone surrogates ({@code "\uD800"}), NUL or noncharacters. */
    private void checkText(Node root) {
        java.util.Set<Node> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        // an alias leads to a node already checked where it was anchored: not again
        walk(root, node -> {
            if (!seen.add(node)) {
                return false;
            }
            if (node instanceof ScalarNode scalar) {
                dev.deltaci.core.text.CodePoints.problem(scalar.getValue()).ifPresent(problem -> problem(scalar,
                        "'" + dev.deltaci.core.text.CodePoints.printable(scalar.getValue(), 40) + "' has " + problem
                                + "; use valid Unicode text"));
            }
            return true;
        });
    }

    private String tooManyJobs(long found, String subject) {
        return subject + " " + found + " jobs; the limit is " + limits.maxJobs() + " per run ("
                + PipelineLimits.MAX_JOBS + ")";
    }

    /**
     * The text a node holds, keys and values, with every alias expanded (what storing it takes),
     * counted up to {@code cap} and no further: a few aliases can stand for a great deal.
     */
    private static long expandedBytes(Node node, long cap) {
        long[] total = {0};
        walk(node, next -> {
            if (next instanceof ScalarNode scalar) {
                total[0] += scalar.getValue().getBytes(StandardCharsets.UTF_8).length + 1;
            }
            return total[0] <= cap;
        });
        return total[0];
    }

    /**
     * Visits a node and, depth first, what it holds (mapping keys and values, sequence items),
     * reaching an aliased node again at each alias; {@code visit} answering false skips what that
     * node holds. Iterative: a deeply nested file cannot overflow the stack.
     */
    private static void walk(Node root, java.util.function.Predicate<Node> visit) {
        java.util.ArrayDeque<Node> pending = new java.util.ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            Node next = pending.pop();
            if (!visit.test(next)) {
                continue;
            }
            if (next instanceof MappingNode mapping) {
                for (NodeTuple tuple : mapping.getValue()) {
                    pending.push(tuple.getKeyNode());
                    pending.push(tuple.getValueNode());
                }
            } else if (next instanceof SequenceNode sequence) {
                sequence.getValue().forEach(pending::push);
            }
        }
    }

    private JobSpec readJob(String key, NodeTuple tuple) {
        Node node = tuple.getValueNode();
        String where = "job '" + key + "'";
        Map<String, NodeTuple> fields = mapping(node, where, JOB_KEYS);
        if (fields == null) {
            return null;
        }
        String name = fields.containsKey("name") ? scalar(fields.get("name").getValueNode(), where + " name") : key;
        Map<String, String> env = fields.containsKey("env")
                ? env(fields.get("env").getValueNode(), where + " env") : Map.of();
        List<String> needs = fields.containsKey("needs")
                ? stringOrList(fields.get("needs").getValueNode(), where + " needs") : List.of();
        int timeout = fields.containsKey("timeout-minutes")
                ? minutes(fields.get("timeout-minutes"), where, JobSpec.DEFAULT_TIMEOUT_MINUTES)
                : JobSpec.DEFAULT_TIMEOUT_MINUTES;
        int queueTimeout = fields.containsKey("queue-timeout-minutes")
                ? minutes(fields.get("queue-timeout-minutes"), where, JobSpec.DEFAULT_QUEUE_TIMEOUT_MINUTES)
                : JobSpec.DEFAULT_QUEUE_TIMEOUT_MINUTES;
        RetrySpec retry = fields.containsKey("retry") ? retry(fields.get("retry").getValueNode(), where) : RetrySpec.NONE;
        Strategy strategy = fields.containsKey("strategy") ? new StrategyReader(file, problems).read(fields.get("strategy").getValueNode(), where) : null;
        // the job's env and steps may use matrix.<key> when it has a matrix
        matrixKeysInScope = strategy == null ? null : matrixKeys(strategy);
        String condition = fields.containsKey("if")
                ? condition(fields.get("if").getValueNode(), where + " 'if'", Set.of("delta", "needs", "inputs"), needs) : null;
        env.forEach((envName, value) -> checkTemplate(fields.get("env").getValueNode(), value, where + " env '" + envName + "'"));
        boolean continueOnError = fields.containsKey("continue-on-error")
                && bool(fields.get("continue-on-error").getValueNode(), where + " continue-on-error");
        Concurrency concurrency = fields.containsKey("concurrency")
                ? concurrency(fields.get("concurrency").getValueNode(), where + " 'concurrency'") : null;
        List<String> artifacts = fields.containsKey("artifacts")
                ? artifacts(fields.get("artifacts").getValueNode(), where + " 'artifacts'") : List.of();
        List<String> labels = fields.containsKey("labels")
                ? labels(fields.get("labels").getValueNode(), where + " 'labels'") : List.of();
        String image = fields.containsKey("image") ? image(fields.get("image").getValueNode(), where + " 'image'") : null;
        NodeTuple stepsTuple = fields.get("steps");
        if (stepsTuple == null) {
            problem(tuple.getKeyNode(), where + " has no 'steps': expected a list of steps with 'run'");
            return null;
        }
        List<StepSpec> steps = steps(stepsTuple.getValueNode(), where);
        matrixKeysInScope = null;
        return new JobSpec(key, name == null ? key : name, env, needs, steps, timeout, queueTimeout, retry, condition,
                strategy, null, continueOnError, concurrency, artifacts, labels, image);
    }

    private List<StepSpec> steps(Node node, String where) {
        if (!(node instanceof SequenceNode sequence)) {
            problem(node, where + " 'steps' must be a list, found " + describe(node));
            return List.of();
        }
        if (sequence.getValue().isEmpty()) {
            problem(node, where + " 'steps' is empty: expected at least one step with 'run'");
        }
        List<StepSpec> steps = new ArrayList<>();
        int index = 0;
        for (Node stepNode : sequence.getValue()) {
            index++;
            String stepWhere = where + " step " + index;
            Map<String, NodeTuple> fields = mapping(stepNode, stepWhere, STEP_KEYS);
            if (fields == null) {
                continue;
            }
            StepSpec step = step(stepNode, stepWhere, fields);
            if (step != null) {
                steps.add(step);
            }
        }
        return steps;
    }

    private StepSpec step(Node stepNode, String where, Map<String, NodeTuple> fields) {
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
                problem(uses.getValueNode(), where + (name == null ? "" : " ('" + name + "')") + ": 'uses: " + action
                        + "' is not supported; Delta CI runs 'run:' steps, and actions/checkout is built in");
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
            checkTemplate(run.getValueNode(), command, where + " run");
        }
        String condition = fields.containsKey("if")
                ? condition(fields.get("if").getValueNode(), where + " 'if'", runnerContexts(), List.of()) : null;
        Map<String, String> env = fields.containsKey("env") ? env(fields.get("env").getValueNode(), where + " env") : Map.of();
        env.forEach((envName, value) -> checkTemplate(fields.get("env").getValueNode(), value, where + " env '" + envName + "'"));
        String shell = StepSpec.DEFAULT_SHELL;
        if (fields.containsKey("shell")) {
            String given = scalar(fields.get("shell").getValueNode(), where + " shell");
            if (given != null && !StepSpec.SHELLS.contains(given)) {
                problem(fields.get("shell").getValueNode(), where + " 'shell: " + given + "' is not supported; use one of: "
                        + String.join(", ", StepSpec.SHELLS));
            } else if (given != null) {
                shell = given;
            }
        }
        String directory = null;
        if (fields.containsKey("working-directory")) {
            directory = scalar(fields.get("working-directory").getValueNode(), where + " working-directory");
            if (directory != null && (directory.startsWith("/") || Arrays.asList(directory.split("/")).contains(".."))) {
                problem(fields.get("working-directory").getValueNode(), where + " 'working-directory' must be a path "
                        + "inside the workspace, without '..', found '" + directory + "'");
                directory = null;
            }
        }
        int timeout = fields.containsKey("timeout-minutes") ? minutes(fields.get("timeout-minutes"), where, 0) : 0;
        boolean continueOnError = fields.containsKey("continue-on-error")
                && bool(fields.get("continue-on-error").getValueNode(), where + " continue-on-error");
        return command == null ? null
                : new StepSpec(name, command, env, shell, directory, timeout, continueOnError, condition);
    }

    /** Contexts a runner can offer to step conditions and {@code ${{ }}} in commands and env values. */
    private static final Set<String> RUNNER_CONTEXTS = Set.of("delta", "env", "inputs");
    /** Where secrets may appear: commands and env values, never conditions, groups or images. */
    private static final Set<String> SECRET_CONTEXTS = Set.of("delta", "env", "inputs", "secrets");

    /** An {@code if:}, written bare or as {@code ${{ ... }}}; returns the bare expression text. */
    private String condition(Node node, String where, Set<String> contexts, List<String> needs) {
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
    private void checkTemplate(Node node, String text, String where) {
        try {
            Set<String> contexts = new HashSet<>(runnerContexts());
            contexts.addAll(SECRET_CONTEXTS);
            for (Template.Placeholder placeholder : Template.parse(text).placeholders()) {
                checkNames(placeholder.expr(), contexts, List.of());
            }
        } catch (ExpressionException e) {
            problem(node, where + ": " + e.getMessage());
        }
    }

    /** The inputs {@code on: workflow_dispatch} declares, or null when it is not listed. */
    private Set<String> declaredInputs;

    /** Matrix keys the job being read offers, or null when it has no matrix. */
    private Set<String> matrixKeysInScope;

    private Set<String> runnerContexts() {
        return matrixKeysInScope == null ? RUNNER_CONTEXTS : Set.of("delta", "env", "inputs", "matrix");
    }

    /** Every context an expression names must be available where it is used. */
    private void checkNames(Expr expr, Set<String> contexts, List<String> needs) throws ExpressionException {
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
            if (!contexts.contains(context)) {
                throw new ExpressionException(path.offset(), "unknown context '" + context + "'; available here: "
                        + String.join(", ", contexts.stream()
                                .filter(c -> declaredInputs != null || !c.equals("inputs")).sorted().toList()));
            }
            if (!path.keys().isEmpty() && path.keys().get(0) instanceof Expr.Literal first && first.value() instanceof String key) {
                if (context.equals("delta") && !DELTA_CONTEXT.contains(key)) {
                    throw new ExpressionException(path.offset(), "unknown name 'delta." + key + "'; delta offers: "
                            + String.join(", ", DELTA_CONTEXT.stream().sorted().toList()));
                }
                if (context.equals("inputs") && !declaredInputs.contains(key)) {
                    throw new ExpressionException(path.offset(), "unknown input 'inputs." + key + "'; declared: "
                            + (declaredInputs.isEmpty() ? "none" : String.join(", ", declaredInputs.stream().sorted().toList())));
                }
                if (context.equals("matrix") && !matrixKeysInScope.contains(key)) {
                    throw new ExpressionException(path.offset(), "unknown name 'matrix." + key + "'; the matrix has: "
                            + String.join(", ", matrixKeysInScope.stream().sorted().toList()));
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
            for (Expr argument : call.arguments()) {
                checkNames(argument, contexts, needs);
            }
        }
    }


    private int minutes(NodeTuple field, String where, int fallback) {
        String key = ((ScalarNode) field.getKeyNode()).getValue();
        Node node = field.getValueNode();
        String text = scalar(node, where + " " + key);
        if (text == null) {
            return fallback;
        }
        try {
            int minutes = Integer.parseInt(text.strip());
            if (minutes >= 1 && minutes <= MAX_TIMEOUT_MINUTES) {
                return minutes;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problem(node, where + " '" + key + "' must be a whole number from 1 to " + MAX_TIMEOUT_MINUTES
                + ", found '" + text + "'");
        return fallback;
    }





    private static Set<String> matrixKeys(Strategy strategy) {
        Set<String> keys = new HashSet<>(strategy.axes().keySet());
        strategy.include().forEach(entry -> keys.addAll(entry.keySet()));
        return keys;
    }

    /**
     * {@code concurrency: <group>} or {@code {group: <group>, cancel-in-progress: true}}. The group
     * may use {@code delta} (and {@code matrix} in a job with a matrix); it is rendered per run.
     */
    private Concurrency concurrency(Node node, String where) {
        String group;
        boolean cancelInProgress = false;
        Node groupNode = node;
        if (node instanceof ScalarNode) {
            group = scalar(node, where);
        } else {
            Map<String, NodeTuple> fields = mapping(node, where, CONCURRENCY_KEYS);
            if (fields == null) {
                return null;
            }
            if (!fields.containsKey("group")) {
                problem(node, where + " needs 'group': the name of the group whose members run one at a time");
                return null;
            }
            groupNode = fields.get("group").getValueNode();
            group = scalar(groupNode, where + " group");
            cancelInProgress = fields.containsKey("cancel-in-progress")
                    && bool(fields.get("cancel-in-progress").getValueNode(), where + " cancel-in-progress");
        }
        if (group == null) {
            return null;
        }
        if (group.isBlank()) {
            problem(groupNode, where + " group is empty");
            return null;
        }
        if (group.length() > Concurrency.MAX_GROUP_LENGTH) {
            problem(groupNode, where + " group is longer than " + Concurrency.MAX_GROUP_LENGTH + " characters");
            return null;
        }
        try {
            for (Template.Placeholder placeholder : Template.parse(group).placeholders()) {
                checkNames(placeholder.expr(), matrixKeysInScope == null ? Set.of("delta", "inputs")
                        : Set.of("delta", "inputs", "matrix"), List.of());
            }
        } catch (ExpressionException e) {
            problem(groupNode, where + " group: " + e.getMessage());
            return null;
        }
        return new Concurrency(group, cancelInProgress);
    }

    /** {@code artifacts: [path, ...]}: files or directories inside the workspace. */
    private List<String> artifacts(Node node, String where) {
        List<String> paths = stringOrList(node, where);
        if (paths.size() > MAX_ARTIFACT_PATHS) {
            problem(node, where + " lists " + paths.size() + " paths; at most " + MAX_ARTIFACT_PATHS);
            return List.of();
        }
        List<String> valid = new ArrayList<>();
        for (String path : paths) {
            String problem = ArtifactPaths.problem(path);
            if (problem != null) {
                problem(node, where + ": '" + path.replaceAll("\\p{Cntrl}", "?") + "' " + problem);
            } else {
                valid.add(ArtifactPaths.normalize(path));
            }
        }
        return valid;
    }

    private static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}");

    /** {@code image: node:20}: a Docker image reference; it may use {@code matrix} (rendered by the runner). */
    private String image(Node node, String where) {
        String image = scalar(node, where);
        if (image == null) {
            return null;
        }
        try {
            Template template = Template.parse(image);
            for (Template.Placeholder placeholder : template.placeholders()) {
                checkNames(placeholder.expr(), runnerContexts(), List.of());
            }
            if (!template.hasExpressions() && !IMAGE.matcher(image.strip()).matches()) {
                problem(node, where + ": '" + image + "' is not an image reference, e.g. node:20 or "
                        + "ghcr.io/owner/image:tag");
                return null;
            }
        } catch (ExpressionException e) {
            problem(node, where + ": " + e.getMessage());
            return null;
        }
        return image.strip();
    }

    /** {@code labels: [gpu, linux]}: a runner needs every one of them; case does not matter. */
    private List<String> labels(Node node, String where) {
        List<String> labels = new ArrayList<>();
        for (String label : stringOrList(node, where)) {
            String normalized = label.strip().toLowerCase(java.util.Locale.ROOT);
            if (!RunnerLabels.LABEL.matcher(normalized).matches()) {
                problem(node, where + ": '" + label + "' is not a label (letters, digits, '.', '_', '-'; at most 32)");
            } else if (!labels.contains(normalized)) {
                labels.add(normalized);
            }
        }
        if (labels.size() > RunnerLabels.MAX_LABELS) {
            problem(node, where + " lists " + labels.size() + " labels; at most " + RunnerLabels.MAX_LABELS);
            return List.of();
        }
        return labels.stream().sorted().toList();
    }

    /** {@code retry: {max: N, when: [script_failure, timeout]}}; {@code when} defaults to both. */
    private RetrySpec retry(Node node, String where) {
        Map<String, NodeTuple> fields = mapping(node, where + " 'retry'", RETRY_KEYS);
        if (fields == null) {
            return RetrySpec.NONE;
        }
        int max = 0;
        NodeTuple maxField = fields.get("max");
        if (maxField == null) {
            problem(node, where + " 'retry' needs 'max': how many more attempts, 1 to " + RetrySpec.MAX_RETRIES);
        } else {
            String text = scalar(maxField.getValueNode(), where + " retry max");
            try {
                max = Integer.parseInt(text == null ? "" : text.strip());
            } catch (NumberFormatException e) {
                max = -1;
            }
            if (max < 0 || max > RetrySpec.MAX_RETRIES) {
                problem(maxField.getValueNode(), where + " 'retry.max' must be a whole number from 0 to "
                        + RetrySpec.MAX_RETRIES + ", found '" + text + "'");
                max = 0;
            }
        }
        Set<FailureClass> when = EnumSet.noneOf(FailureClass.class);
        if (!fields.containsKey("when")) {
            when.addAll(RetrySpec.RETRYABLE_BY_USER);
        } else {
            Node whenNode = fields.get("when").getValueNode();
            List<String> names = stringOrList(whenNode, where + " retry when");
            for (String name : names) {
                FailureClass failure = Arrays.stream(FailureClass.values())
                        .filter(c -> c.wireName().equals(name)).findFirst().orElse(null);
                if (failure == null) {
                    problem(whenNode, where + " 'retry.when' has unknown failure class '" + name
                            + "'; expected script_failure or timeout");
                } else if (failure == FailureClass.RUNNER_LOST || failure == FailureClass.INFRA_ERROR) {
                    problem(whenNode, where + " 'retry.when' lists '" + name + "', which is always retried "
                            + "automatically and does not spend retry.max; list only script_failure or timeout");
                } else if (!RetrySpec.RETRYABLE_BY_USER.contains(failure)) {
                    problem(whenNode, where + " 'retry.when' lists '" + name + "', which is never retried");
                } else {
                    when.add(failure);
                }
            }
        }
        return new RetrySpec(max, when);
    }

    /** Unknown jobs in {@code needs} and cycles are errors, reported at the {@code needs} entry. */
    private void checkNeeds(Map<String, JobSpec> jobs, Map<String, NodeTuple> jobNodes) {
        for (JobSpec job : jobs.values()) {
            for (String need : job.needs()) {
                if (need.equals(job.key())) {
                    problem(needsNode(jobNodes, job.key()), "job '" + job.key() + "' needs itself");
                } else if (!jobNodes.containsKey(need)) {
                    problem(needsNode(jobNodes, job.key()), "job '" + job.key() + "' needs unknown job '" + need
                            + "'; jobs are: " + String.join(", ", jobNodes.keySet()));
                }
            }
        }
        Set<String> done = new HashSet<>();
        for (String start : jobs.keySet()) {
            List<String> cycle = findCycle(start, jobs, new ArrayList<>(), new HashSet<>(), done);
            if (cycle != null) {
                problem(needsNode(jobNodes, cycle.get(0)), "'needs' form a cycle: " + String.join(" -> ", cycle));
                return;
            }
        }
    }

    private static List<String> findCycle(String key, Map<String, JobSpec> jobs, List<String> path,
                                          Set<String> onPath, Set<String> done) {
        if (onPath.contains(key)) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(key), path.size()));
            cycle.add(key);
            return cycle;
        }
        JobSpec job = jobs.get(key);
        if (job == null || done.contains(key)) {
            return null;
        }
        path.add(key);
        onPath.add(key);
        for (String need : job.needs()) {
            if (!need.equals(key)) {
                List<String> cycle = findCycle(need, jobs, path, onPath, done);
                if (cycle != null) {
                    return cycle;
                }
            }
        }
        path.remove(path.size() - 1);
        onPath.remove(key);
        done.add(key);
        return null;
    }

    private static Node needsNode(Map<String, NodeTuple> jobNodes, String key) {
        Node job = jobNodes.get(key).getValueNode();
        if (job instanceof MappingNode mapping) {
            for (NodeTuple tuple : mapping.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode s && s.getValue().equals("needs")) {
                    return tuple.getValueNode();
                }
            }
        }
        return job;
    }






    private Map<String, String> env(Node node, String where) {
        Map<String, NodeTuple> entries = mapping(node, where, null);
        if (entries == null) {
            return Map.of();
        }
        Map<String, String> env = new HashMap<>();
        for (Map.Entry<String, NodeTuple> entry : entries.entrySet()) {
            if (!ENV_NAME.matcher(entry.getKey()).matches()) {
                problem(entry.getValue().getKeyNode(), where + " variable name '" + entry.getKey()
                        + "' is invalid: use letters, digits and '_', not starting with a digit");
                continue;
            }
            String value = scalar(entry.getValue().getValueNode(), where + " '" + entry.getKey() + "'");
            if (value != null) {
                env.put(entry.getKey(), value);
            }
        }
        return env;
    }


}
