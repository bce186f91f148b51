package dev.deltaci.functions.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.ops.Health;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.ops.HealthProbe;
import dev.deltaci.functions.run.CancelService;
import dev.deltaci.functions.security.ApiKeys;
import dev.deltaci.functions.trigger.ManualRunService;
import dev.deltaci.functions.scale.RunnerPools;
import dev.deltaci.functions.store.FleetStore;
import dev.deltaci.functions.wiring.ControlPlane;
import java.io.IOException;
import java.util.Map;
import org.slf4j.MDC;

/**
 * The control API for people and tools: {@code POST /runs} starts a run by hand
 * ({@link ManualRunService}); {@code POST /runs/{runId}/cancel} with {@code {"by": "..."}} cancels one;
 * {@code GET /status} judges the control plane's health ({@link Health}) for {@code delta status}, with
 * each autoscaled pool as the scaler last saw it ({@code pools}).
 * Every call needs an API key ({@link ApiKeys}: 401 without one) that covers the run's repository (403).
 */
public final class ControlApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CancelService cancels;
    private final ManualRunService manualRuns;
    private final HealthProbe health;
    private final RunnerPools pools;
    private final FleetStore fleet;
    private final ApiKeys keys;
    private final Invocations invocations;

    public ControlApiHandler() {
        this(ControlPlane.fromEnvironment(System.getenv()));
    }

    public ControlApiHandler(ControlPlane plane) {
        this.cancels = plane.cancelService();
        this.manualRuns = new ManualRunService(plane.runStarter());
        this.health = plane.healthProbe();
        this.pools = plane.config().runnerPools();
        this.fleet = plane.fleetStore();
        this.keys = plane.apiKeys();
        this.invocations = new Invocations("ControlApiFunction", plane);
    }

    /** Each autoscaled pool as the scaler's last pass left it (none before its first pass). */
    private java.util.List<FleetStore.PoolStatus> poolStatuses() {
        return pools.pools().stream().map(p -> fleet.poolStatus(p.spec().name()))
                .flatMap(java.util.Optional::stream).toList();
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return invocations.http(context, () -> answer(event));
    }

    private ApiResponse answer(APIGatewayV2HTTPEvent event) {
        Map<String, String> path = event.getPathParameters() == null ? Map.of() : event.getPathParameters();
        byte[] body = HttpHandlers.body(event);
        ApiKeys.Check check = keys.check(HttpHandlers.headers(event).get("authorization"));
        if (!check.ok()) {
            return ApiResponse.error(check.status(), check.reason());
        }
        if ("GET /status".equals(event.getRouteKey())) {
            return ApiResponse.of(200, "status", Health.evaluate(health.snapshot()), "pools", poolStatuses());
        }
        if ("POST /runs".equals(event.getRouteKey())) {
            return manualRuns.trigger(body, check.key());
        }
        MDC.put("runId", String.valueOf(path.get("runId")));
        String by;
        try {
            JsonNode json = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
            if (json != null) {
                java.util.Optional<String> invalid = dev.deltaci.functions.http.JsonBody.invalidText(json);
                if (invalid.isPresent()) {
                    return ApiResponse.error(400, invalid.get());
                }
            }
            by = json != null && json.hasNonNull("by") ? json.get("by").asText() : null;
        } catch (IOException e) {
            return ApiResponse.error(400, "body is not valid JSON");
        }
        return cancels.cancel(path.get("runId"), by, check.key());
    }
}
