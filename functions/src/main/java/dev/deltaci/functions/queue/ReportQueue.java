package dev.deltaci.functions.queue;

import java.util.UUID;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The SQS FIFO queue that tells the reporter a run's jobs changed. Its messages carry only the
 * run id: the reporter reads the run itself. Each run is its own message group, so one pass of
 * a run runs at a time and in order, and a run whose reports GitHub cannot take blocks only
 * itself. Messages are never deduplicated: each change is news until a pass has seen it.
 */
public final class ReportQueue {

    private final SqsClient sqs;
    private final String queueUrl;

    public ReportQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    public void changed(String runId) {
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageGroupId(runId)
                .messageDeduplicationId(UUID.randomUUID().toString()).messageBody(runId));
    }
}
