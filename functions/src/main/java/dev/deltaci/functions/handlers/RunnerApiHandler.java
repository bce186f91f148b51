package dev.deltaci.functions.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.deltaci.api.CompleteReply;
import dev.deltaci.api.CompleteRequest;
import dev.deltaci.api.HeartbeatReply;
import dev.deltaci.api.HeartbeatRequest;
import dev.deltaci.api.WireJson;
import dev.deltaci.functions.attempt.RunnerApiService;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.wiring.ControlPlane;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code POST /runner/{action}}: register, presence, lease, heartbeat, logs, complete and artifacts, for runners. */
public final class RunnerApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private static final Logger LOG = LoggerFactory.getLogger(RunnerApiHandler.class);
    private static final String PREFIX = "/runner/";

    private final RunnerApiService service;
    private final Invocations invocations;
    private final SnapStartPriming priming;

    public RunnerApiHandler() {
        this(ControlPlane.fromEnvironment(System.getenv()));
    }

    public RunnerApiHandler(ControlPlane plane) {
        this.service = plane.runnerApiService();
        this.invocations = new Invocations("RunnerApiFunction", plane);
        // a call without a credential is refused before anything is read; the wire records are every call's
        this.priming = SnapStartPriming.register("RunnerApiFunction",
                SnapStartPriming.refusedRequest(PREFIX + "complete", Map.of("content-type", "application/json"),
                        SAMPLE_COMPLETION, this::route),
                () -> WireJson.read(SAMPLE_COMPLETION, CompleteRequest.class),
                () -> WireJson.read("{\"runId\":\"r\",\"jobKey\":\"j\",\"runnerId\":\"x\",\"epoch\":1}", HeartbeatRequest.class),
                () -> WireJson.write(new CompleteReply.Accepted("SUCCEEDED")),
                () -> WireJson.write(new HeartbeatReply.Renewed(1, null)));
    }

    private static final String SAMPLE_COMPLETION = "{\"runId\":\"r\",\"jobKey\":\"j\",\"runnerId\":\"x\",\"epoch\":1,"
            + "\"attempt\":1,\"startedAtEpochMs\":1,\"exitCode\":0,\"logChunks\":1,"
            + "\"lastLog\":{\"seq\":0,\"text\":\"done\\n\",\"token\":\"t\"}}";

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return invocations.http(context, () -> {
            ApiResponse response = route(event);
            if (response.status() >= 400) {
                LOG.info("runner call {} answered {} {}", event.getRawPath(), response.status(), response.body());
            }
            return response;
        });
    }

    private ApiResponse route(APIGatewayV2HTTPEvent event) {
        String path = event.getRawPath() == null ? "" : event.getRawPath();
        int at = path.indexOf(PREFIX);
        return at < 0 ? ApiResponse.error(404, "no route " + path)
                : service.handle(path.substring(at + PREFIX.length()), HttpHandlers.headers(event).get("authorization"),
                        HttpHandlers.body(event));
    }
}
