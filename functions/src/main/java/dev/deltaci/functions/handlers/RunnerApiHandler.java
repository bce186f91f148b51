package dev.deltaci.functions.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.deltaci.functions.attempt.RunnerApiService;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.wiring.ControlPlane;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code POST /runner/{action}}: register, presence, lease, heartbeat, logs, complete and artifacts, for runners. */
public final class RunnerApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private static final Logger LOG = LoggerFactory.getLogger(RunnerApiHandler.class);
    private static final String PREFIX = "/runner/";

    private final RunnerApiService service;
    private final Invocations invocations;

    public RunnerApiHandler() {
        this(ControlPlane.fromEnvironment(System.getenv()));
    }

    public RunnerApiHandler(ControlPlane plane) {
        this.service = plane.runnerApiService();
        this.invocations = new Invocations("RunnerApiFunction", plane);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return invocations.http(context, () -> {
            String path = event.getRawPath() == null ? "" : event.getRawPath();
            int at = path.indexOf(PREFIX);
            ApiResponse response = at < 0
                    ? ApiResponse.error(404, "no route " + path)
                    : service.handle(path.substring(at + PREFIX.length()), HttpHandlers.headers(event).get("authorization"),
                            HttpHandlers.body(event));
            if (response.status() >= 400) {
                LOG.info("runner call {} answered {} {}", path, response.status(), response.body());
            }
            return response;
        });
    }
}
