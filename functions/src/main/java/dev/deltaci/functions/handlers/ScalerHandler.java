package dev.deltaci.functions.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.scale.AutoScalingFleet;
import dev.deltaci.functions.scale.ScalerService;
import dev.deltaci.functions.wiring.ControlPlane;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;

/**
 * The scaler. EventBridge starts it every minute; it then acts every {@code SCALER_INTERVAL_SECONDS}
 * (5) until the next invocation is due, so work that arrives waits at most one interval for
 * capacity. A pass that fails is logged and counted; the next pass starts afresh from what it reads.
 */
public final class ScalerHandler implements RequestHandler<ScheduledEvent, Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ScalerHandler.class);
    /** Stop this long before the invocation's timeout, so two invocations never overlap. */
    private static final Duration MARGIN = Duration.ofSeconds(5);

    private final ScalerService service;
    private final Duration interval;
    private final Metrics metrics;
    private final Invocations invocations;

    public ScalerHandler() {
        this(ControlPlane.fromEnvironment(System.getenv()));
    }

    public ScalerHandler(ControlPlane plane) {
        this.interval = plane.config().scalerInterval();
        this.metrics = plane.metrics();
        this.invocations = new Invocations("ScalerFunction", plane);
        if (plane.config().runnerPools().isEmpty()) {
            this.service = null;
        } else {
            this.service = plane.scalerService(plane.fleet() != null ? plane.fleet()
                    : new AutoScalingFleet(AutoScalingClient.builder().httpClient(UrlConnectionHttpClient.create())
                            .overrideConfiguration(ControlPlane.clientOverrides().build()).build()));
        }
    }

    /** Returns the number of passes made. */
    @Override
    public Integer handleRequest(ScheduledEvent event, Context context) {
        if (service == null) {
            return 0;
        }
        return invocations.scheduled(context, () -> {
            int passes = 0;
            long intervalMs = interval.toMillis();
            while (true) {
                long started = System.nanoTime();
                try {
                    ScalerService.Pass pass = service.pass();
                    if (!pass.failures().isEmpty()) {
                        LOG.warn("scaler pass left {} for the next: {}", pass.failures().size(), pass.failures());
                    }
                } catch (RuntimeException e) {
                    if (Thread.currentThread().isInterrupted() || e instanceof software.amazon.awssdk.core.exception.AbortedException) {
                        break; // shutting down (the local host stops its timers)
                    }
                    // nothing half done is unsafe: a drain without its terminate is finished by a later pass
                    metrics.record(Metric.FUNCTION_ERRORS, 1, "function", "ScalerFunction");
                    LOG.warn("scaler pass failed; next in {} ms: {}", intervalMs, e.toString());
                }
                passes++;
                long left = Math.max(0, intervalMs - (System.nanoTime() - started) / 1_000_000);
                // one more pass only if it ends before the margin; then the next invocation takes over
                if (intervalMs == 0 || context.getRemainingTimeInMillis() < left + intervalMs + MARGIN.toMillis()) {
                    break;
                }
                try {
                    Thread.sleep(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return passes;
        });
    }
}
