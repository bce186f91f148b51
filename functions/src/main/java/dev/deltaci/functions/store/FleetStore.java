package dev.deltaci.functions.store;

import static dev.deltaci.functions.store.Items.n;
import static dev.deltaci.functions.store.Items.num;
import static dev.deltaci.functions.store.Items.s;
import static dev.deltaci.functions.store.Items.str;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * The control plane's record of each autoscaled instance ({@code pk=FLEET, sk=INSTANCE#<id>}):
 * the runner registered on it, whether it is <b>drained</b>, and its <b>claim</b> — the job its
 * runner is leasing or last leased. This item is what makes scale-in safe without transactions:
 *
 * <ol>
 *   <li>A managed runner's lease starts with a claim, a conditional write on this item that
 *       fails once the instance is drained ({@link #CLAIM}); only then is the job leased.</li>
 *   <li>The scaler drains with a conditional write on the same item ({@link #DRAIN}). After it,
 *       no claim succeeds, so no new lease can start on the instance.</li>
 *   <li>A lease that was claimed before the drain either shows on the job (RUNNING, owned by the
 *       runner, at the claimed epoch + 1) or can no longer land: the job moved on from the
 *       claimed epoch, or the claim is older than the longest a lease call takes. Only then does
 *       the instance hold no work and may be terminated.</li>
 * </ol>
 *
 * <p>The records have no TTL: a drained instance's record must outlive it. The scaler forgets a
 * record once its instance is terminated or has left its group.
 */
public final class FleetStore {

    static final String PK = "FLEET";

    /**
     * {@code runnerId = <the caller> AND attribute_not_exists(draining)}: the instance's current
     * runner, on an instance that still takes work.
     */
    public static final String CLAIM = "#runnerId = :runnerId AND attribute_not_exists(#draining)";
    /** {@code attribute_not_exists(draining)}: an instance not yet drained registers its runner. */
    public static final String NOT_DRAINING = "attribute_not_exists(#draining)";
    /** {@code attribute_not_exists(draining)}, written {@code draining = true}: drains once. */
    public static final String DRAIN = NOT_DRAINING;
    /** {@code claimRunId = :runId AND claimJobKey = :jobKey AND claimEpoch = :epoch}: this claim, not a later one. */
    public static final String SAME_CLAIM = "#claimRunId = :runId AND #claimJobKey = :jobKey AND #claimEpoch = :epoch";

    /**
     * One instance as recorded. {@code claim} is null when its runner has claimed nothing;
     * {@code firstSeenAtEpochMs} is when the scaler first saw it in its group (what the launch
     * timeout counts from; Auto Scaling does not say when an instance launched).
     */
    public record InstanceRecord(String instanceId, String pool, String runnerId, boolean draining, String drainReason,
                                 long drainedAtEpochMs, Claim claim, long firstSeenAtEpochMs, long registeredAtEpochMs) {
    }

    /** The job a runner is leasing or last leased, and when it claimed it. */
    public record Claim(String runnerId, String runId, String jobKey, long epoch, long claimedAtEpochMs) {
    }

    /** What a claim came to. */
    public sealed interface ClaimOutcome {
        record Claimed() implements ClaimOutcome {
        }

        /** The instance is drained: its runner takes no more work. */
        record Draining(String reason) implements ClaimOutcome {
        }

        /** Another runner registered on the instance since (this one was replaced). */
        record NotCurrentRunner(String current) implements ClaimOutcome {
        }
    }

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public FleetStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    private static Map<String, AttributeValue> key(String instanceId) {
        return Map.of("pk", s(PK), "sk", s("INSTANCE#" + instanceId));
    }

    /**
     * Records {@code runnerId} as the instance's runner (replacing any earlier one, such as a
     * runner that crashed and was restarted); refused once the instance is drained.
     */
    public Optional<String> register(String instanceId, String pool, String runnerId) {
        long now = clock.millis();
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(instanceId))
                    .conditionExpression(NOT_DRAINING)
                    .updateExpression("SET #instanceId = :instanceId, #pool = :pool, #runnerId = :runnerId, "
                            + "#registeredAtEpochMs = :now")
                    .expressionAttributeNames(Map.of("#draining", "draining", "#instanceId", "instanceId", "#pool", "pool",
                            "#runnerId", "runnerId", "#registeredAtEpochMs", "registeredAtEpochMs"))
                    .expressionAttributeValues(Map.of(":instanceId", s(instanceId), ":pool", s(pool), ":runnerId", s(runnerId),
                            ":now", n(now)))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return Optional.empty();
        } catch (ConditionalCheckFailedException e) {
            return Optional.of(drainReason(itemOf(e, instanceId)));
        }
    }

    /**
     * The claim that starts a managed runner's lease. {@code drainAfter} (an ephemeral pool's
     * instance) drains the instance in the same write: it runs this one job and no other.
     */
    public ClaimOutcome claim(String instanceId, String runnerId, String runId, String jobKey, long epoch,
                              boolean drainAfter) {
        long now = clock.millis();
        Map<String, String> names = new HashMap<>(claimNames());
        names.put("#runnerId", "runnerId");
        names.put("#claimRunnerId", "claimRunnerId");
        names.put("#draining", "draining");
        Map<String, AttributeValue> values = new HashMap<>(claimValues(runId, jobKey, epoch));
        values.put(":runnerId", s(runnerId));
        values.put(":now", n(now));
        String update = "SET #claimRunId = :runId, #claimJobKey = :jobKey, #claimEpoch = :epoch, "
                + "#claimedAtEpochMs = :now, #claimRunnerId = :runnerId";
        if (drainAfter) {
            update += ", #draining = :true, #drainReason = :ephemeral, #drainedAtEpochMs = :now";
            names.put("#drainReason", "drainReason");
            names.put("#drainedAtEpochMs", "drainedAtEpochMs");
            values.put(":true", AttributeValue.fromBool(true));
            values.put(":ephemeral", s(EPHEMERAL_REASON));
        }
        String expression = update;
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(instanceId)).conditionExpression(CLAIM)
                    .updateExpression(expression).expressionAttributeNames(names).expressionAttributeValues(values)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return new ClaimOutcome.Claimed();
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> old = itemOf(e, instanceId);
            InstanceRecord before = old.isEmpty() ? null : toInstance(old);
            if (before != null && before.claim() != null && runnerId.equals(before.claim().runnerId())
                    && before.claim().equals(new Claim(runnerId, runId, jobKey, epoch, before.claim().claimedAtEpochMs()))) {
                // the same lease asked again (its answer was lost): the claim was made before the drain
                return new ClaimOutcome.Claimed();
            }
            if (old.containsKey("draining")) {
                return new ClaimOutcome.Draining(drainReason(old));
            }
            return new ClaimOutcome.NotCurrentRunner(str(old, "runnerId"));
        }
    }

    /** Why an ephemeral instance is drained: it took its one job. */
    public static final String EPHEMERAL_REASON = "ephemeral: ran its one job";

    /**
     * A claim whose lease was not granted is withdrawn, so the instance is free at once (and an
     * ephemeral instance gets its one job after all); a later claim or a drain by the scaler is left alone.
     */
    public void release(String instanceId, String runId, String jobKey, long epoch, boolean ephemeral) {
        Map<String, String> names = new HashMap<>(claimNames());
        names.put("#claimRunnerId", "claimRunnerId");
        Map<String, AttributeValue> values = new HashMap<>(claimValues(runId, jobKey, epoch));
        String update = "REMOVE #claimRunId, #claimJobKey, #claimEpoch, #claimedAtEpochMs, #claimRunnerId";
        String condition = SAME_CLAIM;
        if (ephemeral) {
            update += ", #draining, #drainReason, #drainedAtEpochMs";
            condition += " AND #drainReason = :ephemeral";
            names.put("#draining", "draining");
            names.put("#drainReason", "drainReason");
            names.put("#drainedAtEpochMs", "drainedAtEpochMs");
            values.put(":ephemeral", s(EPHEMERAL_REASON));
        }
        String expression = update;
        String conditionExpression = condition;
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(instanceId)).conditionExpression(conditionExpression)
                    .updateExpression(expression).expressionAttributeNames(names).expressionAttributeValues(values));
        } catch (ConditionalCheckFailedException e) {
            // claimed again since, or drained by the scaler: nothing of ours to withdraw
        }
    }

    /**
     * Drains the instance: from this write on, its runner's claims fail, so it starts no new
     * lease. Creates the record if the instance never registered (which then cannot). Returns the
     * instance as the drain left it (its claim included), or as it was if it was drained already.
     */
    public InstanceRecord drain(String instanceId, String pool, String reason) {
        long now = clock.millis();
        try {
            Map<String, AttributeValue> item = dynamo.updateItem(b -> b.tableName(table).key(key(instanceId))
                    .conditionExpression(DRAIN)
                    .updateExpression("SET #draining = :true, #drainReason = :reason, #drainedAtEpochMs = :now, "
                            + "#instanceId = :instanceId, #pool = if_not_exists(#pool, :pool)")
                    .expressionAttributeNames(Map.of("#draining", "draining", "#drainReason", "drainReason",
                            "#drainedAtEpochMs", "drainedAtEpochMs", "#instanceId", "instanceId", "#pool", "pool"))
                    .expressionAttributeValues(Map.of(":true", AttributeValue.fromBool(true), ":reason", s(reason),
                            ":now", n(now), ":instanceId", s(instanceId), ":pool", s(pool)))
                    .returnValues(ReturnValue.ALL_NEW)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)).attributes();
            return toInstance(item);
        } catch (ConditionalCheckFailedException e) {
            return toInstance(itemOf(e, instanceId));
        }
    }

    /** The item a condition failed on: from the error where the server returns it, else read (consistently). */
    private Map<String, AttributeValue> itemOf(ConditionalCheckFailedException e, String instanceId) {
        if (e.hasItem() && !e.item().isEmpty()) {
            return e.item();
        }
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(key(instanceId)).consistentRead(true))
                .item();
        return item == null ? Map.of() : item;
    }

    /** The scaler saw the instance in its group for the first time (only the first such write counts). */
    public void seen(String instanceId, String pool) {
        dynamo.updateItem(b -> b.tableName(table).key(key(instanceId))
                .updateExpression("SET #firstSeenAtEpochMs = if_not_exists(#firstSeenAtEpochMs, :now), "
                        + "#instanceId = :instanceId, #pool = if_not_exists(#pool, :pool)")
                .expressionAttributeNames(Map.of("#firstSeenAtEpochMs", "firstSeenAtEpochMs", "#instanceId", "instanceId",
                        "#pool", "pool"))
                .expressionAttributeValues(Map.of(":now", n(clock.millis()), ":instanceId", s(instanceId), ":pool", s(pool))));
    }

    /**
     * Marks an identity proof used, keyed by the hash of its signature: true the first time only,
     * so a proof seen by someone else (a log, a proxy) cannot register a second runner. Kept past
     * the 15 minutes STS accepts a signature for.
     */
    public boolean useProofOnce(String signatureSha256) {
        long now = clock.millis();
        try {
            dynamo.putItem(b -> b.tableName(table).conditionExpression("attribute_not_exists(pk)")
                    .item(Map.of("pk", s("IDENTITY-PROOFS"), "sk", s(signatureSha256),
                            "usedAtEpochMs", n(now), "expiresAt", n(now / 1000 + 20 * 60))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** The instance's record, consistently read; empty if it has none. */
    public Optional<InstanceRecord> instance(String instanceId) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(key(instanceId)).consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toInstance(item));
    }

    /**
     * A pool as the scaler's last pass left it: its counts, what it did and why, and why its
     * queued jobs wait (null when none does). What people read to see why a job waits.
     */
    public record PoolStatus(String pool, int desired, int inService, int launching, int draining, int queued,
                             int busyRunners, String reason, String waiting, long updatedAtEpochMs) {
    }

    /** Unconditional: the scaler's latest view replaces the one before (one scaler acts at a time). */
    public void savePoolStatus(PoolStatus status) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", s(PK));
        item.put("sk", s("POOL#" + status.pool()));
        item.put("pool", s(status.pool()));
        item.put("desired", n(status.desired()));
        item.put("inService", n(status.inService()));
        item.put("launching", n(status.launching()));
        item.put("draining", n(status.draining()));
        item.put("queued", n(status.queued()));
        item.put("busyRunners", n(status.busyRunners()));
        item.put("reason", s(status.reason()));
        item.put("updatedAtEpochMs", n(status.updatedAtEpochMs()));
        if (status.waiting() != null) {
            item.put("waiting", s(status.waiting()));
        }
        dynamo.putItem(b -> b.tableName(table).item(item));
    }

    public Optional<PoolStatus> poolStatus(String pool) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table)
                .key(Map.of("pk", s(PK), "sk", s("POOL#" + pool)))).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new PoolStatus(pool, (int) num(item, "desired", 0), (int) num(item, "inService", 0),
                (int) num(item, "launching", 0), (int) num(item, "draining", 0), (int) num(item, "queued", 0),
                (int) num(item, "busyRunners", 0), str(item, "reason"), str(item, "waiting"),
                num(item, "updatedAtEpochMs", 0)));
    }

    /** Every instance recorded, consistently read (one partition; a fleet has at most hundreds). */
    public List<InstanceRecord> instances() {
        List<InstanceRecord> instances = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = dynamo.query(b -> b.tableName(table).consistentRead(true)
                    .keyConditionExpression("pk = :pk AND begins_with(sk, :instance)")
                    .expressionAttributeValues(Map.of(":pk", s(PK), ":instance", s("INSTANCE#")))
                    .exclusiveStartKey(from));
            page.items().forEach(item -> instances.add(toInstance(item)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return instances;
    }

    /** After the instance is terminated: its record goes. */
    public void forget(String instanceId) {
        dynamo.deleteItem(b -> b.tableName(table).key(key(instanceId)));
    }

    private static InstanceRecord toInstance(Map<String, AttributeValue> item) {
        Claim claim = item.containsKey("claimRunId") ? new Claim(str(item, "claimRunnerId"), str(item, "claimRunId"),
                str(item, "claimJobKey"), num(item, "claimEpoch", 0), num(item, "claimedAtEpochMs", 0)) : null;
        return new InstanceRecord(str(item, "instanceId"), str(item, "pool"), str(item, "runnerId"),
                item.containsKey("draining"), str(item, "drainReason"), num(item, "drainedAtEpochMs", 0), claim,
                num(item, "firstSeenAtEpochMs", num(item, "registeredAtEpochMs", 0)), num(item, "registeredAtEpochMs", 0));
    }

    private static String drainReason(Map<String, AttributeValue> item) {
        String reason = item == null ? null : str(item, "drainReason");
        return "the instance is drained" + (reason == null ? "" : " (" + reason + ")") + ": it takes no more work";
    }

    private static Map<String, String> claimNames() {
        return Map.of("#claimRunId", "claimRunId", "#claimJobKey", "claimJobKey", "#claimEpoch", "claimEpoch",
                "#claimedAtEpochMs", "claimedAtEpochMs");
    }

    private static Map<String, AttributeValue> claimValues(String runId, String jobKey, long epoch) {
        return Map.of(":runId", s(runId), ":jobKey", s(jobKey), ":epoch", n(epoch));
    }
}
