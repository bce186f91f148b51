package dev.deltaci.core.pipeline;

import dev.deltaci.core.expr.Expr;
import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.Rewrite;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * A job's {@code uses: ./.github/workflows/x.yml}: a reusable workflow of the same repository
 * ({@code on: workflow_call}), whose jobs become this pipeline's, keyed {@code <caller>-<job>}
 * and named {@code <caller> / <job>}. As on GitHub: {@code inputs.<name>} in the workflow is
 * the caller's {@code with:} value (typed as the input declares) or its default;
 * {@code secrets.<name>} is what the caller's {@code secrets:} maps it to ({@code inherit}: the
 * repository's, which Delta's jobs have anyway); its first jobs wait for the caller's
 * {@code needs} and hold its {@code if:}; the workflow's {@code env} and {@code defaults} apply
 * to its jobs; and jobs that need the caller need all of its jobs and read
 * {@code needs.<caller>.outputs} from {@code on.workflow_call.outputs}.
 */
final class ReusableWorkflows extends YamlReader {

    static final List<String> CALLER_KEYS = List.of("name", "uses", "with", "secrets", "needs", "if", "permissions");
    static final List<String> WORKFLOW_KEYS = List.of("name", "on", "env", "jobs", "permissions", "defaults",
            "concurrency", "run-name");
    static final String WORKFLOWS = ".github/workflows/";

    private final Function<String, Optional<Node>> load;
    /** For each job of a called workflow (by its key here): the call. */
    final Map<String, WorkflowCall> calls = new LinkedHashMap<>();
    /** For each caller: the keys of the jobs it stands for. */
    final Map<String, List<String>> jobsOf = new LinkedHashMap<>();

    ReusableWorkflows(String file, List<ConfigProblem> problems, Function<String, Optional<Node>> load) {
        super(file, problems);
        this.load = load;
    }

    static boolean calls(Node jobNode) {
        return jobNode instanceof MappingNode map && map.getValue().stream().anyMatch(t -> t.getKeyNode() instanceof ScalarNode k
                && k.getValue().equals("uses"));
    }

