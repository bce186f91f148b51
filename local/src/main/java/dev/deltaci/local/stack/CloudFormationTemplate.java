package dev.deltaci.local.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * {@code infra/template.yaml} read as plain maps and lists. CloudFormation's short-form
 * intrinsics ({@code !Ref X}, {@code !GetAtt X.Arn}, {@code !Sub ...}) become their long form
 * ({@code {Ref: X}}, {@code {Fn::GetAtt: [X, Arn]}}, {@code {Fn::Sub: ...}}), which is what
 * the local stack resolves.
 */
public record CloudFormationTemplate(Map<String, Object> root) {

    public static CloudFormationTemplate read(Path file) throws IOException {
        Node node = new Compose(LoadSettings.builder().setLabel(file.toString()).build())
                .composeString(Files.readString(file))
                .orElseThrow(() -> new IOException(file + " is empty"));
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) toJava(node);
        return new CloudFormationTemplate(root);
    }

    /** Logical id → resource ({@code Type}, {@code Properties}), in template order. */
    @SuppressWarnings("unchecked")
    public Map<String, Map<String, Object>> resources() {
        return (Map<String, Map<String, Object>>) (Map<?, ?>) root.getOrDefault("Resources", Map.of());
    }

    /** Resources of one type, by logical id. */
    public Map<String, Map<String, Object>> resourcesOfType(String type) {
        Map<String, Map<String, Object>> found = new LinkedHashMap<>();
        resources().forEach((id, resource) -> {
            if (type.equals(resource.get("Type"))) {
                found.put(id, resource);
            }
        });
        return found;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> properties(Map<String, Object> resource) {
        return (Map<String, Object>) resource.getOrDefault("Properties", Map.of());
    }

    /** A function's memory in MB: its own {@code MemorySize}, else the globals', else Lambda's default 128. */
    @SuppressWarnings("unchecked")
    public int functionMemoryMb(String logicalId) {
        Object own = properties(resources().getOrDefault(logicalId, Map.of())).get("MemorySize");
        Map<String, Object> globals = (Map<String, Object>) root.getOrDefault("Globals", Map.of());
        Object shared = ((Map<String, Object>) globals.getOrDefault("Function", Map.of())).get("MemorySize");
        Object memory = own != null ? own : shared;
        return memory == null ? 128 : Integer.parseInt(memory.toString());
    }

    /** {@code Globals.Function.Environment.Variables}, the environment every function shares. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> globalFunctionEnvironment() {
        Map<String, Object> globals = (Map<String, Object>) root.getOrDefault("Globals", Map.of());
        Map<String, Object> function = (Map<String, Object>) globals.getOrDefault("Function", Map.of());
        Map<String, Object> environment = (Map<String, Object>) function.getOrDefault("Environment", Map.of());
        return (Map<String, Object>) environment.getOrDefault("Variables", Map.of());
    }

    private static Object toJava(Node node) {
        Object value;
        if (node instanceof MappingNode mapping) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (NodeTuple tuple : mapping.getValue()) {
                map.put(((ScalarNode) tuple.getKeyNode()).getValue(), toJava(tuple.getValueNode()));
            }
            value = map;
        } else if (node instanceof SequenceNode sequence) {
            List<Object> list = new ArrayList<>();
            sequence.getValue().forEach(item -> list.add(toJava(item)));
            value = list;
        } else {
            value = ((ScalarNode) node).getValue();
        }
        Tag tag = node.getTag();
        String tagName = tag.getValue();
        if (!tagName.startsWith("!")) {
            return value;
        }
        String function = tagName.substring(1);
        if (function.equals("Ref")) {
            return Map.of("Ref", value);
        }
        if (function.equals("GetAtt") && value instanceof String path) {
            int dot = path.indexOf('.');
            return Map.of("Fn::GetAtt", List.of(path.substring(0, dot), path.substring(dot + 1)));
        }
        return Map.of("Fn::" + function, value);
    }
}
