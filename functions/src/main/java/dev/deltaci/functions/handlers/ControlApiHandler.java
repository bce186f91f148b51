package dev.deltaci.functions.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.functions.config.ControlPlane;
import dev.deltaci.functions.control.CancelService;
import dev.deltaci.functions.control.ManualRunService;
import dev.deltaci.functions.http.ApiResponse;
import java.io.IOException;
import java.util.Map;

/**
 * The control API for people and tools: {@code POST /runs} starts a run by hand
 * ({@link ManualRunService}); {@code POST /runs/{runId}/cancel} with {@code {"by": "..."}} cancels one.
 */
public final class ControlApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CancelService cancels;
    private final ManualRunService manualRuns;

    public ControlApiHandler() {
        this(ControlPlane.fromEnvironment(System.getenv()));
    }

    public ControlApiHandler(ControlPlane plane) {
        this.cancels = new CancelService(plane.jobStore(), plane.runProgressor());
        this.manualRuns = new ManualRunService(plane.runStarter());
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        Map<String, String> path = event.getPathParameters() == null ? Map.of() : event.getPathParameters();
        byte[] body = HttpHandlers.body(event);
        if ("POST /runs".equals(event.getRouteKey())) {
            return HttpHandlers.toResponse(manualRuns.trigger(body));
        }
        String by;
        try {
            JsonNode json = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
            by = json != null && json.hasNonNull("by") ? json.get("by").asText() : null;
        } catch (IOException e) {
            return HttpHandlers.toResponse(ApiResponse.error(400, "body is not valid JSON"));
        }
        return HttpHandlers.toResponse(cancels.cancel(path.get("runId"), by));
    }
}
