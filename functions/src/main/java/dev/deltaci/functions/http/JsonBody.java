package dev.deltaci.functions.http;

import dev.deltaci.core.text.CodePoints;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** A request body that must be one JSON object; what is wrong with it is said in the client's terms. */
public final class JsonBody {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The body is not a JSON object; the message is the 400 answer. */
    public static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    private JsonBody() {
    }

    /** @param expected how the 400 describes a body of the wrong shape, e.g. "a JSON object with 'state'" */
    public static JsonNode object(byte[] body, String expected) throws Invalid {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            throw new Invalid("body is not valid JSON");
        }
        if (json == null || !json.isObject()) {
            throw new Invalid("body must be " + expected);
        }
        Optional<String> text = invalidText(json);
        if (text.isPresent()) {
            throw new Invalid(text.get());
        }
        return json;
    }

    /**
     * The first key or string anywhere in {@code json} that is not valid text ({@link CodePoints}),
     * described with where it is; empty when all are. Every JSON body is checked with this before
     * any of it is used, so nothing of such a request is stored.
     */
    public static Optional<String> invalidText(JsonNode json) {
        java.util.ArrayDeque<Map.Entry<String, JsonNode>> pending = new java.util.ArrayDeque<>();
        pending.push(Map.entry("", json));
        while (!pending.isEmpty()) {
            Map.Entry<String, JsonNode> next = pending.pop();
            String where = next.getKey();
            JsonNode node = next.getValue();
            if (node.isTextual()) {
                Optional<String> problem = CodePoints.problem(node.textValue());
                if (problem.isPresent()) {
                    return Optional.of("'" + where + "' has " + problem.get() + "; send valid Unicode text");
                }
            } else if (node.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    String path = where.isEmpty() ? field.getKey() : where + "." + field.getKey();
                    Optional<String> problem = CodePoints.problem(field.getKey());
                    if (problem.isPresent()) {
                        return Optional.of("a key in '" + (where.isEmpty() ? "the body" : where) + "' has "
                                + problem.get() + "; send valid Unicode text");
                    }
                    pending.push(Map.entry(path, field.getValue()));
                }
            } else if (node.isArray()) {
                for (int i = 0; i < node.size(); i++) {
                    pending.push(Map.entry(where + "[" + i + "]", node.get(i)));
                }
            }
        }
        return Optional.empty();
    }
}
