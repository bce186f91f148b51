package dev.deltaci.functions.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.deltaci.functions.trigger.SchedulerService;
import dev.deltaci.core.pipeline.PipelineParser;
import dev.deltaci.functions.wiring.ControlPlane;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the runs that {@code on: schedule} crons make due (EventBridge, every minute). */
public final class SchedulerHandler implements RequestHandler<ScheduledEvent, SchedulerService.TickReport> {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerHandler.class);

    private final SchedulerService service;
    private final Invocations invocations;
    private final SnapStartPriming priming;

    public SchedulerHandler() {
        this(ControlPlane.fromEnvironment(System.getenv()));
    }

    public SchedulerHandler(ControlPlane plane) {
        this.service = new SchedulerService(plane.scheduleStore(), plane.runStarter(), plane.clock());
        this.invocations = new Invocations("SchedulerFunction", plane);
        // a cron that falls due starts a run of the branch's pipeline: parsing it (and its crons) is that run's own work
        this.priming = SnapStartPriming.register("SchedulerFunction",
                () -> PipelineParser.parse(".delta/pipeline.yml", SnapStartPriming.SAMPLE_PIPELINE));
    }

    @Override
    public SchedulerService.TickReport handleRequest(ScheduledEvent event, Context context) {
        return invocations.scheduled(context, () -> {
            SchedulerService.TickReport report = service.tick();
            if (report.started() + report.failed() > 0) {
                LOG.info("schedule tick: {}", report);
            }
            return report;
        });
    }
}
