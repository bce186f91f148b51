package dev.deltaci.local.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts AWS requests by service and operation (each HTTP attempt, retries included) — the
 * raw material of the cost per job. Attach it to any client's override configuration.
 */
public final class RequestCounter implements ExecutionInterceptor {

    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        counts.computeIfAbsent(service + ":" + operation, k -> new AtomicLong()).incrementAndGet();
    }

    /** {@code Service:Operation → count}, sorted. */
    public Map<String, Long> byOperation() {
        Map<String, Long> snapshot = new TreeMap<>();
        counts.forEach((k, v) -> snapshot.put(k, v.get()));
        return snapshot;
    }

    /** Total requests to one service, e.g. {@code DynamoDb}, {@code Sqs}, {@code S3}. */
    public long total(String service) {
        return counts.entrySet().stream().filter(e -> e.getKey().startsWith(service + ":"))
                .mapToLong(e -> e.getValue().get()).sum();
    }

    public void reset() {
        counts.clear();
    }
}
