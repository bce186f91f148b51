package dev.deltaci.functions.queue;

import dev.deltaci.api.JobMessage;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * The SQS adapter for the job queue: at-least-once, so every consumer must tolerate repeats.
 * A requeued job also goes to the retry queue, which runners look at first between jobs: work a
 * lost runner dropped does not wait behind the whole queue.
 */
public final class JobQueue {

    private static final int SQS_BATCH_LIMIT = 10;

    private final SqsClient sqs;
    private final String queueUrl;
    private final String retryQueueUrl;

    public JobQueue(SqsClient sqs, String queueUrl) {
        this(sqs, queueUrl, null);
    }

    /** @param retryQueueUrl where requeued jobs go too, or null for none */
    public JobQueue(SqsClient sqs, String queueUrl, String retryQueueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.retryQueueUrl = retryQueueUrl;
    }

    /**
     * A job back in the queue after an attempt that did not finish: to the retry queue, for the
     * next runner that is done with a job, and to the job queue, for a runner that is idle (long-
     * polling it). The copy not taken is refused at its lease and deleted.
     */
    public void requeue(JobMessage message) {
        if (retryQueueUrl != null) {
            send(retryQueueUrl, List.of(message));
        }
        enqueue(List.of(message));
    }

    /** Sends the messages in batches of ten; fails loudly if SQS rejects any of them. */
    public void enqueue(List<JobMessage> messages) {
        send(queueUrl, messages);
    }

    private void send(String url, List<JobMessage> messages) {
        for (int from = 0; from < messages.size(); from += SQS_BATCH_LIMIT) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            List<JobMessage> batch = messages.subList(from, Math.min(messages.size(), from + SQS_BATCH_LIMIT));
            for (int i = 0; i < batch.size(); i++) {
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i))
                        .messageBody(batch.get(i).toJson()).build());
            }
            SendMessageBatchResponse response = sqs.sendMessageBatch(b -> b.queueUrl(url).entries(entries));
            if (response.hasFailed() && !response.failed().isEmpty()) {
                BatchResultErrorEntry first = response.failed().get(0);
                throw new IllegalStateException(response.failed().size() + " job message(s) were not queued: "
                        + first.code() + " " + first.message());
            }
        }
    }
}
