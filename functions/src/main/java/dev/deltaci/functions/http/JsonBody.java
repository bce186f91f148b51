package dev.deltaci.functions.http;

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
        return json;
    }
}
