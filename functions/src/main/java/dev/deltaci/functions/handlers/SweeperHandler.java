package dev.deltaci.functions.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.deltaci.functions.github.DeliveryReconciler;
import dev.deltaci.functions.github.GitHubException;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.ops.HealthProbe;
import dev.deltaci.functions.store.OpsStore;
import dev.deltaci.functions.store.SweepStore;
import dev.deltaci.functions.sweeper.SweepReport;
import dev.deltaci.functions.sweeper.SweeperService;
import dev.deltaci.functions.trigger.KeptDeliveries;
import dev.deltaci.functions.wiring.ControlPlane;
import java.time.Duration;
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
    private final KeptDeliveries kept;
    static final int MAX_KEPT_DELIVERIES_PER_SWEEP = 20;
    /** Null when this deployment is not a GitHub App. */
    private final DeliveryReconciler reconciler;
    static final Duration RECONCILE_WINDOW = Duration.ofHours(1);
    static final Duration RECONCILE_SETTLE = Duration.ofMinutes(1);
    static final int MAX_REDELIVERIES = 20;

    public SweeperHandler() {
        this(ControlPlane.fromEnvironment(System.getenv()));
    }

    public SweeperHandler(ControlPlane plane) {
        this.reconciler = plane.gitHubApp()
                .map(app -> new DeliveryReconciler(app.http(), app.jwt(), plane.clock())).orElse(null);
        this.service = plane.sweeperService();
        this.kept = plane.keptDeliveries();
        this.probe = plane.healthProbe();
        this.ops = plane.opsStore();
        this.metrics = plane.metrics();
        this.invocations = new Invocations("SweeperFunction", plane);
    }

    /**
     * As a GitHub App: the pushes and pull requests GitHub could not deliver in the last hour
     * (Delta down, or GitHub unreadable when they came) are delivered again. Never fails the
     * sweep: GitHub being away only delays this to the next one.
     */
    private void redeliverFailedWebhooks() {
        if (reconciler == null) {
            return;
        }
        try {
            DeliveryReconciler.Result result = reconciler.reconcile(RECONCILE_WINDOW, RECONCILE_SETTLE, MAX_REDELIVERIES);
            if (result.redelivered() > 0) {
                metrics.record(Metric.WEBHOOKS_REDELIVERED, result.redelivered());
                LOG.warn("redelivered {} webhook deliveries GitHub could not make: {}", result.redelivered(),
                        result.redeliveredGuids());
            }
        } catch (GitHubException e) {
            LOG.warn("could not check the App's webhook deliveries: {}", e.getMessage());
        }
    }

    /** The deliveries kept because GitHub could not be read: tried again; never fails the sweep. */
    private void retryKeptDeliveries() {
        try {
            KeptDeliveries.Pass pass = kept.retryDue(MAX_KEPT_DELIVERIES_PER_SWEEP);
            if (pass.started() + pass.givenUp() > 0) {
                LOG.info("kept deliveries: {}", pass);
            }
        } catch (RuntimeException e) {
            LOG.warn("could not try the kept deliveries again: {}", e.toString());
        }
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
            redeliverFailedWebhooks();
            retryKeptDeliveries();
            return report;
        });
    }
}
