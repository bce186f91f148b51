package dev.deltaci.local.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * Makes hostile inputs from valid ones: structural mutations of a JSON document (a field removed,
 * a value replaced by another type, a huge or control-character string, deep nesting) and byte
 * mutations of the encoded text (flips, inserts, truncation). Deterministic for a seed.
 */
final class Mutator {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final Random random;

    Mutator(long seed) {
        this.random = new Random(seed);
    }

    Random random() {
        return random;
    }

    /** A mutation of {@code seed}: 1 to 4 structural changes, then sometimes byte damage. */
    byte[] mutate(JsonNode seed) {
        JsonNode copy = seed.deepCopy();
        int changes = 1 + random.nextInt(4);
        for (int i = 0; i < changes; i++) {
            copy = mutateTree(copy);
        }
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(copy);
        } catch (Exception e) {
            bytes = copy.toString().getBytes(StandardCharsets.UTF_8);
        }
        return random.nextInt(4) == 0 ? damage(bytes) : bytes;
    }

    /** A string that is sometimes valid-looking and sometimes not. */
    String text() {
        return switch (random.nextInt(8)) {
            case 0 -> "";
            case 1 -> "x".repeat(1 + random.nextInt(5000));
            case 2 -> "../../etc/passwd";
            case 3 -> "a\u0000b\nc\u202e";
            case 4 -> "${{ secrets.X }}";
            case 5 -> "r-" + Long.toHexString(random.nextLong());
            case 6 -> String.valueOf(random.nextLong());
            default -> "\uD83D\uDE00 ünïcödé";
        };
    }

    private JsonNode mutateTree(JsonNode root) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        if (containers.isEmpty()) {
            return randomValue(0);
        }
        JsonNode target = containers.get(random.nextInt(containers.size()));
        if (target instanceof ObjectNode object && object.size() > 0) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            String name = names.get(random.nextInt(names.size()));
            switch (random.nextInt(4)) {
                case 0 -> object.remove(name);
                case 1 -> object.set(name, randomValue(0));
                case 2 -> object.set(text(), randomValue(0));
                default -> object.set(name, nest(object.get(name), 1 + random.nextInt(200)));
            }
        } else if (target instanceof ArrayNode array) {
            if (array.size() > 0 && random.nextBoolean()) {
                array.remove(random.nextInt(array.size()));
            } else {
                array.add(randomValue(0));
            }
        }
        return root;
    }

    private void collect(JsonNode node, List<JsonNode> containers) {
        if (node.isContainerNode()) {
            containers.add(node);
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                collect(it.next(), containers);
            }
        }
    }

    private JsonNode randomValue(int depth) {
        return switch (random.nextInt(depth > 3 ? 6 : 8)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(random.nextLong());
            case 3 -> NODES.numberNode(random.nextDouble() * 1e300);
            case 4, 5 -> NODES.textNode(text());
            case 6 -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(randomValue(depth + 1));
                }
                yield array;
            }
            default -> {
                ObjectNode object = NODES.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    object.set(text(), randomValue(depth + 1));
                }
                yield object;
            }
        };
    }

    private JsonNode nest(JsonNode value, int depth) {
        JsonNode nested = value == null ? NODES.nullNode() : value;
        for (int i = 0; i < depth; i++) {
            nested = NODES.arrayNode().add(nested);
        }
        return nested;
    }

    byte[] damage(byte[] bytes) {
        byte[] out = bytes.clone();
        switch (random.nextInt(3)) {
            case 0 -> {
                if (out.length > 0) {
                    out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 1 -> {
                int at = out.length == 0 ? 0 : random.nextInt(out.length);
                byte[] longer = new byte[out.length + 1];
                System.arraycopy(out, 0, longer, 0, at);
                longer[at] = (byte) random.nextInt(256);
                System.arraycopy(out, at, longer, at + 1, out.length - at);
                out = longer;
            }
            default -> out = java.util.Arrays.copyOf(out, out.length == 0 ? 0 : random.nextInt(out.length));
        }
        return out;
    }
}
