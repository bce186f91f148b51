package dev.deltaci.functions.metrics;

import java.util.Set;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * DynamoDB write latency and conditional-check failures, measured on the functions' client: the
 * runbook's "DB write latency" (CI stuck) and the rate at which conditional writes lose races.
 * Latency is of the whole call, retries included, as the caller waits for it.
 */
public final class DynamoDbMetrics implements ExecutionInterceptor {

    private static final Set<String> WRITES = Set.of("PutItem", "UpdateItem", "DeleteItem");
    private static final ExecutionAttribute<Long> STARTED = new ExecutionAttribute<>("DeltaDynamoDbCallStarted");

    private final Metrics metrics;

    public DynamoDbMetrics(Metrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        attributes.putAttribute(STARTED, System.nanoTime());
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        recordLatency(attributes);
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        recordLatency(attributes);
        if (context.exception() instanceof ConditionalCheckFailedException) {
            metrics.record(Metric.CONDITIONAL_CHECK_FAILED, 1, "operation", operation(attributes));
        }
    }

    private void recordLatency(ExecutionAttributes attributes) {
        Long started = attributes.getAttribute(STARTED);
        String operation = operation(attributes);
        if (started != null && WRITES.contains(operation)) {
            metrics.record(Metric.DYNAMODB_WRITE_LATENCY, (System.nanoTime() - started) / 1_000_000.0,
                    "operation", operation);
        }
    }

    private static String operation(ExecutionAttributes attributes) {
        return attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
    }
}
