package dev.deltaci.functions.store;

import static dev.deltaci.functions.store.Items.n;
import static dev.deltaci.functions.store.Items.num;
import static dev.deltaci.functions.store.Items.s;
import static dev.deltaci.functions.store.Items.str;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Webhook deliveries kept because GitHub could not be read when they came: the signed payload in
 * S3 ({@code deliveries/<id>.json}), its state in the table ({@code pk = DELIVERY#<id>}): how often
 * it was tried, when next, and GitHub's last answer. A delivery due again sits in the
 * {@code ByEnqueuedAt} index ({@code queueShard = deliveries#0}, sorted by when it is due), where
 * the sweeper finds it; one given up leaves the index for {@code deliveries-given-up#0}, where
 * {@code delta status} counts it, payload kept for a replay by hand.
 */
public final class DeliveryStore {

    static final String DUE_SHARD = "deliveries#0";
    static final String GIVEN_UP_SHARD = "deliveries-given-up#0";
    private static final String SK = "DELIVERY";

    /** A kept delivery as stored. */
    public record KeptDelivery(String deliveryId, String event, int attempts, long receivedAtEpochMs,
                               long dueAtEpochMs, String lastError) {
    }

    private final DynamoDbClient dynamo;
    private final S3Client s3;
    private final String table;
    private final String bucket;
    private final Clock clock;

    public DeliveryStore(DynamoDbClient dynamo, S3Client s3, String table, String bucket, Clock clock) {
        this.dynamo = dynamo;
        this.s3 = s3;
        this.table = table;
        this.bucket = bucket;
        this.clock = clock;
    }

    static String payloadKey(String deliveryId) {
        return "deliveries/" + deliveryId + ".json";
    }

    private static Map<String, AttributeValue> key(String deliveryId) {
        return Map.of("pk", s("DELIVERY#" + deliveryId), "sk", s(SK));
    }

    /**
     * Keeps a delivery (payload first, so a kept item always has one); a delivery kept already
     * (GitHub redelivered it) stays as it is.
     */
    public void keep(String deliveryId, String event, byte[] payload, String error, long dueAtEpochMs) {
        s3.putObject(b -> b.bucket(bucket).key(payloadKey(deliveryId)).contentType("application/json"),
                RequestBody.fromBytes(payload));
        Map<String, AttributeValue> item = new HashMap<>(key(deliveryId));
        item.put("type", s("delivery"));
        item.put("deliveryId", s(deliveryId));
        item.put("event", s(event));
        item.put("attempts", n(1));
        item.put("receivedAtEpochMs", n(clock.millis()));
        item.put("queueShard", s(DUE_SHARD));
        item.put("enqueuedAtEpochMs", n(dueAtEpochMs));
        item.put("lastError", s(error));
        try {
            dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
        } catch (ConditionalCheckFailedException e) {
            // kept before: its own schedule stands
        }
    }

    /** Deliveries due before {@code cutoffEpochMs}, oldest due first. */
    public List<KeptDelivery> due(long cutoffEpochMs, int limit) {
        return Items.indexBefore(dynamo, table, JobStore.QUEUE_INDEX, "queueShard", DUE_SHARD, "enqueuedAtEpochMs",
                cutoffEpochMs, limit, item -> item).stream()
                .map(k -> Optional.ofNullable(dynamo.getItem(b -> b.tableName(table).key(Map.of("pk", k.get("pk"),
                        "sk", k.get("sk"))).consistentRead(true)).item()))
                .flatMap(Optional::stream).filter(item -> !item.isEmpty())
                .filter(item -> DUE_SHARD.equals(str(item, "queueShard")))
                .map(DeliveryStore::toDelivery).toList();
    }

    /** How many deliveries wait to be tried again (up to {@code limit}). */
    public int waiting(int limit) {
        return count(DUE_SHARD, limit);
    }

    /** How many deliveries were given up (shown by {@code delta status} until someone replays or deletes them). */
    public int givenUp(int limit) {
        return count(GIVEN_UP_SHARD, limit);
    }

    private int count(String shard, int limit) {
        return Items.indexBefore(dynamo, table, JobStore.QUEUE_INDEX, "queueShard", shard, "enqueuedAtEpochMs",
                Long.MAX_VALUE, limit, item -> item).size();
    }

    public Optional<byte[]> payload(String deliveryId) {
        try {
            return Optional.of(s3.getObjectAsBytes(b -> b.bucket(bucket).key(payloadKey(deliveryId))).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    /** Tried once more and still not readable: due again at {@code dueAtEpochMs}. */
    public void retryLater(KeptDelivery delivery, long dueAtEpochMs, String error) {
        dynamo.updateItem(b -> b.tableName(table).key(key(delivery.deliveryId()))
                .conditionExpression("attribute_exists(pk)")
                .updateExpression("SET attempts = attempts + :one, enqueuedAtEpochMs = :due, lastError = :error")
                .expressionAttributeValues(Map.of(":one", n(1), ":due", n(dueAtEpochMs), ":error", s(error))));
    }

    /** Out of the retry index, into the given-up one; the payload stays for a replay by hand. */
    public void giveUp(KeptDelivery delivery, String error) {
        dynamo.updateItem(b -> b.tableName(table).key(key(delivery.deliveryId()))
                .updateExpression("SET queueShard = :givenUp, enqueuedAtEpochMs = :now, lastError = :error")
                .expressionAttributeValues(Map.of(":givenUp", s(GIVEN_UP_SHARD), ":now", n(clock.millis()),
                        ":error", s(error))));
    }

    /** Started (or decided) at last: nothing of it is kept. */
    public void done(KeptDelivery delivery) {
        dynamo.deleteItem(b -> b.tableName(table).key(key(delivery.deliveryId())));
        s3.deleteObject(b -> b.bucket(bucket).key(payloadKey(delivery.deliveryId())));
    }

    private static KeptDelivery toDelivery(Map<String, AttributeValue> item) {
        return new KeptDelivery(str(item, "deliveryId"), str(item, "event"), (int) num(item, "attempts", 1),
                num(item, "receivedAtEpochMs", 0), num(item, "enqueuedAtEpochMs", 0), str(item, "lastError"));
    }
}
