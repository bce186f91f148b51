package dev.deltaci.core.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
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
    /** How a file that Delta cannot run on any event it receives is refused ({@code on: workflow_call}). */
    public static final String NO_DELTA_EVENT = TriggerReader.NO_DELTA_EVENT;

    private static final Pattern JOB_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,63}");
    private static final List<String> TOP_KEYS = List.of("name", "run-name", "on", "env", "concurrency", "jobs", "permissions",
            "defaults");
    private static final List<String> JOB_KEYS = List.of("name", "env", "needs", "if", "strategy", "steps",
            "timeout-minutes", "queue-timeout-minutes", "retry", "continue-on-error", "concurrency", "artifacts", "labels", "image",
            "runs-on", "permissions", "container", "outputs", "defaults", "services");
    static final List<String> CONCURRENCY_KEYS = List.of("group", "cancel-in-progress");
    public static final int MAX_ARTIFACT_PATHS = 32;
    static final List<String> RETRY_KEYS = List.of("max", "when");
    static final List<String> STEP_KEYS = List.of("name", "id", "if", "run", "uses", "with", "env", "shell",
            "working-directory", "timeout-minutes", "continue-on-error");
    /** What {@code delta.*} offers, in job conditions and on runners. */
    public static final Set<String> DELTA_CONTEXT = Set.of("sha", "ref", "branch", "event", "repository", "run_id",
            "attempt", "job");
    static final Pattern CHECKOUT_ACTION = Pattern.compile("actions/checkout@[A-Za-z0-9._/-]+");

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

    /**
     * What a parse is told besides the file: the limits it holds the file to, what GitHub's hosted
     * runner names mean here, and the repository's other files (composite actions and reusable
     * workflows of the same repository are read from them).
     */
    public record Settings(PipelineLimits limits, HostedRunners hosted, RepositoryFiles files) {
        public static final Settings DEFAULTS = new Settings(PipelineLimits.DEFAULTS, HostedRunners.DEFAULTS,
                RepositoryFiles.NONE);

        public Settings withFiles(RepositoryFiles newFiles) {
            return new Settings(limits, hosted, newFiles);
        }
    }

    private final PipelineLimits limits;
    private final HostedRunners hosted;
    private final RepositoryFiles files;
    private final ExpressionChecks expressions;
    private final JobFieldReader jobFields;
    private final StepReader steps;
    private StepReader.RunDefaults workflowDefaults = StepReader.RunDefaults.NONE;

    private PipelineParser(String file, Settings settings) {
        super(file, new ArrayList<>());
        this.limits = settings.limits();
        this.hosted = settings.hosted();
        this.files = settings.files();
        this.expressions = new ExpressionChecks(file, problems);
        this.jobFields = new JobFieldReader(file, problems, expressions);
        this.steps = new StepReader(file, problems, expressions, jobFields,
                new CompositeActions(file, problems, this::load));
    }

    /**
     * Another file of the repository as YAML nodes, marked with its own path (its problems name
     * it); empty when the commit has no such file, or it is not YAML (its problem is reported).
     */
    Optional<Node> load(String path) {
        Optional<String> text = files.read(path);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        int bytes = text.get().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > limits.maxFileBytes()) {
            problems.add(new ConfigProblem(path, 1, 1, "file is " + bytes + " bytes; the limit is " + limits.maxFileBytes()));
            return Optional.empty();
        }
        Node node = compose(path, text.get());
        if (node != null) {
            checkText(node);
        }
        return Optional.ofNullable(node);
    }

    /** Parses and validates within the default limits; throws with every problem found. */
    public static Pipeline parse(String file, String yaml) throws PipelineException {
        return parse(file, yaml, PipelineLimits.DEFAULTS);
    }

    /** Parses and validates; throws with every problem found, a limit passed among them. */
    public static Pipeline parse(String file, String yaml, PipelineLimits limits) throws PipelineException {
        return parse(file, yaml, limits, HostedRunners.DEFAULTS);
    }

    /** As {@link #parse(String, String, PipelineLimits)}, with what GitHub's hosted runner names in {@code runs-on} mean here. */
    public static Pipeline parse(String file, String yaml, PipelineLimits limits, HostedRunners hosted)
            throws PipelineException {
        return parse(file, yaml, new Settings(limits, hosted, RepositoryFiles.NONE));
    }

    /**
     * Parses and validates as {@code settings} say; throws with every problem found, and
     * {@link RepositoryFiles.Unreadable} when a file it uses from the repository cannot be read now.
     */
    public static Pipeline parse(String file, String yaml, Settings settings) throws PipelineException {
        return new PipelineParser(file, settings).run(yaml);
    }

    private Pipeline run(String yaml) throws PipelineException {
        int bytes = yaml.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > limits.maxFileBytes()) {
            throw new PipelineException(List.of(new ConfigProblem(file, 1, 1, "file is " + bytes
                    + " bytes; the limit is " + limits.maxFileBytes() + " (" + PipelineLimits.MAX_FILE_BYTES + ")")));
        }
        Node root = compose(file, yaml);
        if (root == null) {
            throw new PipelineException(problems);
        }
        checkText(root);
        if (!problems.isEmpty()) {
            throw new PipelineException(problems);
        }
        Pipeline pipeline = readPipeline(root);
        // in the order of the file, as an editor lists them (found in the order the keys are read)
        // (this file's first, then those of the actions and workflows it uses)
        problems.sort(java.util.Comparator.comparing((ConfigProblem p) -> !p.file().equals(file))
                .thenComparing(ConfigProblem::file).thenComparingInt(ConfigProblem::line)
                .thenComparingInt(ConfigProblem::column));
        List<ConfigProblem> notes = problems.stream().filter(ConfigProblem::note).toList();
        if (notes.size() < problems.size()) {
            throw new PipelineException(problems.stream().filter(p -> !p.note()).toList());
        }
        return pipeline.withNotes(notes);
    }

    private Node compose(String label, String yaml) {
        // one buffer for the whole file: snakeyaml-engine 2.9/2.10 throw IndexOutOfBoundsException when a
        // surrogate pair (an emoji) straddles the edge of their 1 KiB read buffer (found by `delta fuzz`)
        LoadSettings settings = LoadSettings.builder().setLabel(label).setAllowDuplicateKeys(true)
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
                problems.add(new ConfigProblem(label, 1, 1, "the file uses " + aliases + " YAML aliases; the limit is "
                        + limits.maxAliases() + " (" + PipelineLimits.MAX_ALIASES + ")"));
                return null;
            }
            Optional<Node> node = new Compose(settings).composeString(yaml);
            if (node.isEmpty()) {
                problems.add(new ConfigProblem(label, 1, 1, "file is empty; expected a mapping with 'jobs'"));
                return null;
            }
            return node.get();
        } catch (MarkedYamlEngineException e) {
            Mark mark = e.getProblemMark().or(e::getContextMark).orElse(null);
            String what = e.getProblem() == null ? e.getMessage() : e.getProblem();
            problems.add(new ConfigProblem(label, mark == null ? 1 : mark.getLine() + 1,
                    mark == null ? 1 : mark.getColumn() + 1, "invalid YAML: " + what));
            return null;
        } catch (YamlEngineException e) {
            problems.add(new ConfigProblem(label, 1, 1, "invalid YAML: " + e.getMessage()));
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
        java.util.Set<String> inputs = new java.util.HashSet<>(on.manual() == null ? Set.of() : on.manual().inputs().keySet());
        inputs.addAll(workflowCallInputs(top.containsKey("on") ? top.get("on").getValueNode() : null));
        expressions.declareInputs(on.manual() == null && inputs.isEmpty() ? null : inputs);
        Map<String, String> env = top.containsKey("env") ? jobFields.env(top.get("env").getValueNode(), "env") : Map.of();
        if (top.containsKey("permissions")) {
            jobFields.permissions(top.get("permissions").getValueNode(), "'permissions'");
        }
        Concurrency concurrency = top.containsKey("concurrency")
                ? jobFields.concurrency(top.get("concurrency").getValueNode(), "'concurrency'") : null;
        workflowDefaults = top.containsKey("defaults")
                ? steps.defaults(top.get("defaults").getValueNode(), "'defaults'") : StepReader.RunDefaults.NONE;
        if (top.containsKey("run-name")) {
            // GitHub's title for a run; Delta shows the commit, so it is checked and not used
            expressions.checkTemplate(top.get("run-name").getValueNode(),
                    scalar(top.get("run-name").getValueNode(), "run-name"), "run-name");
        }
        env.forEach((envName, value) -> expressions.checkTemplate(valueOf(top.get("env").getValueNode(), envName), value, "env '" + envName + "'"));
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
        // a job that calls a reusable workflow of the repository stands for that workflow's jobs
        ReusableWorkflows workflows = new ReusableWorkflows(file, problems, this::load);
        jobNodes = workflows.inline(jobNodes);
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
            if (job != null && workflows.calls.containsKey(key)) {
                job = job.withCall(workflows.calls.get(key));
            }
            if (job != null) {
                Map<String, String> merged = new HashMap<>(env);
                merged.putAll(job.env());
                jobs.put(key, job.withEnv(merged));
            }
        }
        // a job that needs a caller needs every job of the workflow it called
        jobs.replaceAll((key, job) -> job.needs().stream().anyMatch(workflows.jobsOf::containsKey)
                ? job.withNeeds(job.needs().stream().flatMap(need -> workflows.jobsOf.getOrDefault(need, List.of(need))
                .stream()).distinct().toList()) : job);
        new NeedsChecker(file, problems).check(jobs, jobNodes);
        long expanded = jobs.values().stream()
                .mapToLong(job -> job.strategy() == null ? 1 : MatrixExpansion.combinations(job.strategy()).size()).sum();
        if (expanded > limits.maxJobs()) {
            problem(jobsTuple.getValueNode(), tooManyJobs(expanded, "the pipeline has") + " after matrix expansion");
        }
        return new Pipeline(name, env, jobs, on, concurrency);
    }

    /** The inputs {@code on.workflow_call} declares: a reusable workflow's steps read them as {@code inputs.*}. */
    private static Set<String> workflowCallInputs(Node on) {
        if (on instanceof MappingNode events) {
            for (NodeTuple event : events.getValue()) {
                if (event.getKeyNode() instanceof ScalarNode name && name.getValue().equals("workflow_call")
                        && event.getValueNode() instanceof MappingNode call) {
                    Set<String> names = new java.util.HashSet<>();
                    for (NodeTuple field : call.getValue()) {
                        if (field.getKeyNode() instanceof ScalarNode key && key.getValue().equals("inputs")
                                && field.getValueNode() instanceof MappingNode declared) {
                            declared.getValue().forEach(t -> names.add(((ScalarNode) t.getKeyNode()).getValue()));
                        }
                    }
                    return names;
                }
            }
        }
        return Set.of();
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

    /** Most outputs a job may declare, and most bytes all of one job's output values may hold. */
    public static final int MAX_JOB_OUTPUTS = 64;

    /**
     * A job's {@code outputs: {name: ${{ steps.<id>.outputs.<name> }}}}: what the jobs that need
     * it read as {@code needs.<job>.outputs.<name>}, rendered by the runner when the job ends.
     */
    private Map<String, String> outputs(Node node, String where, List<StepSpec> jobSteps) {
        Map<String, NodeTuple> entries = mapping(node, where + " 'outputs'", null);
        if (entries == null) {
            return Map.of();
        }
        if (entries.size() > MAX_JOB_OUTPUTS) {
            problem(node, where + " 'outputs' declares " + entries.size() + " outputs; at most " + MAX_JOB_OUTPUTS);
            return Map.of();
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        expressions.stepsInScope(jobSteps.stream().map(StepSpec::id).filter(java.util.Objects::nonNull)
                .collect(java.util.stream.Collectors.toSet()));
        try {
            entries.forEach((output, entry) -> {
                if (!OUTPUT_NAME.matcher(output).matches()) {
                    problem(entry.getKeyNode(), where + " output '" + output + "' must start with a letter or '_' and "
                            + "hold only letters, digits, '_' and '-'");
                    return;
                }
                String value = scalar(entry.getValueNode(), where + " output '" + output + "'");
                if (value != null) {
                    expressions.checkTemplate(entry.getValueNode(), value, where + " output '" + output + "'");
                    outputs.put(output, value);
                }
            });
        } finally {
            expressions.stepsInScope(null);
        }
        return outputs;
    }

    private static final Pattern OUTPUT_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,63}");

    private JobSpec readJob(String key, NodeTuple tuple) {
        Node node = tuple.getValueNode();
        String where = "job '" + key + "'";
        Map<String, NodeTuple> fields = mapping(node, where, JOB_KEYS);
        if (fields == null) {
            return null;
        }
        String name = fields.containsKey("name") ? scalar(fields.get("name").getValueNode(), where + " name") : key;
        Map<String, String> env = fields.containsKey("env")
                ? jobFields.env(fields.get("env").getValueNode(), where + " env") : Map.of();
        List<String> needs = fields.containsKey("needs")
                ? stringOrList(fields.get("needs").getValueNode(), where + " needs") : List.of();
        // the job's env and steps may read needs.<id>.outputs, its runs-on and env strategy.*
        expressions.needsInScope(needs);
        try {
            return readJob(key, tuple, fields, where, name, env, needs);
        } finally {
            expressions.needsInScope(null);
            expressions.matrixInScope(null);
        }
    }

    private JobSpec readJob(String key, NodeTuple tuple, Map<String, NodeTuple> fields, String where, String name,
                            Map<String, String> env, List<String> needs) {
        int timeout = fields.containsKey("timeout-minutes")
                ? jobFields.minutes(fields.get("timeout-minutes"), where, JobSpec.DEFAULT_TIMEOUT_MINUTES)
                : JobSpec.DEFAULT_TIMEOUT_MINUTES;
        int queueTimeout = fields.containsKey("queue-timeout-minutes")
                ? jobFields.minutes(fields.get("queue-timeout-minutes"), where, JobSpec.DEFAULT_QUEUE_TIMEOUT_MINUTES)
                : JobSpec.DEFAULT_QUEUE_TIMEOUT_MINUTES;
        RetrySpec retry = fields.containsKey("retry") ? jobFields.retry(fields.get("retry").getValueNode(), where) : RetrySpec.NONE;
        Strategy strategy = fields.containsKey("strategy") ? new StrategyReader(file, problems).read(fields.get("strategy").getValueNode(), where) : null;
        // the job's env and steps may use matrix.<key> when it has a matrix
        expressions.matrixInScope(strategy);
        if (strategy == null && fields.containsKey("strategy") && fields.get("strategy").getValueNode() instanceof MappingNode
                strategyNode && strategyNode.getValue().stream().anyMatch(t -> t.getKeyNode() instanceof ScalarNode k
                && k.getValue().equals("matrix"))) {
            expressions.matrixRefused();
        }
        String condition = fields.containsKey("if")
                ? expressions.condition(fields.get("if").getValueNode(), where + " 'if'", Set.of("delta", "github", "needs", "inputs"), needs) : null;
        env.forEach((envName, value) -> expressions.checkTemplate(valueOf(fields.get("env").getValueNode(), envName), value, where + " env '" + envName + "'"));
        boolean[] continueOnError = {false};
        String continueOnErrorByMatrix = fields.containsKey("continue-on-error")
                ? jobFields.continueOnError(fields.get("continue-on-error").getValueNode(), where, continueOnError) : null;
        Concurrency concurrency = fields.containsKey("concurrency")
                ? jobFields.concurrency(fields.get("concurrency").getValueNode(), where + " 'concurrency'") : null;
        List<String> artifacts = fields.containsKey("artifacts")
                ? jobFields.artifacts(fields.get("artifacts").getValueNode(), where + " 'artifacts'") : List.of();
        List<String> labels = fields.containsKey("labels")
                ? jobFields.labels(fields.get("labels").getValueNode(), where + " 'labels'") : List.of();
        if (fields.containsKey("permissions")) {
            jobFields.permissions(fields.get("permissions").getValueNode(), where + " 'permissions'");
        }
        MatrixFields runsOn = null;
        if (fields.containsKey("runs-on")) {
            if (fields.containsKey("labels")) {
                problem(fields.get("runs-on").getKeyNode(), where + " has both 'runs-on' and 'labels', which both choose its "
                        + "runners; keep one");
            } else if (JobFieldReader.runsOnHasExpression(fields.get("runs-on").getValueNode())) {
                runsOn = jobFields.runsOnByMatrix(fields.get("runs-on").getValueNode(), where + " 'runs-on'", hosted, strategy);
            } else {
                labels = jobFields.runsOn(fields.get("runs-on").getValueNode(), where + " 'runs-on'", hosted);
            }
        }
        String image = fields.containsKey("image") ? jobFields.image(fields.get("image").getValueNode(), where + " 'image'") : null;
        if (fields.containsKey("container")) {
            // GitHub Actions' container: the image the job's steps run in, which is Delta's image:
            if (image != null) {
                problem(fields.get("container").getKeyNode(), where + " has both 'container' and 'image', which both "
                        + "name the image its steps run in; keep one");
            } else {
                image = jobFields.container(fields.get("container").getValueNode(), where + " 'container'");
            }
        }
        NodeTuple stepsTuple = fields.get("steps");
        if (stepsTuple == null) {
            problem(tuple.getKeyNode(), where + " has no 'steps': expected a list of steps with 'run'");
            return null;
        }
        StepReader.RunDefaults defaults = fields.containsKey("defaults")
                ? steps.defaults(fields.get("defaults").getValueNode(), where + " 'defaults'").over(workflowDefaults)
                : workflowDefaults;
        List<StepSpec> jobSteps = steps.steps(stepsTuple.getValueNode(), where, defaults);
        Map<String, String> outputs = fields.containsKey("outputs")
                ? outputs(fields.get("outputs").getValueNode(), where, jobSteps) : Map.of();
        return new JobSpec(key, name == null ? key : name, env, needs, jobSteps, timeout, queueTimeout, retry, condition,
                strategy, null, continueOnError[0], concurrency, artifacts, labels, image, outputs,
                runsOn == null && continueOnErrorByMatrix == null ? null : new MatrixFields(
                        runsOn == null ? null : runsOn.runsOn(), hosted, continueOnErrorByMatrix), null,
                fields.containsKey("services") ? jobFields.services(fields.get("services").getValueNode(), where) : List.of());
    }
}
