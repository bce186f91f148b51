package dev.deltaci.local.host;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * What Lambda's SQS event source mapping does for a function with an {@code SQS} event: receive
 * up to a batch of messages, hand them to the handler as an {@link SQSEvent}, and delete those it
 * did not name as batch item failures ({@code ReportBatchItemFailures}); the failures come back
 * when their visibility timeout (or the one the handler set) runs out. FIFO order per message
 * group is the queue's to keep, as on AWS.
 */
final class QueueEventSource implements AutoCloseable {

    private final String functionId;
    private final RequestHandler<SQSEvent, SQSBatchResponse> handler;
    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final int batchSize;
    private final int timeoutSeconds;
    private volatile boolean closed;
    private Thread poller;

    QueueEventSource(String functionId, RequestHandler<SQSEvent, SQSBatchResponse> handler, SqsClient sqs,
                     String queueUrl, String queueArn, int batchSize, int timeoutSeconds) {
        this.functionId = functionId;
        this.handler = handler;
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.queueArn = queueArn;
        this.batchSize = batchSize;
        this.timeoutSeconds = timeoutSeconds;
    }

    String functionId() {
        return functionId;
    }

    /** Polls in the background until closed, as the mapping does. */
    void start() {
        poller = new Thread(() -> {
            while (!closed) {
                try {
                    deliver(1);
                } catch (RuntimeException e) {
                    if (!closed) {
                        System.err.println(functionId + " failed: " + e);
                        sleepQuietly();
                    }
                }
            }
        }, "event-source-" + functionId);
        poller.setDaemon(true);
        poller.start();
    }

    /** Delivers what is visible on the queue now, batch by batch; how many messages the handler was given. */
    int deliverVisible() {
        int total = 0;
        int delivered;
        do {
            delivered = deliver(0);
            total += delivered;
        } while (delivered > 0);
        return total;
    }

    private int deliver(int waitSeconds) {
        List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(batchSize)
                .waitTimeSeconds(waitSeconds).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
        if (messages.isEmpty()) {
            return 0;
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(messages.stream().map(this::record).toList());
        SQSBatchResponse response = handler.handleRequest(event,
                LocalLambdaContext.forInvocation(functionId, 1024, timeoutSeconds));
        Set<String> failed = response == null || response.getBatchItemFailures() == null ? Set.of()
                : response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .collect(Collectors.toSet());
        List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
        for (Message message : messages) {
            if (!failed.contains(message.messageId())) {
                done.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(done.size()))
                        .receiptHandle(message.receiptHandle()).build());
            }
        }
        if (!done.isEmpty()) {
            sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(done));
        }
        return messages.size();
    }

    private SQSEvent.SQSMessage record(Message message) {
        SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
        record.setMessageId(message.messageId());
        record.setReceiptHandle(message.receiptHandle());
        record.setBody(message.body());
        record.setEventSource("aws:sqs");
        record.setEventSourceArn(queueArn);
        Map<String, String> attributes = new HashMap<>();
        message.attributes().forEach((name, value) -> attributes.put(name.toString(), value));
        record.setAttributes(attributes);
        return record;
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        if (poller != null) {
            poller.interrupt();
        }
    }
}
