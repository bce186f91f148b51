package dev.deltaci.runner;

import dev.deltaci.api.CompleteReply;
import dev.deltaci.api.JobMessage;
import dev.deltaci.api.LeaseLost;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.api.Problem;
import dev.deltaci.core.pipeline.RunnerLabels;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The runner's loop: long-poll the queue, take the lease through the runner API, run the job,
 * report it. The queue message only says "this job may be ready"; the lease decides. So a
 * message for a job that cannot be leased (finished, or a stale duplicate) is simply deleted,
 * and a message whose lease call failed for want of a control plane comes back after a short
 * delay. A message that keeps failing ends in the dead-letter queue after the queue's
 * {@code maxReceiveCount}; the sweeper re-sends the job's message from DynamoDB.
 */
public final class RunnerAgent {

    private static final Logger LOG = LoggerFactory.getLogger(RunnerAgent.class);

    private static final int MAX_PASS_ON_DELAY_SECONDS = 10;
    private static final int LEASE_CALL_TRIES = 4;

    private final SqsClient sqs;
    private final String queueUrl;
    private final RunnerApiClient api;
    private final JobExecutor executor;
    private final int pollSeconds;
    private final int retryDelaySeconds;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean busy = new AtomicBoolean();
    /** When {@link #busy} last changed (monotonic): how long the runner has been idle, for the scaler. */
    private volatile long stateSinceNanos = System.nanoTime();
    /** Why the control plane drained this runner's instance; null while it takes work. */
    private volatile String drained;
    /** Lease and complete without running anything ({@link #noop()}). */
    private volatile boolean noop;
    /** The queue the message in hand came from: the job queue, or the retry queue. */
    private volatile String inHandFrom;
    /** When the retry queue was last looked at: at start, so the first look comes one interval after it. */
    private long retryLookedAtNanos = System.nanoTime();
    /** How often a runner between jobs looks at the retry queue: a short poll costs a request each time. */
    static final long RETRY_LOOK_EVERY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

    /**
     * @param retryDelaySeconds how soon a message whose lease call failed (control plane
     *                          unreachable or erroring) is delivered again
     */
    public RunnerAgent(SqsClient sqs, String queueUrl, RunnerApiClient api, Path workRoot, int pollSeconds,
                       int retryDelaySeconds, long killGraceMs, long logFlushMs, Duration storageOutageLimit) {
        this(sqs, queueUrl, api, workRoot, pollSeconds, retryDelaySeconds, killGraceMs, logFlushMs, storageOutageLimit,
                null);
    }

