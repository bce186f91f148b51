package dev.deltaci.functions.http;

import dev.deltaci.api.Problem;
import dev.deltaci.api.Reply;
import dev.deltaci.api.WireJson;
import java.util.LinkedHashMap;
import java.util.Map;

/** A service's answer, before the handler turns it into an API Gateway response. */
public record ApiResponse(int status, Map<String, Object> body) {

    public static ApiResponse of(int status, Object... keyValues) {
        Map<String, Object> body = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            body.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new ApiResponse(status, body);
    }

    /** A runner-API answer, with the status its outcome has and the fields the wire contract gives it. */
    public static ApiResponse reply(Reply reply) {
        if (reply instanceof Problem problem) {
            return error(problem.status(), problem.error());
        }
        return new ApiResponse(reply.httpStatus(), WireJson.fields(reply));
    }

    /**
     * The answer for a run that does not exist or is out of the key's reach: the same for both,
     * so run ids cannot be probed with a key for other repositories.
     */
    public static ApiResponse noRun(String runId, String keyName) {
        return error(404, "no run '" + runId + "' that API key '" + keyName + "' may see");
    }

    public static ApiResponse error(int status, String message) {
        return of(status, "error", message);
    }
}
