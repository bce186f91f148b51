package dev.deltaci.functions.store;

import static dev.deltaci.functions.store.Items.jobKey;
import static dev.deltaci.functions.store.Items.n;
import static dev.deltaci.functions.store.Items.s;

import dev.deltaci.core.job.FailureClass;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.JobTransitions;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The sweeper's reads and writes. It finds candidates through the two sparse indexes, which
 * hold only live jobs (running ones by lease expiry, queued ones by when their message was
 * sent), so a sweep costs in proportion to the jobs it has to act on, not to history. Every
 * write is conditional on what the sweeper saw: a heartbeat or lease that lands first wins.
 */
public final class SweepStore {

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public SweepStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    /** Running jobs whose lease expired before {@code cutoffEpochMs}, oldest first. */
    public List<JobRef> expiredLeases(long cutoffEpochMs, int limit) {
        return indexBefore(JobStore.LEASE_INDEX, "leaseShard", JobStore.LEASE_SHARD, "leaseExpiresAtEpochMs",
                cutoffEpochMs, limit, SweepStore::jobRef);
    }

    /** Queued jobs whose last message was sent before {@code cutoffEpochMs}, oldest first. */
    public List<JobRef> queuedSince(long cutoffEpochMs, int limit) {
        return indexBefore(JobStore.QUEUE_INDEX, "queueShard", JobStore.QUEUE_SHARD, "enqueuedAtEpochMs",
                cutoffEpochMs, limit, SweepStore::jobRef);
    }

    /** Ids of runs created before {@code cutoffEpochMs} whose jobs were never all written, oldest first. */
    public List<String> unfinishedStartsBefore(long cutoffEpochMs, int limit) {
        return indexBefore(JobStore.QUEUE_INDEX, "queueShard", JobStore.START_SHARD, "enqueuedAtEpochMs",
                cutoffEpochMs, limit, item -> item.get("pk").s().substring("RUN#".length()));
    }

    /** Ids of live runs (started, not ended) the sweeper has not looked at since {@code cutoffEpochMs}, oldest first. */
    public List<String> liveRunsIdleSince(long cutoffEpochMs, int limit) {
        return indexBefore(JobStore.QUEUE_INDEX, "queueShard", JobStore.LIVE_SHARD, "enqueuedAtEpochMs",
                cutoffEpochMs, limit, item -> item.get("pk").s().substring("RUN#".length()));
    }

    private static JobRef jobRef(Map<String, AttributeValue> key) {
        return new JobRef(key.get("pk").s().substring("RUN#".length()), key.get("sk").s().substring("JOB#".length()));
    }

    private <T> List<T> indexBefore(String index, String shardAttribute, String shard, String sortAttribute,
                                    long cutoff, int limit, java.util.function.Function<Map<String, AttributeValue>, T> ref) {
        return Items.indexBefore(dynamo, table, index, shardAttribute, shard, sortAttribute, cutoff, limit, ref);
    }

    /** RUNNING → QUEUED for another attempt (epoch + 1), spending an infrastructure retry. */
    public Written requeueExpired(JobRecord job, long cutoffEpochMs, FailureClass why) {
        long now = clock.millis();
        Map<String, String> names = expiredNames();
        Map<String, AttributeValue> values = expiredValues(job, cutoffEpochMs, now, JobState.QUEUED, why);
        Items.putRequeue(names, values, new AttemptRecord(job.attempts().current(), job.lease().epoch(), job.lease().owner(),
                job.times().startedAtEpochMs(), now, JobState.QUEUED.name(), why.wireName(), null), true, now);
        return write(job, Conditions.LEASE_EXPIRED, Conditions.REQUEUE_UPDATE, names, values);
    }

