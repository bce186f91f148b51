package dev.deltaci.core.pipeline;

import static dev.deltaci.core.pipeline.PipelineParser.CONCURRENCY_KEYS;
import static dev.deltaci.core.pipeline.PipelineParser.MAX_ARTIFACT_PATHS;
import static dev.deltaci.core.pipeline.PipelineParser.MAX_TIMEOUT_MINUTES;
import static dev.deltaci.core.pipeline.PipelineParser.RETRY_KEYS;

import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.Template;
import dev.deltaci.core.job.FailureClass;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** Reads a job's (and a step's) fields other than steps: timeouts, env, concurrency, artifacts, image, labels, retry. */
final class JobFieldReader extends YamlReader {

    private final ExpressionChecks expressions;

    JobFieldReader(String file, List<ConfigProblem> problems, ExpressionChecks expressions) {
        super(file, problems);
        this.expressions = expressions;
    }

    int minutes(NodeTuple field, String where, int fallback) {
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
            if (minutes > MAX_TIMEOUT_MINUTES) {
                // as GitHub does with a timeout above its own limit: the limit applies
                note(node, where + " '" + key + "' is " + minutes + "; Delta CI's limit is " + MAX_TIMEOUT_MINUTES
                        + " minutes (72 hours), which applies");
                return MAX_TIMEOUT_MINUTES;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problem(node, where + " '" + key + "' must be a whole number from 1 to " + MAX_TIMEOUT_MINUTES
                + ", found '" + text + "'");
        return fallback;
    }

    /**
     * {@code concurrency: <group>} or {@code {group: <group>, cancel-in-progress: true}}. The group
     * may use {@code delta} (and {@code matrix} in a job with a matrix); it is rendered per run.
     */
    Concurrency concurrency(Node node, String where) {
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
                expressions.checkNames(placeholder.expr(), expressions.matrixKeysInScope() == null ? Set.of("delta", "github", "inputs")
                        : Set.of("delta", "github", "inputs", "matrix"), List.of());
            }
        } catch (ExpressionException e) {
            problem(groupNode, where + " group: " + e.getMessage());
            return null;
        }
        return new Concurrency(group, cancelInProgress);
    }

    /** {@code artifacts: [path, ...]}: files or directories inside the workspace. */
    List<String> artifacts(Node node, String where) {
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
    String image(Node node, String where) {
        String image = scalar(node, where);
        if (image == null) {
            return null;
        }
        try {
            Template template = Template.parse(image);
            for (Template.Placeholder placeholder : template.placeholders()) {
                expressions.checkNames(placeholder.expr(), expressions.runnerContexts(), List.of());
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
    List<String> labels(Node node, String where) {
        return checkedLabels(node, where, stringOrList(node, where));
    }

    /** The labels, lower-cased, each a label, at most {@link RunnerLabels#MAX_LABELS}, sorted; problems at {@code node}. */
    private List<String> checkedLabels(Node node, String where, List<String> given) {
        List<String> labels = new ArrayList<>();
        for (String label : given) {
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

    /**
     * GitHub Actions' {@code runs-on}: a name, a list of names (a runner needs them all), or
     * {@code {group: NAME, labels: [...]}}. GitHub's hosted names ({@code ubuntu-latest}, …) stand
     * for labels of this Delta CI ({@link HostedRunners}); {@code self-hosted} for none; any other
     * name is a label, and a group's name is one too.
     */
    List<String> runsOn(Node node, String where, HostedRunners hosted) {
        List<String> labels = new ArrayList<>();
        for (String name : runsOnNames(node, where)) {
            hosted.labelsFor(name.strip()).ifPresentOrElse(labels::addAll, () -> labels.add(name));
        }
        return checkedLabels(node, where, labels);
    }

    /** Whether a {@code runs-on} names an expression ({@code ${{ matrix.os }}}) anywhere; its form is checked when read. */
    static boolean runsOnHasExpression(Node node) {
        if (node instanceof ScalarNode scalar) {
            return scalar.getValue().contains("${{");
        }
        if (node instanceof SequenceNode sequence) {
            return sequence.getValue().stream().anyMatch(JobFieldReader::runsOnHasExpression);
        }
        return node instanceof MappingNode mapping && mapping.getValue().stream().anyMatch(t -> t.getKeyNode()
                instanceof ScalarNode key && List.of("group", "labels").contains(key.getValue())
                && runsOnHasExpression(t.getValueNode()));
    }

    /**
     * A {@code runs-on} that uses {@code matrix.*}: checked against every instance of the job's
     * matrix now, so a name that renders to no label is found by lint, not when the run starts.
     */
    MatrixFields runsOnByMatrix(Node node, String where, HostedRunners hosted, Strategy strategy) {
        List<String> names = runsOnNames(node, where);
        try {
            for (String name : names) {
                for (Template.Placeholder placeholder : Template.parse(name).placeholders()) {
                    if (strategy == null && !expressions.isMatrixRefused()) {
                        throw new ExpressionException(placeholder.offset(), "'" + name + "' is an expression, which "
                                + "'runs-on' takes only from the job's matrix (its labels are decided when the run starts)");
                    }
                    expressions.checkNames(placeholder.expr(), Set.of("matrix"), List.of());
                }
            }
        } catch (ExpressionException e) {
            problem(node, where + ": " + e.getMessage());
            return null;
        }
        if (strategy == null) {
            return null; // the matrix could not be read; its own problem says why
        }
        MatrixFields fields = new MatrixFields(names, hosted, null);
        try {
            MatrixExpansion.combinations(strategy).forEach(fields::labels);
        } catch (IllegalArgumentException e) {
            problem(node, where + " " + e.getMessage());
            return null;
        }
        return fields;
    }

    /**
     * A job's {@code continue-on-error}: true or false, or in a matrix job an expression of
     * {@code matrix.*} ({@code ${{ matrix.experimental }}}) worked out for each instance.
     * Returns the expression, or null for a plain boolean (which {@code plain} then holds).
     */
    String continueOnError(Node node, String where, boolean[] plain) {
        if (node instanceof ScalarNode scalar && scalar.getValue().contains("${{")) {
            if (expressions.matrixKeysInScope() == null && !expressions.isMatrixRefused()) {
                problem(node, where + " continue-on-error: an expression here may use only the job's matrix "
                        + "(true or false otherwise)");
                return null;
            }
            String text = scalar.getValue().strip();
            if (!text.startsWith("${{") || !text.endsWith("}}") || text.indexOf("${{", 3) >= 0) {
                problem(node, where + " continue-on-error must be true, false or one ${{ }} expression, found '" + text + "'");
                return null;
            }
            try {
                expressions.checkNames(dev.deltaci.core.expr.ExpressionParser.parse(text.substring(3, text.length() - 2)),
                        Set.of("matrix"), List.of());
            } catch (ExpressionException e) {
                problem(node, where + " continue-on-error: " + e.getMessage());
                return null;
            }
            return text;
        }
        plain[0] = bool(node, where + " continue-on-error");
        return null;
    }

    /** The names a {@code runs-on} lists: a name, a list, or {@code {group, labels}}. */
    private List<String> runsOnNames(Node node, String where) {
        List<String> names = new ArrayList<>();
        if (node instanceof MappingNode) {
            Map<String, NodeTuple> fields = mapping(node, where, List.of("group", "labels"));
            if (fields == null) {
                return List.of();
            }
            if (fields.containsKey("group")) {
                String group = scalar(fields.get("group").getValueNode(), where + " group");
                if (group != null) {
                    names.add(group);
                }
            }
            if (fields.containsKey("labels")) {
                names.addAll(stringOrList(fields.get("labels").getValueNode(), where + " labels"));
            }
            if (names.isEmpty()) {
                problem(node, where + " names no 'group' and no 'labels'");
            }
        } else {
            names.addAll(stringOrList(node, where));
        }
        return names;
    }

    static final List<String> SERVICE_KEYS = List.of("image", "env", "ports", "options");
    private static final Pattern SERVICE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,62}");

    /**
     * GitHub Actions' {@code services: {postgres: {image, env, ports, options}}}: containers the
     * runner starts beside the job (it needs Docker). A bare image name is {@code {image: name}}.
     */
    List<ServiceSpec> services(Node node, String where) {
        Map<String, NodeTuple> entries = mapping(node, where + " 'services'", null);
        if (entries == null) {
            return List.of();
        }
        List<ServiceSpec> services = new ArrayList<>();
        for (Map.Entry<String, NodeTuple> entry : entries.entrySet()) {
            String at = where + " service '" + entry.getKey() + "'";
            if (!SERVICE_NAME.matcher(entry.getKey()).matches()) {
                problem(entry.getValue().getKeyNode(), at + ": a service name is letters, digits, '_' and '-', starting "
                        + "with a letter or '_' (it is the service's host name)");
                continue;
            }
            Node value = entry.getValue().getValueNode();
            if (value instanceof ScalarNode) {
                String image = image(value, at + " image");
                if (image != null) {
                    services.add(new ServiceSpec(entry.getKey(), image, Map.of(), List.of(), List.of()));
                }
                continue;
            }
            Map<String, NodeTuple> fields = mapping(value, at, SERVICE_KEYS);
            if (fields == null) {
                continue;
            }
            if (!fields.containsKey("image")) {
                problem(value, at + " names no 'image'");
                continue;
            }
            String image = image(fields.get("image").getValueNode(), at + " image");
            Map<String, String> env = fields.containsKey("env") ? env(fields.get("env").getValueNode(), at + " env") : Map.of();
            env.forEach((name, text) -> expressions.checkTemplate(valueOf(fields.get("env").getValueNode(), name), text,
                    at + " env '" + name + "'"));
            List<String> ports = fields.containsKey("ports") ? stringOrList(fields.get("ports").getValueNode(), at + " ports")
                    : List.of();
            for (String port : ports) {
                if (!ServiceSpec.PORT.matcher(port.strip()).matches()) {
                    problem(fields.get("ports").getValueNode(), at + " port '" + port + "' must be PORT or HOST_PORT:PORT "
                            + "(e.g. 5432 or 5432:5432)");
                }
            }
            List<String> options = List.of();
            if (fields.containsKey("options")) {
                String text = scalar(fields.get("options").getValueNode(), at + " options");
                options = text == null ? List.of() : ServiceSpec.words(text);
                ServiceSpec.problem(options).ifPresent(p -> problem(fields.get("options").getValueNode(), at + " options: " + p));
            }
            if (image != null) {
                services.add(new ServiceSpec(entry.getKey(), image, env, ports.stream().map(String::strip).toList(), options));
            }
        }
        return services;
    }

    /**
     * GitHub Actions' {@code container}: {@code node:20} or {@code {image: node:20}}, Delta's
     * {@code image:}; its other keys (env, ports, volumes, options, credentials) are not taken yet.
     */
    String container(Node node, String where) {
        if (node instanceof ScalarNode) {
            return image(node, where);
        }
        Map<String, NodeTuple> fields = mapping(node, where, List.of("image"));
        if (fields == null) {
            return null;
        }
        if (!fields.containsKey("image")) {
            problem(node, where + " names no 'image'");
            return null;
        }
        return image(fields.get("image").getValueNode(), where + " image");
    }

    /** The scopes GitHub's {@code permissions} may name, and what each may be. */
    static final List<String> PERMISSION_SCOPES = List.of("actions", "attestations", "checks", "contents", "deployments",
            "discussions", "id-token", "issues", "models", "packages", "pages", "pull-requests", "repository-projects",
            "security-events", "statuses", "artifact-metadata");
    static final List<String> PERMISSION_LEVELS = List.of("read", "write", "none");

    /**
     * GitHub Actions' {@code permissions}: {@code read-all}, {@code write-all}, or scopes to
     * {@code read}, {@code write} or {@code none}; checked here, so a typo is found at lint time.
     * (What a job may do with GitHub is the checkout token's {@code contents: read} until Delta
     * issues job tokens; see docs/pipeline-language.md.)
     */
    void permissions(Node node, String where) {
        if (node instanceof ScalarNode scalar) {
            String value = scalar.getValue().strip();
            if (!value.equals("read-all") && !value.equals("write-all")) {
                problem(node, where + " must be read-all, write-all or a map of scopes to read, write or none; found '"
                        + value + "'");
            }
            return;
        }
        Map<String, NodeTuple> scopes = mapping(node, where, PERMISSION_SCOPES);
        if (scopes == null) {
            return;
        }
        scopes.forEach((scope, tuple) -> {
            String level = scalar(tuple.getValueNode(), where + " " + scope);
            if (level != null && !PERMISSION_LEVELS.contains(level.strip())) {
                problem(tuple.getValueNode(), where + " " + scope + ": '" + level + "' is not read, write or none");
            }
        });
    }

    /** {@code retry: {max: N, when: [script_failure, timeout]}}; {@code when} defaults to both. */
    RetrySpec retry(Node node, String where) {
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

    Map<String, String> env(Node node, String where) {
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
