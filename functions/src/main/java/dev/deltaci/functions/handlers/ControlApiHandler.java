package dev.deltaci.functions.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.functions.config.ControlPlane;
import dev.deltaci.functions.control.ApiKeys;
import dev.deltaci.functions.control.CancelService;
import dev.deltaci.functions.control.ManualRunService;
import dev.deltaci.functions.http.ApiResponse;
import java.io.IOException;
import java.util.Map;

/**
 * The control API for people and tools: {@code POST /runs} starts a run by hand
 * ({@link ManualRunService}); {@code POST /runs/{runId}/cancel} with {@code {"by": "..."}} cancels one.
 * Every call needs an API key ({@link ApiKeys}: 401 without one) that covers the run's repository (403).
 */
public final class ControlApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CancelService cancels;
    private final ManualRunService manualRuns;

    public ControlApiHandler() {
        this(ControlPlane.fromEnvironment(System.getenv()));
    }

    private final ApiKeys keys;

    public ControlApiHandler(ControlPlane plane) {
        this.cancels = new CancelService(plane.jobStore(), plane.runProgressor());
        this.manualRuns = new ManualRunService(plane.runStarter());
        this.keys = plane.apiKeys();
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        Map<String, String> path = event.getPathParameters() == null ? Map.of() : event.getPathParameters();
        byte[] body = HttpHandlers.body(event);
        ApiKeys.Check check = keys.check(HttpHandlers.headers(event).get("authorization"));
        if (!check.ok()) {
            return HttpHandlers.toResponse(ApiResponse.error(check.status(), check.reason()));
        }
        if ("POST /runs".equals(event.getRouteKey())) {
            return HttpHandlers.toResponse(manualRuns.trigger(body, check.key()));
        }
        String by;
        try {
            JsonNode json = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
            by = json != null && json.hasNonNull("by") ? json.get("by").asText() : null;
        } catch (IOException e) {
            return HttpHandlers.toResponse(ApiResponse.error(400, "body is not valid JSON"));
        }
        return HttpHandlers.toResponse(cancels.cancel(path.get("runId"), by, check.key()));
    }
}
