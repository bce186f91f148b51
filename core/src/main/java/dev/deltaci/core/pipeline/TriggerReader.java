package dev.deltaci.core.pipeline;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        for (Map.Entry<String, Node> event : events.entrySet()) {
            Node filters = event.getValue();
            boolean unfiltered = filters == null || filters instanceof ScalarNode s && s.getValue().isEmpty()
                    || node instanceof SequenceNode;
            switch (event.getKey()) {
                case "push" -> push = unfiltered ? PushTrigger.ALL : pushFilters(filters);
                case "pull_request" -> pullRequest = unfiltered ? PullRequestTrigger.ALL : pullRequestFilters(filters);
                default -> problem(filters == null ? node : filters, "'on: " + event.getKey()
                        + "' is not supported yet; Delta CI runs on 'push' and 'pull_request'");
            }
        }
        if (push == null && pullRequest == null) {
            problem(node, "'on' names no event Delta CI runs on; use 'push' or 'pull_request'");
            return Triggers.DEFAULT;
        }
        return new Triggers(push, pullRequest);
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
            for (String type : lists.get("types")) {
                if (!PullRequestTrigger.SUPPORTED_TYPES.contains(type)) {
                    problem(fields.get("types").getValueNode(), "'on.pull_request.types' has '" + type
                            + "', which Delta CI does not run on; use " + String.join(", ", PullRequestTrigger.SUPPORTED_TYPES));
                }
            }
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