    /** RUNNING → {@code finalState} for a job whose runner went silent; no retry. */
    public Written endExpired(JobRecord job, long cutoffEpochMs, JobState finalState, FailureClass why, String reason) {
        JobTransitions.check(JobState.RUNNING, finalState);
        long now = clock.millis();
        Map<String, String> names = expiredNames();
        names.put("#failureClass", "failureClass");
        names.put("#reason", "reason");
        names.put("#finishedAtEpochMs", "finishedAtEpochMs");
        Map<String, AttributeValue> values = expiredValues(job, cutoffEpochMs, now, finalState, why);
        values.put(":final", s(finalState.name()));
        values.put(":failureClass", s(why.wireName()));
        values.put(":reason", s(reason));
        return write(job, Conditions.LEASE_EXPIRED, Conditions.END_ATTEMPT_UPDATE, names, values);
    }

    /** Notes that a fresh message was sent for a queued job whose message may be lost. */
    public Written markReenqueued(JobRecord job, long cutoffEpochMs) {
        return write(job, Conditions.QUEUED_SINCE_BEFORE, Conditions.REENQUEUE_UPDATE,
                queuedNames(), queuedValues(job, cutoffEpochMs));
    }

    /** QUEUED → FAILED: no runner took the job within its queue-wait limit. */
    public Written failQueueTimeout(JobRecord job, long cutoffEpochMs, String reason) {
        JobTransitions.check(JobState.QUEUED, JobState.FAILED);
        Map<String, String> names = queuedNames();
        names.put("#failureClass", "failureClass");
        names.put("#reason", "reason");
        names.put("#finishedAtEpochMs", "finishedAtEpochMs");
        names.put("#queueShard", "queueShard");
        Map<String, AttributeValue> values = queuedValues(job, cutoffEpochMs);
        values.put(":failed", s(JobState.FAILED.name()));
        values.put(":failureClass", s(FailureClass.INFRA_ERROR.wireName()));
        values.put(":reason", s(reason));
        return write(job, Conditions.QUEUED_SINCE_BEFORE, Conditions.QUEUE_TIMEOUT_UPDATE, names, values);
    }

    private Map<String, String> expiredNames() {
        Map<String, String> names = new HashMap<>();
        names.put("#state", "state");
        names.put("#leaseEpoch", "leaseEpoch");
        names.put("#leaseExpiresAtEpochMs", "leaseExpiresAtEpochMs");
        names.put("#leaseShard", "leaseShard");
        names.put("#history", "history");
        return names;
    }

    private static Map<String, AttributeValue> expiredValues(JobRecord job, long cutoff, long now, JobState result,
                                                             FailureClass why) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":running", s(JobState.RUNNING.name()));
        values.put(":epoch", n(job.lease().epoch()));
        values.put(":cutoff", n(cutoff));
        values.put(":now", n(now));
        values.put(":noHistory", Items.EMPTY_LIST);
        values.put(":entry", Items.historyEntry(new AttemptRecord(job.attempts().current(), job.lease().epoch(), job.lease().owner(),
                job.times().startedAtEpochMs(), now, result.name(), why.wireName(), null)));
        return values;
    }

    private static Map<String, String> queuedNames() {
        Map<String, String> names = new HashMap<>();
        names.put("#state", "state");
        names.put("#leaseEpoch", "leaseEpoch");
        names.put("#enqueuedAtEpochMs", "enqueuedAtEpochMs");
        return names;
    }

    private Map<String, AttributeValue> queuedValues(JobRecord job, long cutoff) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":queued", s(JobState.QUEUED.name()));
        values.put(":epoch", n(job.lease().epoch()));
        values.put(":cutoff", n(cutoff));
        values.put(":now", n(clock.millis()));
        return values;
    }

    private Written write(JobRecord job, String condition, String update, Map<String, String> names,
                          Map<String, AttributeValue> values) {
        return Items.write(dynamo, UpdateItemRequest.builder().tableName(table).key(jobKey(job.runId(), job.jobKey()))
                .conditionExpression(condition).updateExpression(update)
                .expressionAttributeNames(names).expressionAttributeValues(values).build());
    }
}