    /** @param jobUser the unprivileged user steps run as, or null for the runner's own user */
    public RunnerAgent(SqsClient sqs, String queueUrl, RunnerApiClient api, Path workRoot, int pollSeconds,
                       int retryDelaySeconds, long killGraceMs, long logFlushMs, Duration storageOutageLimit,
                       JobUser jobUser) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.api = api;
        this.executor = new JobExecutor(api, workRoot, killGraceMs, logFlushMs, storageOutageLimit, jobUser);
        this.pollSeconds = pollSeconds;
        this.retryDelaySeconds = retryDelaySeconds;
    }

    /**
     * From now on, lease each job and report it succeeded at once, running nothing (no checkout,
     * no step, no log): what the control plane alone can sustain ({@code delta bench dispatch --noop}).
     */
    public RunnerAgent noop() {
        noop = true;
        return this;
    }

    /** Polls until {@link #stop()}; runs at most {@code maxJobs} jobs (0: no limit). */
    public void runLoop(int maxJobs) {
        int done = 0;
        while (!stopping.get() && drained == null && (maxJobs == 0 || done < maxJobs)) {
            Message retried = retriedJob();
            if (retried != null) {
                if (handle(retried, api.retryQueueUrl())) {
                    done++;
                }
                continue;
            }
            List<Message> messages;
            try {
                messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(1)
                        .waitTimeSeconds(pollSeconds)).messages();
            } catch (RuntimeException e) {
                if (stopping.get()) {
                    return;
                }
                LOG.warn("queue receive failed: " + e.getMessage());
                pause(2000);
                continue;
            }
            for (Message message : messages) {
                if (handle(message, queueUrl)) {
                    done++;
                }
            }
        }
    }

    /**
     * A job requeued after an attempt that did not finish (its runner lost, an infrastructure
     * failure), if one waits: looked for first, so such work does not wait behind the whole job
     * queue — with a short poll, at most once a second (each look is a request, also when empty).
     */
    private Message retriedJob() {
        String retryQueue = api.retryQueueUrl();
        if (retryQueue == null || System.nanoTime() - retryLookedAtNanos < RETRY_LOOK_EVERY_NANOS) {
            return null;
        }
        retryLookedAtNanos = System.nanoTime();
        try {
            List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(retryQueue).maxNumberOfMessages(1)
                    .waitTimeSeconds(0)).messages();
            return messages.isEmpty() ? null : messages.get(0);
        } catch (RuntimeException e) {
            LOG.warn("retry queue receive failed: " + e.getMessage());
            return null;
        }
    }

    /** Stops polling, and stops the job in hand so that it is reported for another runner ({@link JobExecutor#stop()}). */
    public void stop() {
        stopping.set(true);
        executor.stop();
    }

    /** True while a message or its job is in hand: what this runner reports as its presence. */
    public boolean busy() {
        return busy.get();
    }

    /** How long the runner has been busy or idle, as it is now. */
    public long inStateForMs() {
        return java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stateSinceNanos);
    }

    /** Why this runner's instance was drained (it stopped taking work), or null. */
    public String drained() {
        return drained;
    }

    /** Returns true if a job was run. Log lines meanwhile carry the message's and job's correlation keys. */
    boolean handle(Message message, String fromQueue) {
        inHandFrom = fromQueue;
        MDC.put("messageId", message.messageId());
        // busy from the moment a message is in hand: a stop then waits for it to be handed back
        busy.set(true);
        boolean ran = false;
        try {
            ran = handleMessage(message);
            return ran;
        } finally {
            MDC.clear();
            synchronized (busy) {
                busy.set(false);
                if (ran) {
                    // idle from now; a message passed on or refused leaves the idle time running
                    stateSinceNanos = System.nanoTime();
                }
                busy.notifyAll();
            }
        }
    }

    private boolean handleMessage(Message message) {
        JobMessage job;
        try {
            job = JobMessage.fromJson(message.body());
        } catch (IllegalArgumentException e) {
            LOG.warn("dropping malformed message " + message.messageId() + ": " + message.body());
            delete(message);
            return false;
        }
        MDC.put("runId", job.runId());
        MDC.put("jobId", job.jobKey());
        MDC.put("epoch", Long.toString(job.epoch()));
        if (!RunnerLabels.satisfies(api.labels(), job.labels())) {
            System.err.println("passing on " + job.runId() + "/" + job.jobKey() + ": it needs labels " + job.labels()
                    + ", this runner has " + api.labels());
            passOn(message, job);
            return false;
        }
        if (stopping.get()) {
            changeVisibility(message, 0); // this runner is going away: let another have it now
            return false;
        }
        LeaseReply reply;
        try {
            reply = leaseRecognisingReplays(job.runId(), job.jobKey(), job.epoch());
        } catch (IOException e) {
            LOG.warn("lease call failed, message back in " + retryDelaySeconds + " s: " + e.getMessage());
            changeVisibility(message, retryDelaySeconds);
            return false;
        }
        if (reply instanceof Problem problem && problem.retryable()) {
            LOG.warn("lease refused for now (" + problem.status() + "), message back in " + retryDelaySeconds + " s");
            changeVisibility(message, retryDelaySeconds);
            return false;
        }
        if (reply instanceof LeaseReply.Draining draining) {
            // the scaler is taking this instance out: the job is another runner's, at once
            changeVisibility(message, 0);
            drained = draining.reason();
            LOG.info("instance drained, taking no more work: " + draining.reason());
            return false;
        }
        if (reply instanceof LeaseReply.TryLater) {
            // the job's last attempt failed here: pass it on, so another runner can have it first (hiding
            // it for the whole preference window would hide it from them too)
            passOn(message, job);
            return false;
        }
        // acquired: DynamoDB now owns the job's fate (the sweeper requeues it if we die);
        // anything else: the message is stale or unusable
        delete(message);
        if (!(reply instanceof LeaseReply.Leased leased)) {
            LOG.warn("not running " + job.runId() + "/" + job.jobKey() + "@" + job.epoch() + ": " + why(reply));
            return false;
        }
        LeasedJob leasedJob = LeasedJob.fromLeaseAnswer(leased);
        MDC.put("epoch", Long.toString(leasedJob.epoch()));
        MDC.put("attempt", Integer.toString(leasedJob.attempt()));
        LOG.info("leased " + job.runId() + "/" + job.jobKey() + " epoch " + leasedJob.epoch());
        stateSinceNanos = System.nanoTime();
        try {
            JobExecutor.Result result = noop ? new JobExecutor.Result.Report(0, null, 0, null, Map.of(), null)
                    : executor.run(leasedJob);
            if (result instanceof JobExecutor.Result.Report report) {
                report(leasedJob, report);
            } else if (result instanceof JobExecutor.Result.LeaseLost lost) {
                LOG.warn("lease lost on " + job.runId() + "/" + job.jobKey() + " (" + lost.reason() + "); not reporting");
            }
        } finally {
            executor.cleanUp(leasedJob); // after the report: the job's outcome does not wait for its workspace to go
        }
        return true;
    }

    private static String why(LeaseReply reply) {
        if (reply instanceof LeaseReply.NotLeasable notLeasable) {
            return notLeasable.reason() + " (" + notLeasable.state() + ")";
        }
        if (reply instanceof LeaseReply.UnknownJob unknown) {
            return unknown.error();
        }
        return reply instanceof Problem problem ? problem.error() + " (" + problem.status() + ")" : reply.toString();
    }

    /**
     * The lease call, tried again at once when it failed on the way (a timeout, a dropped
     * connection): the control plane may have applied it, and the same request again is answered
     * with that same lease rather than refused. Given up, the job would sit leased to this runner
     * with nobody running it until the lease expired (runner_lost).
     */
    private LeaseReply leaseRecognisingReplays(String runId, String jobKey, long epoch) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < LEASE_CALL_TRIES; attempt++) {
            if (attempt > 0) {
                pause(250L << attempt);
            }
            try {
                return api.lease(runId, jobKey, epoch);
            } catch (IOException e) {
                LOG.warn("lease call failed (try " + (attempt + 1) + " of " + LEASE_CALL_TRIES + "): " + e.getMessage());
                last = e;
            }
        }
        throw last;
    }

    /** Waits up to {@code limit} for the job in hand (if any) to be run and reported; true if none is left. */
    public boolean awaitIdle(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (busy) {
            while (busy.get()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    busy.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    private void report(LeasedJob job, JobExecutor.Result.Report result) {
        for (int attempt = 1; attempt <= 8; attempt++) {
            try {
                CompleteReply reply = api.complete(job.runId(), job.jobKey(), job.epoch(), job.attempt(),
                        job.startedAtEpochMs(), result.exitCode(), result.failureClass(), result.logChunks(),
                        result.artifactSha256(), result.outputs(), result.lastLog() == null ? null : result.lastLog().text());
                if (reply instanceof LeaseLost lost) {
                    LOG.warn("completion not accepted: " + lost.reason());
                    return;
                }
                if (!(reply instanceof Problem problem)) {
                    LOG.info("reported " + job.runId() + "/" + job.jobKey() + ": "
                            + (result.failureClass() == null ? "succeeded" : result.failureClass().wireName()));
                    return;
                }
                if (!problem.retryable()) {
                    LOG.warn("completion not accepted (" + problem.status() + "): " + problem.error());
                    return;
                }
                LOG.warn("completion refused for now (" + problem.status() + "): " + problem.error());
                if (result.lastLog() != null) {
                    result = lastLogSentAlone(job, result);
                }
            } catch (IOException e) {
                LOG.warn("completion failed (attempt " + attempt + "): " + e.getMessage());
            }
            pause(250L << Math.min(attempt, 5));
        }
        LOG.warn("gave up reporting " + job.runId() + "/" + job.jobKey() + "; its lease will expire");
    }

    /**
     * The completion could not take the log's last chunk (the log store, or the control plane,
     * is struggling): it goes on its own, under the log's outage rules, with the lease kept
     * meanwhile, and the completion follows without it.
     */
    private JobExecutor.Result.Report lastLogSentAlone(LeasedJob job, JobExecutor.Result.Report result) {
        try (LeaseKeeper fence = new LeaseKeeper(api, job)) {
            fence.start();
            return result.lastLogSentAlone();
        }
    }

    /**
     * A job this runner lacks the labels for (or should leave to another runner for now) goes back
     * to the queue as a fresh message (so it does
     * not reach the dead-letter queue), delayed 1 s, and a second more for every five times it was
     * passed on, up to {@value #MAX_PASS_ON_DELAY_SECONDS} s: quick to reach a runner that has the
     * labels, cheap when none is up. The original is deleted after, and this runner waits out the
     * delay before it polls again: otherwise runners without the labels, polling fastest, keep
     * winning the message from the one runner that has them.
     */
    private void passOn(Message message, JobMessage job) {
        JobMessage passed = job.passedOn();
        int delaySeconds = Math.min(1 + passed.passes() / 5, MAX_PASS_ON_DELAY_SECONDS);
        try {
            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(passed.toJson()).delaySeconds(delaySeconds));
        } catch (RuntimeException e) {
            LOG.warn("could not pass on message " + message.messageId() + ": " + e.getMessage());
            changeVisibility(message, retryDelaySeconds);
            return;
        }
        delete(message);
        pause((delaySeconds + 1) * 1000L);
    }

    private void changeVisibility(Message message, int seconds) {
        try {
            sqs.changeMessageVisibility(b -> b.queueUrl(inHandFrom).receiptHandle(message.receiptHandle())
                    .visibilityTimeout(seconds));
        } catch (RuntimeException e) {
            LOG.warn("could not delay message " + message.messageId() + ": " + e.getMessage());
        }
    }

    private void delete(Message message) {
        try {
            sqs.deleteMessage(b -> b.queueUrl(inHandFrom).receiptHandle(message.receiptHandle()));
        } catch (RuntimeException e) {
            // redelivery of a handled message is harmless: its lease will be refused
            LOG.warn("could not delete message " + message.messageId() + ": " + e.getMessage());
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
