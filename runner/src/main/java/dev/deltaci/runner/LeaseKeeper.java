package dev.deltaci.runner;

import dev.deltaci.api.HeartbeatReply;
import dev.deltaci.api.LeaseLost;
import dev.deltaci.api.Problem;
import dev.deltaci.core.job.FailureClass;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The lease of the job in hand, kept by heartbeats every heartbeat interval, and the fence that
 * says whether this runner may still act on the job: lost when the control plane says so (403),
 * and lost by the runner itself (self-fencing) when it could not renew before the lease would
 * have expired on the server — measured from when each renewal was <em>sent</em>, so the
 * server's expiry cannot be earlier. A heartbeat can also tell the job to stop (timeout,
 * cancelled); so can the runner's own shutdown.
 */
final class LeaseKeeper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final RunnerApiClient api;
    private final LeasedJob job;
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "heartbeat");
        t.setDaemon(true);
        return t;
    });
    private volatile String lostReason;
    private volatile FailureClass stopReason;
    private volatile long believedExpiryNanos;

    /** The lease as the lease answer gave it: renewed just now. Heartbeats start with {@link #start()}. */
    LeaseKeeper(RunnerApiClient api, LeasedJob job) {
        this.api = api;
        this.job = job;
        renewed(System.nanoTime());
    }

    /** Heartbeats from now on, on a thread of their own that logs with the caller's correlation keys. */
    void start() {
        Map<String, String> correlation = MDC.getCopyOfContextMap();
        heartbeats.scheduleWithFixedDelay(() -> {
            if (correlation != null) {
                MDC.setContextMap(correlation);
            }
            heartbeat();
        }, job.heartbeatIntervalMs(), job.heartbeatIntervalMs(), TimeUnit.MILLISECONDS);
    }

    /** Stop the job and report it with this failure class (timeout, cancelled, infra_error). */
    void stop(FailureClass failureClass) {
        if (stopReason == null) {
            stopReason = failureClass;
        }
    }

    /** Why the job is to be stopped and reported, or null. */
    FailureClass stopReason() {
        return stopReason;
    }

    /** This runner may no longer act on the job: nothing is reported for it. */
    void lose(String reason) {
        if (lostReason == null) {
            lostReason = reason;
        }
    }

    boolean isLost() {
        return lostReason != null;
    }

    String lostReason() {
        return lostReason;
    }

    @Override
    public void close() {
        heartbeats.shutdownNow();
    }

    private void heartbeat() {
        if (isLost()) {
            return;
        }
        try {
            long sentAt = System.nanoTime();
            HeartbeatReply reply = api.heartbeat(job.runId(), job.jobKey(), job.epoch());
            if (reply instanceof HeartbeatReply.Renewed renewed) {
                renewed(sentAt);
                if (renewed.stop() != null) {
                    stop(renewed.stop());
                }
                return;
            }
            if (reply instanceof LeaseLost lost) {
                lose("lease lost: " + lost.reason());
                return;
            }
            Problem problem = (Problem) reply;
            LOG.warn("heartbeat refused (" + problem.status() + "): " + problem.error());
        } catch (IOException e) {
            LOG.warn("heartbeat failed: " + e.getMessage());
        }
        // self-fencing: stop before the lease can have expired on the server
        if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(job.heartbeatIntervalMs()) >= believedExpiryNanos) {
            lose("could not renew the lease before it expires; stopping on our own");
        }
    }

    private void renewed(long sentAtNanos) {
        believedExpiryNanos = sentAtNanos + TimeUnit.MILLISECONDS.toNanos(job.leaseTtlMs());
    }
}
