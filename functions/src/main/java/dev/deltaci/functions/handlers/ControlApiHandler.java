package dev.deltaci.functions.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.ops.Health;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.http.JsonBody;
import dev.deltaci.functions.ops.HealthProbe;
import dev.deltaci.functions.run.CancelService;
import dev.deltaci.functions.run.RerunService;
import dev.deltaci.functions.security.ApiKeys;
import dev.deltaci.functions.trigger.ManualRunService;
import dev.deltaci.functions.scale.RunnerPools;
import dev.deltaci.functions.store.FleetStore;
import dev.deltaci.functions.view.Dashboard;
import dev.deltaci.functions.view.RunReadService;
import dev.deltaci.functions.wiring.ControlPlane;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.MDC;

/**
 * The control API for people and tools, and the dashboard that uses it:
 * <ul>
 * <li>read (any key): {@code GET /runs}, {@code GET /runs/{runId}}, {@code GET /runs/{runId}/jobs/{jobKey}/logs},
 *     {@code GET /runs/{runId}/artifacts} ({@link RunReadService}); {@code GET /status}, the control plane's
 *     health ({@link Health}) with each autoscaled pool as the scaler last saw it;</li>
 * <li>write (keys with write access): {@code POST /runs} starts a run by hand ({@link ManualRunService}),
 *     {@code POST /runs/{runId}/cancel} ({@link CancelService}), {@code POST /runs/{runId}/rerun}
 *     ({@link RerunService});</li>
 * <li>{@code GET /ui}, {@code GET /ui/{proxy+}}: the dashboard's files ({@link Dashboard}), no key.</li>
 * </ul>
 * Every API call needs an API key ({@link ApiKeys}: 401 without one) that covers the run's
 * repository (otherwise the run is not found); a read-only key asking to write gets 403.
 */
public final class ControlApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CancelService cancels;
    private final ManualRunService manualRuns;
    private final RerunService reruns;
    private final RunReadService reads;
    private final HealthProbe health;
    private final RunnerPools pools;
    private final FleetStore fleet;
    private final ApiKeys keys;
    private final Invocations invocations;
    private final SnapStartPriming priming;

    public ControlApiHandler() {
        this(ControlPlane.fromEnvironment(System.getenv()));
    }

    public ControlApiHandler(ControlPlane plane) {
        this.cancels = plane.cancelService();
        this.manualRuns = new ManualRunService(plane.runStarter());
        this.reruns = new RerunService(plane.runStarter());
        this.reads = new RunReadService(plane.jobStore(), plane.logStore(), plane.artifactStore(), plane.waitingReasons(),
                plane.clock());
        this.health = plane.healthProbe();
        this.pools = plane.config().runnerPools();
        this.fleet = plane.fleetStore();
        this.keys = plane.apiKeys();
        this.invocations = new Invocations("ControlApiFunction", plane);
        // a call without an API key is refused before any key is read
        this.priming = SnapStartPriming.register("ControlApiFunction",
                SnapStartPriming.refusedRequest("/runs", Map.of(), null, this::answer));
    }

    /** Each autoscaled pool as the scaler's last pass left it (none before its first pass). */
    private List<FleetStore.PoolStatus> poolStatuses() {
        return pools.pools().stream().map(p -> fleet.poolStatus(p.spec().name()))
                .flatMap(Optional::stream).toList();
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        String route = String.valueOf(event.getRouteKey());
        if (route.equals("GET /ui") || route.equals("GET /ui/{proxy+}")) {
            Map<String, String> path = event.getPathParameters() == null ? Map.of() : event.getPathParameters();
            return Dashboard.serve(path.get("proxy"));
        }
        return invocations.http(context, () -> answer(event));
    }

    private ApiResponse answer(APIGatewayV2HTTPEvent event) {
        Map<String, String> path = event.getPathParameters() == null ? Map.of() : event.getPathParameters();
        Map<String, String> query = event.getQueryStringParameters() == null ? Map.of() : event.getQueryStringParameters();
        byte[] body = HttpHandlers.body(event);
        ApiKeys.Check check = keys.check(HttpHandlers.headers(event).get("authorization"));
        if (!check.ok()) {
            return ApiResponse.error(check.status(), check.reason());
        }
        ApiKeys.Key key = check.key();
        String route = String.valueOf(event.getRouteKey());
        if (route.startsWith("POST ") && !key.mayWrite()) {
            return ApiResponse.error(403, "API key '" + key.name() + "' is read-only: it may read runs, logs and "
                    + "artifacts, not start, cancel or rerun them");
        }
        if (path.containsKey("runId")) {
            MDC.put("runId", path.get("runId"));
        }
        return switch (route) {
            case "GET /status" -> ApiResponse.of(200, "status", Health.evaluate(health.snapshot()), "pools", poolStatuses());
            case "GET /runs" -> reads.list(query, key);
            case "GET /runs/{runId}" -> reads.show(path.get("runId"), key);
            case "GET /runs/{runId}/jobs/{jobKey}/logs" -> reads.logs(path.get("runId"), path.get("jobKey"), query, key);
            case "GET /runs/{runId}/artifacts" -> reads.artifacts(path.get("runId"), key);
            case "POST /runs" -> manualRuns.trigger(body, key);
            case "POST /runs/{runId}/rerun" -> reads.readable(path.get("runId"), key)
                    .map(run -> reruns.rerun(run, body, key))
                    .orElseGet(() -> ApiResponse.noRun(path.get("runId"), key.name()));
            case "POST /runs/{runId}/cancel" -> cancel(path.get("runId"), body, key);
            default -> ApiResponse.error(404, "no route " + route);
        };
    }

    private ApiResponse cancel(String runId, byte[] body, ApiKeys.Key key) {
        String by;
        try {
            JsonNode json = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
            if (json != null) {
                Optional<String> invalid = JsonBody.invalidText(json);
                if (invalid.isPresent()) {
                    return ApiResponse.error(400, invalid.get());
                }
            }
            by = json != null && json.hasNonNull("by") ? json.get("by").asText() : null;
        } catch (IOException e) {
            return ApiResponse.error(400, "body is not valid JSON");
        }
        return cancels.cancel(runId, by, key);
    }
}
