package dev.deltaci.functions.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.deltaci.functions.config.ControlPlane;
import dev.deltaci.functions.store.SweepStore;
import dev.deltaci.functions.sweeper.SweepReport;
import dev.deltaci.functions.sweeper.SweeperService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The scheduled sweep (EventBridge, every minute; every second or so locally). */
public final class SweeperHandler implements RequestHandler<ScheduledEvent, SweepReport> {

    private static final Logger LOG = LoggerFactory.getLogger(SweeperHandler.class);

    private final SweeperService service;

    public SweeperHandler() {
        this(ControlPlane.fromEnvironment(System.getenv()));
    }

    public SweeperHandler(ControlPlane plane) {
        this.service = new SweeperService(plane.jobStore(),
                new SweepStore(plane.dynamo(), plane.config().tableName(), plane.clock()), plane.gateStore(),
                plane.jobQueue(), plane.runProgressor(), plane.config().sweepPolicy(), plane.metrics(), plane.clock());
    }

    @Override
    public SweepReport handleRequest(ScheduledEvent event, Context context) {
        SweepReport report = service.sweep();
        if (report.expiredLeases() + report.staleQueued() + report.gatesFreed() > 0) {
            LOG.info("sweep: {}", report);
        }
        return report;
    }
}
