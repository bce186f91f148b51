package dev.deltaci.functions.queue;

import dev.deltaci.api.JobMessage;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/** The SQS adapter for the job queue: at-least-once, so every consumer must tolerate repeats. */
public final class JobQueue {

    private static final int SQS_BATCH_LIMIT = 10;

    private final SqsClient sqs;
    private final String queueUrl;

    public JobQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    /** Sends the messages in batches of ten; fails loudly if SQS rejects any of them. */
    public void enqueue(List<JobMessage> messages) {
        for (int from = 0; from < messages.size(); from += SQS_BATCH_LIMIT) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            List<JobMessage> batch = messages.subList(from, Math.min(messages.size(), from + SQS_BATCH_LIMIT));
            for (int i = 0; i < batch.size(); i++) {
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i))
                        .messageBody(batch.get(i).toJson()).build());
            }
            SendMessageBatchResponse response = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
            if (response.hasFailed() && !response.failed().isEmpty()) {
                BatchResultErrorEntry first = response.failed().get(0);
                throw new IllegalStateException(response.failed().size() + " job message(s) were not queued: "
                        + first.code() + " " + first.message());
            }
        }
    }
}
