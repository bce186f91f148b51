package dev.deltaci.local.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * Counts AWS requests by service and operation (each HTTP attempt, retries included) — the
 * raw material of the cost per job. Attach it to any client's override configuration. It also
 * asks DynamoDB for the capacity each call consumed ({@code ReturnConsumedCapacity=TOTAL}) and
 * adds it up, reads and writes apart: what on-demand billing charges. A write whose condition
 * failed is charged by DynamoDB too; the error carries no capacity, so it counts one unit.
 */
public final class RequestCounter implements ExecutionInterceptor {

    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final DoubleAdder readUnits = new DoubleAdder();
    private final DoubleAdder writeUnits = new DoubleAdder();

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        SdkRequest request = context.request();
        ReturnConsumedCapacity total = ReturnConsumedCapacity.TOTAL;
        if (request instanceof PutItemRequest r) {
            return r.toBuilder().returnConsumedCapacity(total).build();
        } else if (request instanceof UpdateItemRequest r) {
            return r.toBuilder().returnConsumedCapacity(total).build();
        } else if (request instanceof DeleteItemRequest r) {
            return r.toBuilder().returnConsumedCapacity(total).build();
        } else if (request instanceof GetItemRequest r) {
            return r.toBuilder().returnConsumedCapacity(total).build();
        } else if (request instanceof QueryRequest r) {
            return r.toBuilder().returnConsumedCapacity(total).build();
        } else if (request instanceof BatchGetItemRequest r) {
            return r.toBuilder().returnConsumedCapacity(total).build();
        } else if (request instanceof BatchWriteItemRequest r) {
            return r.toBuilder().returnConsumedCapacity(total).build();
        }
        return request;
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        SdkResponse response = context.response();
        if (response instanceof PutItemResponse r) {
            add(writeUnits, r.consumedCapacity());
        } else if (response instanceof UpdateItemResponse r) {
            add(writeUnits, r.consumedCapacity());
        } else if (response instanceof DeleteItemResponse r) {
            add(writeUnits, r.consumedCapacity());
        } else if (response instanceof BatchWriteItemResponse r && r.hasConsumedCapacity()) {
            r.consumedCapacity().forEach(c -> add(writeUnits, c));
        } else if (response instanceof GetItemResponse r) {
            add(readUnits, r.consumedCapacity());
        } else if (response instanceof QueryResponse r) {
            add(readUnits, r.consumedCapacity());
        } else if (response instanceof BatchGetItemResponse r && r.hasConsumedCapacity()) {
            r.consumedCapacity().forEach(c -> add(readUnits, c));
        }
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        if (context.exception() instanceof ConditionalCheckFailedException) {
            writeUnits.add(1);
        }
    }

    private static void add(DoubleAdder units, ConsumedCapacity capacity) {
        if (capacity != null && capacity.capacityUnits() != null) {
            units.add(capacity.capacityUnits());
        }
    }

    /** DynamoDB read capacity units consumed (as the store reported them), since the last reset. */
    public double readUnits() {
        return readUnits.sum();
    }

    /** DynamoDB write capacity units consumed (as the store reported them, one per failed condition). */
    public double writeUnits() {
        return writeUnits.sum();
    }

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

    /** The DynamoDB operations that write: what on-demand billing charges in write units. */
    private static final java.util.Set<String> DYNAMODB_WRITES = java.util.Set.of(
            "DynamoDb:PutItem", "DynamoDb:UpdateItem", "DynamoDb:DeleteItem", "DynamoDb:BatchWriteItem");

    /** DynamoDB write requests (puts, updates, deletes, batch writes), conditional ones that failed included. */
    public long dynamoDbWrites() {
        return counts.entrySet().stream().filter(e -> DYNAMODB_WRITES.contains(e.getKey()))
                .mapToLong(e -> e.getValue().get()).sum();
    }

    /** Total requests to one service, e.g. {@code DynamoDb}, {@code Sqs}, {@code S3}. */
    public long total(String service) {
        return counts.entrySet().stream().filter(e -> e.getKey().startsWith(service + ":"))
                .mapToLong(e -> e.getValue().get()).sum();
    }

    public void reset() {
        counts.clear();
        readUnits.reset();
        writeUnits.reset();
    }
}
