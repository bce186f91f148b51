package dev.deltaci.functions.store;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.pipeline.JobSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/** Item keys, and what update expressions need of the table's shape; the mapping itself is {@link ItemSchemas}'. */
final class Items {

    /**
     * Job specs are stored as their record components only (no derived getters such as
     * {@code displayName}), and read leniently, so that items written by a newer version with
     * more fields still load.
     */
    private static final ObjectMapper JSON = new ObjectMapper()
            .setVisibility(PropertyAccessor.GETTER, JsonAutoDetect.Visibility.NONE)
            .setVisibility(PropertyAccessor.IS_GETTER, JsonAutoDetect.Visibility.NONE)
            .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Items() {
    }

    static String runPk(String runId) {
        return "RUN#" + runId;
    }

    static Map<String, AttributeValue> runKey(String runId) {
        return Map.of("pk", s(runPk(runId)), "sk", s(RUN_SK));
    }

    static Map<String, AttributeValue> jobKey(String runId, String jobKey) {
        return Map.of("pk", s(runPk(runId)), "sk", s(jobSk(jobKey)));
    }

    static final String RUN_SK = "RUN";

    static String jobSk(String jobKey) {
        return "JOB#" + jobKey;
    }

    static RunRecord toRun(Map<String, AttributeValue> item) {
        return ItemSchemas.RUN.mapToItem(item);
    }

    static JobRecord toJob(Map<String, AttributeValue> item) {
        return ItemSchemas.JOB.mapToItem(item);
    }

    /** A one-element list holding the attempt's record, for {@code list_append} onto {@code history}. */
    static AttributeValue historyEntry(AttemptRecord a) {
        Map<String, AttributeValue> m = new java.util.HashMap<>();
        m.put("attempt", n(a.attempt()));
        m.put("epoch", n(a.epoch()));
        m.put("runner", a.runner() == null ? AttributeValue.fromNul(true) : s(a.runner()));
        m.put("startedAtEpochMs", n(a.startedAtEpochMs()));
        m.put("endedAtEpochMs", n(a.endedAtEpochMs()));
        m.put("result", s(a.result()));
        m.put("failureClass", a.failureClass() == null ? AttributeValue.fromNul(true) : s(a.failureClass()));
        m.put("exitCode", a.exitCode() == null ? AttributeValue.fromNul(true) : n(a.exitCode()));
        return AttributeValue.fromL(List.of(AttributeValue.fromM(m)));
    }

    static final AttributeValue EMPTY_LIST = AttributeValue.fromL(List.of());

    /** Applies a conditional update; {@code ConditionFailed} when its condition does not hold (someone else moved first). */
    static Written write(DynamoDbClient dynamo, UpdateItemRequest request) {
        try {
            dynamo.updateItem(request);
            return Written.APPLIED;
        } catch (ConditionalCheckFailedException e) {
            return new Written.ConditionFailed(request.conditionExpression());
        }
    }

    static String toJson(JobSpec spec) {
        try {
            return JSON.writeValueAsString(spec);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise job spec", e);
        }
    }

    static JobSpec fromJson(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readValue(json, JobSpec.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored job spec is unreadable", e);
        }
    }

    /**
     * The names and values {@link Conditions#REQUEUE_UPDATE} uses, built in this one place for
     * the runner's retryable failure ({@code JobStore}) and the sweeper's expired lease
     * ({@code SweepStore}); each caller adds those of its own condition.
     *
     * @param ended          the attempt that ends (its epoch + 1 is the new epoch; its runner is
     *                       avoided for a while)
     * @param infrastructure whether the retry is counted as an infrastructure or a user retry
     */
    static void putRequeue(Map<String, String> names, Map<String, AttributeValue> values, AttemptRecord ended,
                           boolean infrastructure, long now) {
        names.put("#state", "state");
        names.put("#leaseEpoch", "leaseEpoch");
        names.put("#attempt", "attempt");
        names.put("#retries", infrastructure ? "infraRetries" : "userRetries");
        names.put("#queuedAtEpochMs", "queuedAtEpochMs");
        names.put("#enqueuedAtEpochMs", "enqueuedAtEpochMs");
        names.put("#queueShard", "queueShard");
        names.put("#avoidRunner", "avoidRunner");
        names.put("#history", "history");
        names.put("#leaseShard", "leaseShard");
        names.put("#leaseOwner", "leaseOwner");
        values.put(":queued", AttributeValue.fromS(JobState.QUEUED.name()));
        values.put(":newEpoch", AttributeValue.fromN(Long.toString(ended.epoch() + 1)));
        values.put(":one", AttributeValue.fromN("1"));
        values.put(":zero", AttributeValue.fromN("0"));
        values.put(":now", AttributeValue.fromN(Long.toString(now)));
        values.put(":queueShard", AttributeValue.fromS(JobStore.QUEUE_SHARD));
        values.put(":avoidRunner", AttributeValue.fromS(ended.runner()));
        values.put(":noHistory", EMPTY_LIST);
        values.put(":entry", historyEntry(ended));
    }

    static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    static long num(Map<String, AttributeValue> item, String name, long fallback) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? fallback : Long.parseLong(value.n());
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    /**
     * The keys of a sparse index's partition {@code shard} whose sort key is below {@code cutoff},
     * lowest first, up to {@code limit} (the index is eventually consistent: callers read the item).
     */
    static <T> List<T> indexBefore(DynamoDbClient dynamo, String table, String index, String shardAttribute, String shard,
                                   String sortAttribute, long cutoff, int limit,
                                   Function<Map<String, AttributeValue>, T> ref) {
        List<T> refs = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = dynamo.query(b -> b.tableName(table).indexName(index)
                    .keyConditionExpression("#shard = :shard AND #sort < :cutoff")
                    .expressionAttributeNames(Map.of("#shard", shardAttribute, "#sort", sortAttribute))
                    .expressionAttributeValues(Map.of(":shard", s(shard), ":cutoff", n(cutoff)))
                    .exclusiveStartKey(from)
                    .limit(limit - refs.size()));
            for (Map<String, AttributeValue> item : page.items()) {
                refs.add(ref.apply(item));
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && refs.size() < limit);
        return refs;
    }
}
