package dev.deltaci.functions.http;

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

    public static ApiResponse error(int status, String message) {
        return of(status, "error", message);
    }
}
