package dev.deltaci.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deltaci.core.pipeline.RunnerLabels;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    private static final ObjectMapper JSON = new ObjectMapper();
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

    /** Polls until {@link #stop()}; runs at most {@code maxJobs} jobs (0: no limit). */
    public void runLoop(int maxJobs) {
        int done = 0;
        while (!stopping.get() && (maxJobs == 0 || done < maxJobs)) {
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
                if (handle(message)) {
                    done++;
                }
            }
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

    /** Returns true if a job was run. Log lines meanwhile carry the message's and job's correlation keys. */
    boolean handle(Message message) {
        MDC.put("messageId", message.messageId());
        // busy from the moment a message is in hand: a stop then waits for it to be handed back
        busy.set(true);
        try {
            return handleMessage(message);
        } finally {
            MDC.clear();
            synchronized (busy) {
                busy.set(false);
                busy.notifyAll();
            }
        }
    }

    private boolean handleMessage(Message message) {
        String runId;
        String jobKey;
        long epoch;
        JsonNode body;
        try {
            body = JSON.readTree(message.body());
            runId = body.get("runId").asText();
            jobKey = body.get("jobKey").asText();
            epoch = body.get("epoch").asLong();
            MDC.put("runId", runId);
            MDC.put("jobId", jobKey);
            MDC.put("epoch", Long.toString(epoch));
        } catch (IOException | RuntimeException e) {
            LOG.warn("dropping malformed message " + message.messageId() + ": " + message.body());
            delete(message);
            return false;
        }
        List<String> needed = new ArrayList<>();
        body.path("labels").forEach(label -> needed.add(label.asText()));
        if (!RunnerLabels.satisfies(api.labels(), needed)) {
            System.err.println("passing on " + runId + "/" + jobKey + ": it needs labels " + needed + ", this runner has "
                    + api.labels());
            passOn(message, body);
            return false;
        }
        if (stopping.get()) {
            changeVisibility(message, 0); // this runner is going away: let another have it now
            return false;
        }
        RunnerApiClient.Answer answer;
        try {
            answer = leaseRecognisingReplays(runId, jobKey, epoch);
        } catch (IOException e) {
            LOG.warn("lease call failed, message back in " + retryDelaySeconds + " s: " + e.getMessage());
            changeVisibility(message, retryDelaySeconds);
            return false;
        }
        if (answer.retryable()) {
            LOG.warn("lease refused for now (" + answer.status() + "), message back in " + retryDelaySeconds + " s");
            changeVisibility(message, retryDelaySeconds);
            return false;
        }
        if (answer.conflict() && "try_later".equals(answer.body().path("outcome").asText())) {
            // the job's last attempt failed here: pass it on, so another runner can have it first (hiding
            // it for the whole preference window would hide it from them too)
            passOn(message, body);
            return false;
        }
        // acquired: DynamoDB now owns the job's fate (the sweeper requeues it if we die);
        // anything else: the message is stale or unusable
        delete(message);
        if (!answer.ok()) {
            LOG.warn("not running " + runId + "/" + jobKey + "@" + epoch + ": " + answer.reason());
            return false;
        }
        LeasedJob job = LeasedJob.fromLeaseAnswer(answer.body());
        MDC.put("epoch", Long.toString(job.epoch()));
        MDC.put("attempt", Integer.toString(job.attempt()));
        LOG.info("leased " + runId + "/" + jobKey + " epoch " + job.epoch());
        JobExecutor.Result result = executor.run(job);
        if (result instanceof JobExecutor.Result.Report report) {
            report(job, report);
        } else if (result instanceof JobExecutor.Result.LeaseLost lost) {
            LOG.warn("lease lost on " + runId + "/" + jobKey + " (" + lost.reason() + "); not reporting");
        }
        return true;
    }

    /**
     * The lease call, tried again at once when it failed on the way (a timeout, a dropped
     * connection): the control plane may have applied it, and the same request again is answered
     * with that same lease rather than refused. Given up, the job would sit leased to this runner
     * with nobody running it until the lease expired (runner_lost).
     */
    private RunnerApiClient.Answer leaseRecognisingReplays(String runId, String jobKey, long epoch) throws IOException {
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
                RunnerApiClient.Answer answer = api.complete(job.runId(), job.jobKey(), job.epoch(), job.attempt(),
                        job.startedAtEpochMs(), result.exitCode(), result.failureClass(), result.logChunks(),
                        result.artifactSha256());
                if (answer.ok() || answer.conflict() || !answer.retryable()) {
                    if (answer.ok()) {
                        LOG.info("reported " + job.runId() + "/" + job.jobKey() + ": "
                                + (result.failureClass() == null ? "succeeded" : result.failureClass()));
                    } else {
                        LOG.warn("completion not accepted: " + answer.reason());
                    }
                    return;
                }
                LOG.warn("completion refused for now (" + answer.status() + "): " + answer.reason());
            } catch (IOException e) {
                LOG.warn("completion failed (attempt " + attempt + "): " + e.getMessage());
            }
            pause(250L << Math.min(attempt, 5));
        }
        LOG.warn("gave up reporting " + job.runId() + "/" + job.jobKey() + "; its lease will expire");
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
    private void passOn(Message message, JsonNode body) {
        int passes = body.path("passes").asInt(0) + 1;
        ((ObjectNode) body).put("passes", passes);
        int delaySeconds = Math.min(1 + passes / 5, MAX_PASS_ON_DELAY_SECONDS);
        try {
            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(body.toString()).delaySeconds(delaySeconds));
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
            sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(message.receiptHandle())
                    .visibilityTimeout(seconds));
        } catch (RuntimeException e) {
            LOG.warn("could not delay message " + message.messageId() + ": " + e.getMessage());
        }
    }

    private void delete(Message message) {
        try {
            sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
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
