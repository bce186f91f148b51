package dev.deltaci.core.pipeline;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** Reads {@code on:}: the events that run a pipeline, and the filters of {@code push}. */
final class TriggerReader extends YamlReader {

    static final List<String> PUSH_FILTERS = List.of("branches", "branches-ignore", "tags", "tags-ignore",
            "paths", "paths-ignore");
    static final List<String> PULL_REQUEST_FILTERS = List.of("types", "branches", "branches-ignore", "paths",
            "paths-ignore");
    static final List<String> MANUAL_KEYS = List.of("inputs");
    static final List<String> SCHEDULE_KEYS = List.of("cron");
    static final List<String> INPUT_KEYS = List.of("description", "required", "default", "type", "options");
    private static final java.util.regex.Pattern INPUT_NAME = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,63}");

    TriggerReader(String file, List<ConfigProblem> problems) {
        super(file, problems);
    }

    /**
     * {@code on}: an event, a list of events, or a mapping of events to their filters; the events
     * are {@code push} and {@code pull_request}. Other events are errors until they are supported,
     * so that a workflow never silently stops running.
     */
    Triggers read(Node node) {
        Map<String, Node> events = new LinkedHashMap<>();
        if (node instanceof ScalarNode s) {
            events.put(s.getValue(), null);
        } else if (node instanceof SequenceNode sequence) {
            for (Node item : sequence.getValue()) {
                String event = scalar(item, "'on' entry");
                if (event != null) {
                    events.put(event, item);
                }
            }
        } else {
            Map<String, NodeTuple> entries = mapping(node, "'on'", null);
            if (entries == null) {
                return Triggers.DEFAULT;
            }
            entries.forEach((event, tuple) -> events.put(event, tuple.getValueNode()));
        }
        PushTrigger push = null;
        PullRequestTrigger pullRequest = null;
        ManualTrigger manual = null;
        ScheduleTrigger schedule = null;
        List<String> ignored = new java.util.ArrayList<>();
        for (Map.Entry<String, Node> event : events.entrySet()) {
            Node filters = event.getValue();
            // 'pull_request:', 'pull_request: ~' and 'pull_request: null' all mean "no filters"
            boolean unfiltered = filters == null || filters instanceof ScalarNode s
                    && (List.of("", "~", "null").contains(s.getValue()) || s.getTag().equals(org.snakeyaml.engine.v2.nodes.Tag.NULL))
                    || node instanceof SequenceNode;
            switch (event.getKey()) {
                case "push" -> push = unfiltered ? PushTrigger.ALL : pushFilters(filters);
                case "pull_request" -> pullRequest = unfiltered ? PullRequestTrigger.ALL : pullRequestFilters(filters);
                case "workflow_dispatch" -> manual = unfiltered ? new ManualTrigger(Map.of()) : manual(filters);
                case "schedule" -> schedule = schedule(filters == null ? node : filters);
                default -> {
                    if (GITHUB_ONLY_EVENTS.contains(event.getKey())) {
                        ignored.add(event.getKey());
                    } else {
                        problem(filters == null ? node : filters, "'on: " + event.getKey()
                                + "' is not an event Delta CI knows; it runs on " + EVENTS);
                    }
                }
            }
        }
        if (push == null && pullRequest == null && manual == null && schedule == null && ignored.equals(List.of("workflow_call"))) {
            // a reusable workflow: valid as it is, and run where a job calls it
            note(node, "'on: workflow_call' alone: this workflow runs where a job calls it (jobs.<id>.uses), not by itself");
            return new Triggers(null, null, null, null);
        }
        if (push == null && pullRequest == null && manual == null && schedule == null) {
            problem(node, NO_DELTA_EVENT + (ignored.isEmpty() ? "" : " ("
                    + String.join(", ", ignored) + (ignored.size() == 1 ? " is a GitHub event" : " are GitHub events")
                    + " Delta CI does not receive)") + "; use 'push', 'pull_request', 'workflow_dispatch' or 'schedule'");
            return Triggers.DEFAULT;
        }
        if (!ignored.isEmpty()) {
            note(node, "'on' lists " + String.join(", ", ignored) + (ignored.size() == 1 ? ", a GitHub event" : ", GitHub events")
                    + " Delta CI does not receive; the workflow runs on " + new Triggers(push, pullRequest, manual, schedule).listed());
        }
        return new Triggers(push, pullRequest, manual, schedule);
    }

    static final String NO_DELTA_EVENT = "'on' names no event Delta CI runs on";

    /**
     * GitHub's events that Delta CI does not receive: a workflow may list them beside the ones it
     * does (its other events still run it); listed alone, nothing would run it, which is a problem.
     */
    static final java.util.Set<String> GITHUB_ONLY_EVENTS = java.util.Set.of("branch_protection_rule", "check_run",
            "check_suite", "create", "delete", "deployment", "deployment_status", "discussion", "discussion_comment",
            "fork", "gollum", "issue_comment", "issues", "label", "merge_group", "milestone", "page_build", "public",
            "pull_request_review", "pull_request_review_comment", "pull_request_target", "registry_package", "release",
            "repository_dispatch", "status", "watch", "workflow_call", "workflow_run");

    private static final String EVENTS = "'push', 'pull_request', 'workflow_dispatch' and 'schedule'";

    /** {@code schedule: [{cron: '0 3 * * *'}, ...]}. */
    private ScheduleTrigger schedule(Node node) {
        if (!(node instanceof SequenceNode sequence) || sequence.getValue().isEmpty()) {
            problem(node, "'on.schedule' must be a list of entries like {cron: '0 3 * * *'}");
            return null;
        }
        List<String> crons = new java.util.ArrayList<>();
        for (Node entry : sequence.getValue()) {
            Map<String, NodeTuple> fields = mapping(entry, "'on.schedule' entry", SCHEDULE_KEYS);
            if (fields == null) {
                continue;
            }
            if (!fields.containsKey("cron")) {
                if (((MappingNode) entry).getValue().isEmpty()) { // else the unknown key was reported
                    problem(entry, "'on.schedule' entry needs 'cron', e.g. {cron: '0 3 * * *'}");
                }
                continue;
            }
            Node cronNode = fields.get("cron").getValueNode();
            String cron = scalar(cronNode, "'on.schedule' cron");
            if (cron == null) {
                continue;
            }
            String problem = ScheduleTrigger.problem(cron.strip());
            if (problem != null) {
                problem(cronNode, "'on.schedule' cron '" + cron + "' is invalid: " + problem
                        + " (five fields: minute hour day-of-month month day-of-week, UTC)");
            } else {
                crons.add(cron.strip());
            }
        }
        return new ScheduleTrigger(crons);
    }

    /** {@code workflow_dispatch: {inputs: {name: {description, required, default, type, options}}}}. */
    private ManualTrigger manual(Node node) {
        Map<String, NodeTuple> fields = mapping(node, "'on.workflow_dispatch'", MANUAL_KEYS);
        if (fields == null || !fields.containsKey("inputs")) {
            return new ManualTrigger(Map.of());
        }
        Map<String, NodeTuple> declared = mapping(fields.get("inputs").getValueNode(), "'on.workflow_dispatch.inputs'", null);
        if (declared == null) {
            return new ManualTrigger(Map.of());
        }
        if (declared.size() > ManualTrigger.MAX_INPUTS) {
            problem(fields.get("inputs").getValueNode(), "'on.workflow_dispatch.inputs' declares " + declared.size()
                    + " inputs; at most " + ManualTrigger.MAX_INPUTS);
        }
        Map<String, ManualTrigger.Input> inputs = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> entry : declared.entrySet()) {
            String name = entry.getKey();
            String where = "input '" + name + "'";
            if (!INPUT_NAME.matcher(name).matches()) {
                problem(entry.getValue().getKeyNode(), where + ": use letters, digits, '-' and '_', starting with a letter or '_'");
                continue;
            }
            Node spec = entry.getValue().getValueNode();
            Map<String, NodeTuple> keys = spec instanceof ScalarNode s && s.getValue().isEmpty() ? Map.of()
                    : mapping(spec, where, INPUT_KEYS);
            if (keys == null) {
                continue;
            }
            String type = keys.containsKey("type") ? scalar(keys.get("type").getValueNode(), where + " type") : "string";
            if (type != null && !ManualTrigger.TYPES.contains(type)) {
                problem(keys.get("type").getValueNode(), where + " has type '" + type + "'; use one of: "
                        + String.join(", ", ManualTrigger.TYPES));
                type = "string";
            }
            List<String> options = keys.containsKey("options")
                    ? stringOrList(keys.get("options").getValueNode(), where + " options") : List.of();
            if ("choice".equals(type) && options.isEmpty()) {
                problem(spec, where + " is a choice and needs 'options'");
            } else if (!"choice".equals(type) && keys.containsKey("options")) {
                problem(keys.get("options").getKeyNode(), where + " has 'options', which only go with 'type: choice'");
            }
            String defaultValue = keys.containsKey("default") ? scalar(keys.get("default").getValueNode(), where + " default") : null;
            boolean required = keys.containsKey("required") && bool(keys.get("required").getValueNode(), where + " required");
            String description = keys.containsKey("description")
                    ? scalar(keys.get("description").getValueNode(), where + " description") : null;
            ManualTrigger.Input input = new ManualTrigger.Input(name, description, required, defaultValue,
                    type == null ? "string" : type, options);
            if (defaultValue != null) {
                new ManualTrigger(Map.of(name, input)).resolve(Map.of()).problems()
                        .forEach(p -> problem(keys.get("default").getValueNode(), where + " default: " + p));
            }
            inputs.put(name, input);
        }
        return new ManualTrigger(inputs);
    }

    private PullRequestTrigger pullRequestFilters(Node node) {
        Map<String, NodeTuple> fields = mapping(node, "'on.pull_request'", PULL_REQUEST_FILTERS);
        if (fields == null) {
            return PullRequestTrigger.ALL;
        }
        Map<String, List<String>> lists = new HashMap<>();
        for (Map.Entry<String, NodeTuple> field : fields.entrySet()) {
            lists.put(field.getKey(), stringOrList(field.getValue().getValueNode(), "'on.pull_request." + field.getKey() + "'"));
        }
        if (lists.containsKey("types")) {
            List<String> kept = new java.util.ArrayList<>();
            boolean refused = false;
            for (String type : lists.get("types")) {
                if (PullRequestTrigger.SUPPORTED_TYPES.contains(type)) {
                    kept.add(type);
                } else if (PullRequestTrigger.GITHUB_TYPES.contains(type)) {
                    note(fields.get("types").getValueNode(), "'on.pull_request.types' " + type + ": Delta CI runs pull "
                            + "requests when they are " + String.join(", ", PullRequestTrigger.SUPPORTED_TYPES) + ", not "
                            + type);
                } else {
                    problem(fields.get("types").getValueNode(), "'on.pull_request.types' has '" + type
                            + "', which is not a pull request activity; Delta CI runs on "
                            + String.join(", ", PullRequestTrigger.SUPPORTED_TYPES));
                    refused = true;
                }
            }
            if (kept.isEmpty() && !refused) {
                problem(fields.get("types").getValueNode(), "'on.pull_request.types' lists none of the activities "
                        + "Delta CI runs pull requests on: " + String.join(", ", PullRequestTrigger.SUPPORTED_TYPES));
            }
            lists.put("types", kept);
        }
        for (String kind : List.of("branches", "paths")) {
            if (fields.containsKey(kind) && fields.containsKey(kind + "-ignore")) {
                problem(fields.get(kind + "-ignore").getKeyNode(), "'on.pull_request' has both '" + kind + "' and '"
                        + kind + "-ignore'; use one (a '!' pattern in '" + kind + "' excludes)");
            }
        }
        return new PullRequestTrigger(lists.get("types"), lists.get("branches"), lists.get("branches-ignore"),
                lists.get("paths"), lists.get("paths-ignore"));
    }

    private PushTrigger pushFilters(Node node) {
        Map<String, NodeTuple> fields = mapping(node, "'on.push'", PUSH_FILTERS);
        if (fields == null) {
            return PushTrigger.ALL;
        }
        Map<String, List<String>> lists = new HashMap<>();
        for (Map.Entry<String, NodeTuple> field : fields.entrySet()) {
            lists.put(field.getKey(), stringOrList(field.getValue().getValueNode(), "'on.push." + field.getKey() + "'"));
        }
        for (String kind : List.of("branches", "tags", "paths")) {
            if (fields.containsKey(kind) && fields.containsKey(kind + "-ignore")) {
                problem(fields.get(kind + "-ignore").getKeyNode(), "'on.push' has both '" + kind + "' and '" + kind
                        + "-ignore'; use one (a '!' pattern in '" + kind + "' excludes)");
            }
        }
        return new PushTrigger(lists.get("branches"), lists.get("branches-ignore"), lists.get("tags"),
                lists.get("tags-ignore"), lists.get("paths"), lists.get("paths-ignore"));
    }
}
