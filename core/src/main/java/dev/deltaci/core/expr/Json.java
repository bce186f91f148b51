package dev.deltaci.core.expr;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.schema.JsonSchema;

/**
 * {@code toJSON()} and {@code fromJSON()}: expression values (maps, lists, text, numbers as
 * doubles, booleans, null) to and from JSON. toJSON indents by two spaces, as GitHub's does.
 */
final class Json {

    private Json() {
    }

    static Object read(String text) {
        Object parsed;
        try {
            parsed = new Load(LoadSettings.builder().setSchema(new JsonSchema()).build()).loadFromString(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("fromJSON(): not JSON: '" + shorten(text) + "'");
        }
        return value(parsed);
    }

    /** Numbers become doubles, as every number in an expression is. */
    private static Object value(Object parsed) {
        if (parsed instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), value(v)));
            return out;
        }
        if (parsed instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(item -> out.add(value(item)));
            return out;
        }
        if (parsed instanceof Integer || parsed instanceof Long || parsed instanceof BigInteger
                || parsed instanceof BigDecimal || parsed instanceof Float) {
            return ((Number) parsed).doubleValue();
        }
        return parsed;
    }

    static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out, "");
        return out.toString();
    }

    private static void write(Object value, StringBuilder out, String indent) {
        if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append("{\n");
            int i = 0;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                out.append(indent).append("  ");
                string(String.valueOf(entry.getKey()), out);
                out.append(": ");
                write(entry.getValue(), out, indent + "  ");
                out.append(++i < map.size() ? ",\n" : "\n");
            }
            out.append(indent).append('}');
        } else if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append("[\n");
            for (int i = 0; i < list.size(); i++) {
                out.append(indent).append("  ");
                write(list.get(i), out, indent + "  ");
                out.append(i + 1 < list.size() ? ",\n" : "\n");
            }
            out.append(indent).append(']');
        } else if (value instanceof String text) {
            string(text, out);
        } else if (value == null) {
            out.append("null");
        } else if (value instanceof Double d) {
            out.append(Evaluator.asText(d));
        } else {
            out.append(value);
        }
    }

    private static void string(String text, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static String shorten(String text) {
        return text.length() > 40 ? text.substring(0, 37) + "..." : text;
    }
}
