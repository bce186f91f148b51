package dev.deltaci.functions.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.metrics.Metrics;
import dev.deltaci.functions.report.CheckReporter;
import dev.deltaci.functions.report.ReportRetry;
import dev.deltaci.functions.wiring.ControlPlane;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Reports the runs named on the report queue (SQS FIFO, one group per run) to GitHub. A run
 * GitHub could not take now is handed back with a delay ({@link ReportRetry}): its message is
 * hidden until then and named a batch failure, as are the later messages of its group in the
 * batch, so its order holds. Everything else is deleted by Lambda.
 */
public final class ReporterHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private static final Logger LOG = LoggerFactory.getLogger(ReporterHandler.class);

    private final Optional<CheckReporter> reporter;
    private final SqsClient sqs;
    private final String queueUrl;
    private final Metrics metrics;
    private final Clock clock;
    private final Invocations invocations;

    public ReporterHandler() {
        this(ControlPlane.fromEnvironment(System.getenv()));
    }

    public ReporterHandler(ControlPlane plane) {
        this.reporter = plane.checkReporter();
        this.sqs = plane.sqs();
        this.queueUrl = plane.config().reportQueueUrl();
        this.metrics = plane.metrics();
        this.clock = plane.clock();
        this.invocations = new Invocations("ReporterFunction", plane);
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return invocations.scheduled(context, () -> {
            List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
            Set<String> heldBack = new HashSet<>();
            for (SQSEvent.SQSMessage message : event.getRecords()) {
                String runId = message.getBody().strip();
                String group = message.getAttributes() == null ? runId
                        : message.getAttributes().getOrDefault("MessageGroupId", runId);
                if (heldBack.contains(group) || !report(runId, message)) {
                    heldBack.add(group);
                    failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
                }
            }
            return new SQSBatchResponse(failures);
        });
    }

    /** Whether the message is done with (reported, nothing to report, or given up). */
    private boolean report(String runId, SQSEvent.SQSMessage message) {
        MDC.put("runId", runId);
        CheckReporter.Outcome outcome;
        try {
            outcome = reporter.map(r -> r.report(runId)).orElse(new CheckReporter.Outcome.UpToDate(0));
        } catch (RuntimeException e) {
            // the table could not be read or written: Lambda shows the message again after its visibility timeout
            LOG.error("could not report run {}: {}", runId, e.toString());
            return false;
        }
        if (!(outcome instanceof CheckReporter.Outcome.RetryAt retry)) {
            return true;
        }
        Instant now = clock.instant();
        Optional<Duration> delay = ReportRetry.delay(queuedAt(message, now), now, retry.at());
        if (delay.isEmpty()) {
            metrics.record(Metric.CHECK_REPORTS, 1, "outcome", "abandoned");
            LOG.error("gave up reporting run {} to GitHub after a day of trying: {}", runId, retry.why());
            return true;
        }
        try {
            sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(message.getReceiptHandle())
                    .visibilityTimeout((int) delay.get().toSeconds()));
        } catch (SdkException e) {
            LOG.warn("could not delay the next report of run {}: {}", runId, e.getMessage());
        }
        return false;
    }

    private static Instant queuedAt(SQSEvent.SQSMessage message, Instant now) {
        String sent = message.getAttributes() == null ? null : message.getAttributes().get("SentTimestamp");
        return sent != null && sent.matches("[0-9]{1,15}") ? Instant.ofEpochMilli(Long.parseLong(sent)) : now;
    }
}
