package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.deltaci.core.job.FailureClass;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one JSON mapping of the wire contract. Strict where a request could be misread (no number
 * sent as text, no text as a number, no fraction as a whole number, required fields present) and
 * lenient where versions may differ (unknown fields are ignored). What is wrong with a body is
 * said in the sender's terms: {@code 'epoch' must be a whole number}.
 */
public final class WireJson {

    private static final ObjectMapper MAPPER = mapper();

    private WireJson() {
    }

    /** A body that does not fit the record it must be; the message says which field and why. */
    public static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /** The value as a map of its JSON fields (what the control plane's HTTP edge writes out). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> fields(Object value) {
        return MAPPER.convertValue(value, Map.class);
    }

    public static <T> T read(String json, Class<T> type) throws Invalid {
        try {
            return check(MAPPER.readValue(json, type), type);
        } catch (IOException e) {
            throw invalid(e);
        }
    }

    public static <T> T read(JsonNode json, Class<T> type) throws Invalid {
        try {
            return check(MAPPER.treeToValue(json, type), type);
        } catch (IOException e) {
            throw invalid(e);
        }
    }

    public static JsonNode readTree(String json) throws Invalid {
        try {
            JsonNode tree = MAPPER.readTree(json);
            return tree == null ? MAPPER.createObjectNode() : tree;
        } catch (IOException e) {
            throw invalid(e);
        }
    }

    private static <T> T check(T value, Class<T> type) throws Invalid {
        if (value == null) {
            throw new Invalid("body must be a JSON object, not null");
        }
        return value;
    }

    private static Invalid invalid(IOException e) {
        if (e instanceof ValueInstantiationException instantiation && instantiation.getCause() != null) {
            // a record's own check (an id, a range) said what is wrong
            return new Invalid(instantiation.getCause().getMessage());
        }
        if (e instanceof MismatchedInputException mismatch) {
            String field = path(mismatch);
            String message = String.valueOf(mismatch.getOriginalMessage());
            if (message.startsWith("Missing required creator property")) {
                return new Invalid("'" + field + "' is missing");
            }
            if (mismatch instanceof InvalidFormatException format && format.getTargetType() != null
                    && format.getTargetType().isEnum()) {
                return new Invalid("'" + field + "' must be one of " + Arrays.stream(format.getTargetType()
                        .getEnumConstants()).map(c -> tree(c).asText()).collect(Collectors.joining(", ")));
            }
            if (field.isEmpty()) {
                return new Invalid("body must be a JSON object");
            }
            if (message.startsWith("Cannot map `null`")) {
                return new Invalid("'" + field + "' is missing or null; it must be " + expected(mismatch.getTargetType()));
            }
            return new Invalid("'" + field + "' must be " + expected(mismatch.getTargetType()));
        }
        if (e instanceof JsonMappingException mapping && mapping.getCause() instanceof IllegalArgumentException cause) {
            return new Invalid(cause.getMessage());
        }
        return new Invalid("body is not valid JSON");
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == long.class || type == int.class || type == Long.class || type == Integer.class) {
            return "a whole number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "an object";
        }
        return "an object";
    }

    private static ObjectMapper mapper() {
        ObjectMapper mapper = new ObjectMapper()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .setSerializationInclusion(JsonInclude.Include.NON_NULL);
        // a number sent as text (or text as a number) is a client's mistake, not something to guess at
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        SimpleModule failureClasses = new SimpleModule("failure-classes");
        failureClasses.addSerializer(FailureClass.class, new JsonSerializer<>() {
            @Override
            public void serialize(FailureClass value, JsonGenerator out, SerializerProvider provider) throws IOException {
                out.writeString(value.wireName());
            }
        });
        failureClasses.addDeserializer(FailureClass.class, new JsonDeserializer<>() {
            @Override
            public FailureClass deserialize(JsonParser in, DeserializationContext context) throws IOException {
                String name = in.getValueAsString();
                try {
                    return FailureClass.fromWireName(name);
                } catch (IllegalArgumentException e) {
                    throw InvalidFormatException.from(in, "'" + in.currentName() + "' must be one of "
                            + Arrays.stream(FailureClass.values()).map(FailureClass::wireName)
                            .collect(Collectors.joining(", ")), name, FailureClass.class);
                }
            }
        });
        mapper.registerModule(failureClasses);
        return mapper;
    }
}
