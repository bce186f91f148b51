package dev.deltaci.api;

import com.fasterxml.jackson.databind.JsonNode;

/** How a client reads an answer: by its {@code outcome}, or as a {@link Problem} when it has none. */
public final class Replies {

    private Replies() {
    }

    /**
     * @param type   the sealed answer type of the call (it permits {@link Problem})
     * @param status the HTTP status, used only for an answer without an outcome
     */
    public static <T extends Reply> T decode(Class<T> type, int status, String body) {
        JsonNode json;
        try {
            json = WireJson.readTree(body);
        } catch (WireJson.Invalid e) {
            return type.cast(new Problem(status, body == null || body.isBlank() ? "HTTP " + status : body.strip()));
        }
        if (!json.path("outcome").isTextual()) {
            JsonNode error = json.hasNonNull("error") ? json.get("error") : json.get("message");
            return type.cast(new Problem(status, error == null ? "HTTP " + status : error.asText()));
        }
        try {
            return WireJson.read(json, type);
        } catch (WireJson.Invalid e) {
            // a newer control plane's outcome, or a body that breaks the contract: nothing to act on
            return type.cast(new Problem(status, "unrecognised answer (outcome '" + json.get("outcome").asText()
                    + "'): " + e.getMessage()));
        }
    }
}