    /** The jobs with each caller replaced by the jobs of the workflow it calls. */
    Map<String, NodeTuple> inline(Map<String, NodeTuple> jobNodes) {
        Map<String, NodeTuple> inlined = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> entry : jobNodes.entrySet()) {
            if (!calls(entry.getValue().getValueNode())) {
                inlined.put(entry.getKey(), entry.getValue());
                continue;
            }
            Map<String, NodeTuple> jobs = inlineCall(entry.getKey(), entry.getValue());
            for (Map.Entry<String, NodeTuple> job : jobs.entrySet()) {
                if (jobNodes.containsKey(job.getKey()) || inlined.containsKey(job.getKey())) {
                    problem(entry.getValue().getKeyNode(), "job '" + entry.getKey() + "' calls a workflow with job '"
                            + job.getKey().substring(entry.getKey().length() + 1) + "', which would be job '" + job.getKey()
                            + "'; that key is taken: rename one");
                    continue;
                }
                inlined.put(job.getKey(), job.getValue());
            }
            jobsOf.put(entry.getKey(), List.copyOf(jobs.keySet()));
        }
        return inlined;
    }

    private Map<String, NodeTuple> inlineCall(String caller, NodeTuple callerTuple) {
        String where = "job '" + caller + "'";
        Map<String, NodeTuple> fields = mapping(callerTuple.getValueNode(), where, CALLER_KEYS);
        if (fields == null) {
            return Map.of();
        }
        Node usesNode = fields.get("uses").getValueNode();
        String uses = scalar(usesNode, where + " uses");
        if (uses == null) {
            return Map.of();
        }
        uses = uses.strip();
        if (!uses.startsWith("./")) {
            problem(usesNode, where + ": 'uses: " + uses + "' calls a workflow of another repository, which Delta CI does "
                    + "not fetch; copy it into this repository's " + WORKFLOWS + " and call it as ./" + WORKFLOWS + "<file>");
            return Map.of();
        }
        String path = uses.substring(2);
        if (!path.startsWith(WORKFLOWS) || path.substring(WORKFLOWS.length()).contains("/") || path.contains("@")
                || !(path.endsWith(".yml") || path.endsWith(".yaml"))) {
            problem(usesNode, where + ": 'uses: " + uses + "' must name a workflow file directly in ./" + WORKFLOWS
                    + " (e.g. ./" + WORKFLOWS + "build.yml), as GitHub requires");
            return Map.of();
        }
        Optional<Node> loaded = load.apply(path);
        if (loaded.isEmpty()) {
            problem(usesNode, where + ": 'uses: " + uses + "': this commit has no " + path);
            return Map.of();
        }
        String at = "workflow " + path;
        Map<String, NodeTuple> workflow = mapping(loaded.get(), at, WORKFLOW_KEYS);
        if (workflow == null) {
            return Map.of();
        }
        Map<String, NodeTuple> call = workflowCall(workflow, at);
        if (call == null) {
            problem(usesNode, where + ": " + path + " is not a reusable workflow: its 'on' has no 'workflow_call'");
            return Map.of();
        }
        Map<String, Expr> values = new LinkedHashMap<>();
        if (!inputs(call, fields, values, where, at, usesNode) || !secrets(call, fields, values, where)) {
            return Map.of();
        }
        if (!workflow.containsKey("jobs") || !(workflow.get("jobs").getValueNode() instanceof MappingNode jobsNode)) {
            problem(loaded.get(), at + " has no 'jobs'");
            return Map.of();
        }
        Map<String, NodeTuple> calleeJobs = mapping(jobsNode, at + " 'jobs'", null);
        Set<String> calleeKeys = calleeJobs.keySet();
        Function<Expr.Path, Optional<Expr>> replace = p -> replacement(p, values, calleeKeys, caller);
        Map<String, Set<String>> outputsOf = workflowOutputs(call, calleeKeys, at);
        String callerName = fields.containsKey("name") ? scalar(fields.get("name").getValueNode(), where + " name") : caller;

        Map<String, NodeTuple> jobs = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> calleeJob : calleeJobs.entrySet()) {
            if (calls(calleeJob.getValue().getValueNode())) {
                problem(calleeJob.getValue().getKeyNode(), at + " job '" + calleeJob.getKey() + "' calls a workflow too; "
                        + "Delta CI inlines one level of reusable workflows");
                continue;
            }
            Node rewritten = Inlined.rewrite(calleeJob.getValue().getValueNode(), replace);
            if (!(rewritten instanceof MappingNode job)) {
                continue; // reported when read as a job
            }
            String key = caller + "-" + calleeJob.getKey();
            jobs.put(key, new NodeTuple(Inlined.scalar(key, calleeJob.getValue().getKeyNode()),
                    asCallersJob(job, calleeJob.getKey(), callerName, fields, workflow, calleeKeys, caller,
                            outputsOf.getOrDefault(calleeJob.getKey(), Set.of()))));
            // the workflow's outputs this job gives ("version=v": the workflow's version is its v)
            calls.put(key, new WorkflowCall(caller, outputsOf.getOrDefault(calleeJob.getKey(), Set.of()).stream()
                    .map(pair -> pair.substring(0, pair.indexOf('='))).collect(java.util.stream.Collectors.toSet())));
        }
        return jobs;
    }

    /** {@code on.workflow_call} (null: the workflow has none), as a mapping (empty when written bare). */
    private Map<String, NodeTuple> workflowCall(Map<String, NodeTuple> workflow, String at) {
        if (!workflow.containsKey("on")) {
            return null;
        }
        Node on = workflow.get("on").getValueNode();
        if (on instanceof ScalarNode s) {
            return s.getValue().equals("workflow_call") ? Map.of() : null;
        }
        if (on instanceof SequenceNode list) {
            return list.getValue().stream().anyMatch(n -> n instanceof ScalarNode s && s.getValue().equals("workflow_call"))
                    ? Map.of() : null;
        }
        Map<String, NodeTuple> events = mapping(on, at + " 'on'", null);
        if (events == null || !events.containsKey("workflow_call")) {
            return null;
        }
        Node call = events.get("workflow_call").getValueNode();
        if (call instanceof ScalarNode s && List.of("", "~", "null").contains(s.getValue())) {
            return Map.of();
        }
        Map<String, NodeTuple> fields = mapping(call, at + " 'on.workflow_call'", List.of("inputs", "outputs", "secrets"));
        return fields == null ? Map.of() : fields;
    }

    /** Each declared input's value for this call: the caller's {@code with:} or the default, typed as declared. */
    private boolean inputs(Map<String, NodeTuple> call, Map<String, NodeTuple> caller, Map<String, Expr> values,
                           String where, String at, Node usesNode) {
        Map<String, NodeTuple> declared = call.containsKey("inputs")
                ? mapping(call.get("inputs").getValueNode(), at + " 'on.workflow_call.inputs'", null) : Map.of();
        Map<String, NodeTuple> given = caller.containsKey("with")
                ? mapping(caller.get("with").getValueNode(), where + " 'with'", null) : Map.of();
        if (declared == null || given == null) {
            return false;
        }
        boolean ok = true;
        for (Map.Entry<String, NodeTuple> input : declared.entrySet()) {
            Map<String, NodeTuple> spec = mapping(input.getValue().getValueNode(), at + " input '" + input.getKey() + "'",
                    List.of("description", "required", "default", "type"));
            if (spec == null) {
                ok = false;
                continue;
            }
            String type = spec.containsKey("type") ? scalar(spec.get("type").getValueNode(), at + " input type") : "string";
            NodeTuple value = given.containsKey(input.getKey()) ? given.get(input.getKey()) : spec.get("default");
            boolean required = spec.containsKey("required")
                    && bool(spec.get("required").getValueNode(), at + " input '" + input.getKey() + "' required");
            if (value == null && required) {
                problem(usesNode, where + ": workflow input '" + input.getKey() + "' is required; give it under 'with:'");
                ok = false;
                continue;
            }
            String text = value == null ? "" : scalar(value.getValueNode(), where + " with '" + input.getKey() + "'");
            try {
                values.put("inputs." + input.getKey().toLowerCase(Locale.ROOT), typed(text == null ? "" : text, type));
            } catch (ExpressionException e) {
                problem(value.getValueNode(), where + " with '" + input.getKey() + "': " + e.getMessage());
                ok = false;
            }
        }
        return onlyDeclared(given, declared, where, at) && ok;
    }

    /** A boolean or number input is one in expressions ({@code if: inputs.deploy}), as on GitHub. */
    private static Expr typed(String text, String type) throws ExpressionException {
        Expr value = Rewrite.valueOf(text);
        if (value instanceof Expr.Literal literal && literal.value() instanceof String written) {
            if ("boolean".equals(type) && (written.equals("true") || written.equals("false"))) {
                return new Expr.Literal(Boolean.valueOf(written));
            }
            if ("number".equals(type) && written.matches("-?\\d+(\\.\\d+)?")) {
                return new Expr.Literal(Double.valueOf(written));
            }
        }
        return value;
    }

    /** {@code secrets: inherit} or {@code {NAME: ${{ secrets.X }}}}: what {@code secrets.NAME} is inside. */
    private boolean secrets(Map<String, NodeTuple> call, Map<String, NodeTuple> caller, Map<String, Expr> values,
                            String where) {
        if (!caller.containsKey("secrets")) {
            return true;
        }
        Node node = caller.get("secrets").getValueNode();
        if (node instanceof ScalarNode s && s.getValue().equals("inherit")) {
            return true; // the workflow's secrets.X are the repository's, which they are anyway
        }
        Map<String, NodeTuple> given = mapping(node, where + " 'secrets'", null);
        if (given == null) {
            return false;
        }
        for (Map.Entry<String, NodeTuple> secret : given.entrySet()) {
            String text = scalar(secret.getValue().getValueNode(), where + " secret '" + secret.getKey() + "'");
            try {
                values.put("secrets." + secret.getKey().toLowerCase(Locale.ROOT), Rewrite.valueOf(text == null ? "" : text));
            } catch (ExpressionException e) {
                problem(secret.getValue().getValueNode(), where + " secret '" + secret.getKey() + "': " + e.getMessage());
                return false;
            }
        }
        return true;
    }

    /**
     * {@code on.workflow_call.outputs}: each is one job's output ({@code ${{ jobs.<job>.outputs.<name>}}}),
     * which becomes an output of that job under the workflow's name. Returns the names each job gives.
     */
    private Map<String, Set<String>> workflowOutputs(Map<String, NodeTuple> call, Set<String> jobs, String at) {
        Map<String, Set<String>> byJob = new LinkedHashMap<>();
        if (!call.containsKey("outputs")) {
            return byJob;
        }
        Map<String, NodeTuple> outputs = mapping(call.get("outputs").getValueNode(), at + " 'on.workflow_call.outputs'", null);
        if (outputs == null) {
            return byJob;
        }
        for (Map.Entry<String, NodeTuple> output : outputs.entrySet()) {
            Map<String, NodeTuple> spec = mapping(output.getValue().getValueNode(), at + " output '" + output.getKey() + "'",
                    List.of("description", "value"));
            String value = spec == null || !spec.containsKey("value") ? null
                    : scalar(spec.get("value").getValueNode(), at + " output value");
            java.util.regex.Matcher one = value == null ? null : java.util.regex.Pattern
                    .compile("\\s*\\$\\{\\{\\s*jobs\\.([A-Za-z_][A-Za-z0-9_-]*)\\.outputs\\.([A-Za-z_][A-Za-z0-9_-]*)\\s*}}\\s*")
                    .matcher(value);
            if (one == null || !one.matches() || !jobs.contains(one.group(1))) {
                problem(output.getValue().getValueNode(), at + " output '" + output.getKey() + "' must be one job's "
                        + "output, '${{ jobs.<job>.outputs.<name> }}', of a job of the workflow");
                continue;
            }
            byJob.computeIfAbsent(one.group(1), k -> new LinkedHashSet<>()).add(output.getKey() + "=" + one.group(2));
        }
        return byJob;
    }

    /** {@code inputs.x} and {@code secrets.x} as the call gives them; {@code needs.<job>} of the workflow's, renamed. */
    private static Optional<Expr> replacement(Expr.Path path, Map<String, Expr> values, Set<String> jobs, String caller) {
        String first = path.keys().isEmpty() || !(path.keys().get(0) instanceof Expr.Literal literal)
                || !(literal.value() instanceof String name) ? null : name;
        if (first == null) {
            return Optional.empty();
        }
        Expr value = values.get(path.context() + "." + first.toLowerCase(Locale.ROOT));
        if (value != null && (path.context().equals("inputs") || path.context().equals("secrets"))) {
            return Optional.of(path.keys().size() == 1 ? value : new Expr.Member(value, path.keys().subList(1, path.keys().size())));
        }
        if (path.context().equals("needs") && jobs.contains(first)) {
            List<Expr> keys = new ArrayList<>(path.keys());
            keys.set(0, new Expr.Literal(caller + "-" + first));
            return Optional.of(new Expr.Path("needs", keys, path.offset()));
        }
        return Optional.empty();
    }

    /** A workflow's job as this pipeline's: renamed needs, the caller's needs and if on its first jobs, env and defaults. */
    private Node asCallersJob(MappingNode job, String key, String callerName, Map<String, NodeTuple> caller,
                              Map<String, NodeTuple> workflow, Set<String> jobs, String callerKey, Set<String> outputs) {
        List<NodeTuple> tuples = new ArrayList<>();
        boolean hasNeeds = false;
        boolean hasName = false;
        boolean hasEnv = false;
        boolean hasDefaults = false;
        Map<String, String> exported = new LinkedHashMap<>();
        outputs.forEach(pair -> exported.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1)));
        for (NodeTuple tuple : job.getValue()) {
            String name = tuple.getKeyNode() instanceof ScalarNode k ? k.getValue() : "";
            Node value = tuple.getValueNode();
            switch (name) {
                case "needs" -> {
                    hasNeeds = true;
                    value = renamedNeeds(value, jobs, callerKey);
                }
                case "name" -> {
                    hasName = true;
                    value = value instanceof ScalarNode s ? Inlined.scalar(callerName + " / " + s.getValue(), s) : value;
                }
                case "env" -> {
                    hasEnv = true;
                    value = workflow.containsKey("env") ? Inlined.mergedUnder(workflow.get("env").getValueNode(), value) : value;
                }
                case "defaults" -> hasDefaults = true;
                case "outputs" -> value = withExported(value, exported);
                default -> {
                    // as the workflow wrote it
                }
            }
            tuples.add(new NodeTuple(tuple.getKeyNode(), value));
        }
        if (!hasName) {
            tuples.add(new NodeTuple(Inlined.scalar("name", job), Inlined.scalar(callerName + " / " + key, job)));
        }
        if (!hasEnv && workflow.containsKey("env")) {
            tuples.add(workflow.get("env"));
        }
        if (!hasDefaults && workflow.containsKey("defaults")) {
            tuples.add(workflow.get("defaults"));
        }
        if (!exported.isEmpty() && tuples.stream().noneMatch(t -> t.getKeyNode() instanceof ScalarNode k
                && k.getValue().equals("outputs"))) {
            problem(job, "a workflow output names job '" + key + "', which declares no 'outputs'");
        }
        if (!hasNeeds) {
            // the workflow's first jobs wait for what the caller waits for, and hold its condition
            if (caller.containsKey("needs")) {
                tuples.add(caller.get("needs"));
            }
            if (caller.containsKey("if")) {
                combineIf(caller.get("if"), tuples);
            }
        }
        return new MappingNode(job.getTag(), true, tuples, job.getFlowStyle(), job.getStartMark(), job.getEndMark());
    }

    /** The caller's {@code if:} on the job: as its {@code if:}, or {@code (caller) && (own)} when it has one. */
    private static void combineIf(NodeTuple callerIf, List<NodeTuple> tuples) {
        for (int i = 0; i < tuples.size(); i++) {
            NodeTuple own = tuples.get(i);
            if (own.getKeyNode() instanceof ScalarNode k && k.getValue().equals("if")) {
                if (own.getValueNode() instanceof ScalarNode mine && callerIf.getValueNode() instanceof ScalarNode) {
                    tuples.set(i, new NodeTuple(own.getKeyNode(), Inlined.both(callerIf.getValueNode(), mine)));
                }
                return;
            }
        }
        tuples.add(callerIf);
    }

    private static Node renamedNeeds(Node needs, Set<String> jobs, String caller) {
        if (needs instanceof ScalarNode s) {
            return jobs.contains(s.getValue()) ? Inlined.scalar(caller + "-" + s.getValue(), s) : s;
        }
        if (needs instanceof SequenceNode list) {
            return new SequenceNode(list.getTag(), true, list.getValue().stream().map(n -> renamedNeeds(n, jobs, caller)).toList(),
                    list.getFlowStyle(), list.getStartMark(), list.getEndMark());
        }
        return needs;
    }

    /** The job's outputs with the workflow's outputs that name them added ({@code version: <its version's template>}). */
    private static Node withExported(Node outputs, Map<String, String> exported) {
        if (exported.isEmpty() || !(outputs instanceof MappingNode map)) {
            return outputs;
        }
        List<NodeTuple> tuples = new ArrayList<>(map.getValue());
        for (Map.Entry<String, String> export : exported.entrySet()) {
            map.getValue().stream().filter(t -> t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(export.getValue()))
                    .findFirst().filter(t -> !export.getKey().equals(export.getValue()))
                    .ifPresent(t -> tuples.add(new NodeTuple(Inlined.scalar(export.getKey(), t.getKeyNode()),
                            t.getValueNode())));
        }
        return new MappingNode(map.getTag(), true, tuples, FlowStyle.BLOCK, map.getStartMark(), map.getEndMark());
    }
}
