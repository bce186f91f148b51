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

    TriggerReader(String file, List<ConfigProblem> problems) {
        super(file, problems);
    }

    /**
     * {@code on}: {@code push}, {@code [push]} or {@code {push: {filters}}}. Other events are
     * errors until they are supported, so that a workflow never silently stops running.
     */
    PushTrigger read(Node node) {
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
                return PushTrigger.ALL;
            }
            entries.forEach((event, tuple) -> events.put(event, tuple.getValueNode()));
        }
        PushTrigger push = null;
        for (Map.Entry<String, Node> event : events.entrySet()) {
            if (!event.getKey().equals("push")) {
                problem(event.getValue() == null ? node : event.getValue(), "'on: " + event.getKey()
                        + "' is not supported yet; Delta CI runs on 'push'");
                continue;
            }
            Node filters = event.getValue();
            push = filters == null || filters instanceof ScalarNode s && s.getValue().isEmpty()
                    || node instanceof SequenceNode ? PushTrigger.ALL : pushFilters(filters);
        }
        if (push == null) {
            problem(node, "'on' names no event Delta CI runs on; use 'push'");
            return PushTrigger.ALL;
        }
        return push;
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
