package dev.deltaci.functions.runnerapi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.functions.http.JsonBody;
import java.util.regex.Pattern;

/** The fields every runner call carries, checked before anything is read or written. */
final class RunnerRequest {

private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

    final JsonNode json;
    final String runId;
    final String jobKey;
    final String runnerId;
    final long epoch;

    private RunnerRequest(JsonNode json) throws BadRequest {
        this.json = json;
        this.runId = id("runId");
        this.jobKey = id("jobKey");
        this.runnerId = id("runnerId");
        JsonNode epochNode = json.get("epoch");
        if (epochNode == null || !epochNode.canConvertToLong() || epochNode.asLong() < 0) {
            throw new BadRequest("'epoch' must be a whole number of 0 or more");
        }
        this.epoch = epochNode.asLong();
    }

    static RunnerRequest parse(byte[] body) throws BadRequest {
        try {
            return new RunnerRequest(JsonBody.object(body, "a JSON object"));
        } catch (JsonBody.Invalid e) {
            throw new BadRequest(e.getMessage());
        }
    }

    private String id(String field) throws BadRequest {
        String value = optionalText(field);
        if (value == null || !ID.matcher(value).matches()) {
            throw new BadRequest("'" + field + "' is missing or not an id (letters, digits, '_.:-', at most 128)");
        }
        return value;
    }

    String optionalText(String field) {
        JsonNode node = json.get(field);
        return node == null || node.isNull() || !node.isTextual() ? null : node.asText();
    }

    String requiredText(String field) throws BadRequest {
        String value = optionalText(field);
        if (value == null) {
            throw new BadRequest("'" + field + "' must be a string");
        }
        return value;
    }

    long requiredLong(String field) throws BadRequest {
        JsonNode node = json.get(field);
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new BadRequest("'" + field + "' must be a whole number");
        }
        return node.asLong();
    }

    int requiredInt(String field) throws BadRequest {
        JsonNode node = json.get(field);
        if (node == null || !node.canConvertToInt() || !node.isIntegralNumber()) {
            throw new BadRequest("'" + field + "' must be a whole number");
        }
        return node.asInt();
    }
}
