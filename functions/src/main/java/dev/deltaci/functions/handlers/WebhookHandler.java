package dev.deltaci.functions.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.deltaci.core.pipeline.PipelineParser;
import dev.deltaci.functions.trigger.PushEvent;
import dev.deltaci.functions.trigger.WebhookService;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.wiring.ControlPlane;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** {@code POST /webhooks/github}: GitHub webhooks in, runs out. Parsing and logic live in {@link WebhookService}. */
public final class WebhookHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookHandler.class);

    private final WebhookService service;
    private final Invocations invocations;
    private final Metrics metrics;
    private final SnapStartPriming priming;

    /** Lambda's constructor: real clients, built once per container. */
    public WebhookHandler() {
        this(ControlPlane.fromEnvironment(System.getenv()));
    }

    public WebhookHandler(ControlPlane plane) {
        this.service = plane.webhookService();
        this.metrics = plane.metrics();
        this.invocations = new Invocations("WebhookFunction", plane);
        // an unsigned delivery is refused before the secret is read; parsing a push and a pipeline is what every run does
        this.priming = SnapStartPriming.register("WebhookFunction",
                SnapStartPriming.refusedRequest("/webhooks/github", Map.of("x-github-event", "push"),
                        new String(SnapStartPriming.samplePush(), java.nio.charset.StandardCharsets.UTF_8),
                        event -> service.handle(HttpHandlers.headers(event), HttpHandlers.body(event))),
                () -> PushEvent.parse(SnapStartPriming.samplePush()),
                () -> PipelineParser.parse(".delta/pipeline.yml", SnapStartPriming.SAMPLE_PIPELINE));
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return invocations.http(context, () -> {
            var headers = HttpHandlers.headers(event);
            MDC.put("deliveryId", String.valueOf(headers.get(WebhookService.DELIVERY_HEADER)));
            var response = service.handle(headers, HttpHandlers.body(event));
            if (response.body().get("runId") != null) {
                MDC.put("runId", String.valueOf(response.body().get("runId")));
            }
            if (Boolean.TRUE.equals(response.body().get("kept"))) {
                metrics.record(Metric.WEBHOOKS_KEPT, 1, "outcome", "kept");
                LOG.warn("webhook kept for later: {}", response.body());
            }
            LOG.info("webhook answered {} {}", response.status(), response.body());
            return response;
        });
    }
}
