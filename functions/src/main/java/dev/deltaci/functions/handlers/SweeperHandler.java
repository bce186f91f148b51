package dev.deltaci.functions.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.ops.HealthProbe;
import dev.deltaci.functions.store.OpsStore;
import dev.deltaci.functions.store.SweepStore;
import dev.deltaci.functions.sweeper.SweepReport;
import dev.deltaci.functions.sweeper.SweeperService;
import dev.deltaci.functions.wiring.ControlPlane;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The scheduled sweep (EventBridge, every minute; every second or so locally), then the health gauges. */
public final class SweeperHandler implements RequestHandler<ScheduledEvent, SweepReport> {

    private static final Logger LOG = LoggerFactory.getLogger(SweeperHandler.class);

    private final SweeperService service;
    private final HealthProbe probe;
    private final OpsStore ops;
    private final Metrics metrics;
    private final Invocations invocations;

    public SweeperHandler() {
        this(ControlPlane.fromEnvironment(System.getenv()));
    }

    public SweeperHandler(ControlPlane plane) {
        this.service = plane.sweeperService();
        this.probe = plane.healthProbe();
        this.ops = plane.opsStore();
        this.metrics = plane.metrics();
        this.invocations = new Invocations("SweeperFunction", plane);
    }

    @Override
    public SweepReport handleRequest(ScheduledEvent event, Context context) {
        return invocations.scheduled(context, () -> {
            SweepReport report = service.sweep();
            int expired = report.requeued() + report.failedRunnerLost() + report.timedOut();
            if (expired > 0) {
                ops.count(OpsStore.LEASE_EXPIRED, expired, null);
            }
            if (report.expiredLeases() + report.staleQueued() + report.gatesFreed() > 0) {
                LOG.info("sweep: {}", report);
            }
            // the gauges: queue, runners, dead letters, as the sweep left them
            HealthProbe.publish(probe.gauges(), metrics);
            return report;
        });
    }
}
