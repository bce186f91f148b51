package dev.deltaci.runner;

import dev.deltaci.api.Presence;
import dev.deltaci.api.Problem;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the control plane every {@code intervalSeconds} that this runner is alive and whether it
 * is busy: the control plane counts runner availability (idle / busy / registered) from these.
 * A runner that dies simply stops reporting and drops out of the count; one that stops cleanly
 * says {@code gone}. Failures are logged and the next report tries again.
 */
final class PresenceReporter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PresenceReporter.class);

    private final RunnerApiClient api;
    private final BooleanSupplier busy;
    private final java.util.function.LongSupplier inStateForMs;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "presence");
        thread.setDaemon(true);
        return thread;
    });

    /** @param inStateForMs how long the runner has been busy or idle, as it is now */
    PresenceReporter(RunnerApiClient api, BooleanSupplier busy, java.util.function.LongSupplier inStateForMs,
                     int intervalSeconds) {
        this.api = api;
        this.busy = busy;
        this.inStateForMs = inStateForMs;
        timer.scheduleWithFixedDelay(this::report, 0, intervalSeconds, TimeUnit.SECONDS);
    }

    private void report() {
        Presence state = busy.getAsBoolean() ? Presence.BUSY : Presence.IDLE;
        try {
            if (api.presence(state, inStateForMs.getAsLong()) instanceof Problem problem) {
                LOG.warn("presence '{}' refused ({}): {}", state, problem.status(), problem.error());
            }
        } catch (IOException e) {
            LOG.warn("presence '{}' not sent: {}", state, e.getMessage());
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        timer.shutdownNow();
        try {
            api.presence(Presence.GONE);
        } catch (IOException e) {
            LOG.warn("could not say 'gone'; the control plane stops counting this runner after its presence window");
        }
    }
}
