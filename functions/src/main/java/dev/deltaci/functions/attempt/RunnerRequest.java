package dev.deltaci.functions.attempt;

import dev.deltaci.api.WireJson;
import dev.deltaci.functions.http.JsonBody;

/** Reads a runner call's body as its wire-contract record, checked before anything is read or written. */
final class RunnerRequest {

    private RunnerRequest() {
    }

    /** @param expected how the 400 describes a body that is not an object, e.g. "a JSON object with 'state'" */
    static <T> T read(byte[] body, Class<T> type, String expected) throws BadRequest {
        try {
            // every string is checked to be valid text first: nothing of a request with broken text is stored
            return WireJson.read(JsonBody.object(body, expected), type);
        } catch (JsonBody.Invalid | WireJson.Invalid e) {
            throw new BadRequest(e.getMessage());
        }
    }
}
