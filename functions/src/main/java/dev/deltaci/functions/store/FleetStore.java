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
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * The control plane's record of each autoscaled instance ({@code pk=FLEET, sk=INSTANCE#<id>}):
 * the runner registered in each of its slots ({@code r#<slot>}; the slot is the name the runner
 * registered with, so a runner restarted in its slot replaces the one before), whether it is
 * <b>drained</b>, and each slot's <b>claim</b> ({@code c#<slot>}) — the job its runner is leasing
 * or last leased. This item is what makes scale-in safe without transactions:
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
     * {@code r#<slot>.runnerId = :runnerId AND attribute_not_exists(draining)}: the runner now
     * registered in the caller's slot is the caller, and the instance still takes work.
     */
    public static final String CLAIM = "#runner.#runnerId = :runnerId AND attribute_not_exists(#draining)";
    /** {@code attribute_not_exists(draining)}: an instance not yet drained registers its runner. */
    public static final String NOT_DRAINING = "attribute_not_exists(#draining)";
    /** {@code attribute_not_exists(draining)}, written {@code draining = true}: drains once. */
    public static final String DRAIN = NOT_DRAINING;
    /** {@code c#<slot>.runId = :runId AND .jobKey = :jobKey AND .epoch = :epoch}: this claim, not a later one. */
    public static final String SAME_CLAIM = "#claim.#runId = :runId AND #claim.#jobKey = :jobKey AND #claim.#epoch = :epoch";

    /**
     * One instance as recorded: its runners (runner id → when it registered, one per slot), each
     * runner's claim (by runner id) if it has made one, and when the scaler first saw it in its
     * group ({@code firstSeenAtEpochMs}: what the launch timeout counts from, since Auto Scaling
     * does not say when an instance launched).
     */
    public record InstanceRecord(String instanceId, String pool, Map<String, Long> runners, boolean draining,
                                 String drainReason, long drainedAtEpochMs, Map<String, Claim> claims,
                                 long firstSeenAtEpochMs) {

        public InstanceRecord {
            runners = Map.copyOf(runners);
            claims = Map.copyOf(claims);
        }

        /** When its last runner registered, or 0. */
        public long registeredAtEpochMs() {
            return runners.values().stream().mapToLong(Long::longValue).max().orElse(0);
        }
    }

    private static final String RUNNER_PREFIX = "r#";
    private static final String CLAIM_PREFIX = "c#";

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

        /** The runner is not registered on the instance: a newer runner took its slot, or it never registered there. */
        record NotCurrentRunner() implements ClaimOutcome {
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
     * Records {@code runnerId} as the runner in its slot on the instance (a runner restarted in
     * the same slot replaces the one before, and its claim); refused once the instance is drained.
     */
    public Optional<String> register(String instanceId, String pool, String runnerId) {
        long now = clock.millis();
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(instanceId))
                    .conditionExpression(NOT_DRAINING)
                    .updateExpression("SET #instanceId = :instanceId, #pool = :pool, #runner = :runner REMOVE #claim")
                    .expressionAttributeNames(Map.of("#draining", "draining", "#instanceId", "instanceId", "#pool", "pool",
                            "#runner", RUNNER_PREFIX + slotOf(runnerId), "#claim", CLAIM_PREFIX + slotOf(runnerId)))
                    .expressionAttributeValues(Map.of(":instanceId", s(instanceId), ":pool", s(pool),
                            ":runner", AttributeValue.fromM(Map.of("runnerId", s(runnerId), "registeredAtEpochMs", n(now)))))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return Optional.empty();
        } catch (ConditionalCheckFailedException e) {
            return Optional.of(drainReason(itemOf(e, instanceId)));
        }
    }

    /**
     * A runner id is its name (its slot on an instance) and a 12-digit hex suffix the control
     * plane adds at registration: the name back from the id.
     */
    public static String slotOf(String runnerId) {
        return runnerId.replaceFirst("-[0-9a-f]{12}$", "");
    }

    /**
     * The claim that starts a managed runner's lease. {@code drainAfter} (an ephemeral pool's
     * instance) drains the instance in the same write: it runs this one job and no other.
     */
    public ClaimOutcome claim(String instanceId, String runnerId, String runId, String jobKey, long epoch,
                              boolean drainAfter) {
        long now = clock.millis();
        Map<String, String> names = new HashMap<>();
        names.put("#runner", RUNNER_PREFIX + slotOf(runnerId));
        names.put("#runnerId", "runnerId");
        names.put("#claim", CLAIM_PREFIX + slotOf(runnerId));
        names.put("#draining", "draining");
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":runnerId", s(runnerId));
        values.put(":claim", AttributeValue.fromM(Map.of("runnerId", s(runnerId), "runId", s(runId), "jobKey", s(jobKey),
                "epoch", n(epoch), "claimedAtEpochMs", n(now))));
        String update = "SET #claim = :claim";
        if (drainAfter) {
            update += ", #draining = :true, #drainReason = :ephemeral, #drainedAtEpochMs = :now";
            names.put("#drainReason", "drainReason");
            names.put("#drainedAtEpochMs", "drainedAtEpochMs");
            values.put(":true", AttributeValue.fromBool(true));
            values.put(":ephemeral", s(EPHEMERAL_REASON));
            values.put(":now", n(now));
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
            Claim own = before == null ? null : before.claims().get(runnerId);
            if (own != null && own.runId().equals(runId) && own.jobKey().equals(jobKey) && own.epoch() == epoch) {
                // the same lease asked again (its answer was lost): the claim was made before the drain
                return new ClaimOutcome.Claimed();
            }
            if (old.containsKey("draining")) {
                return new ClaimOutcome.Draining(drainReason(old));
            }
            return new ClaimOutcome.NotCurrentRunner();
        }
    }

    /** Why an ephemeral instance is drained: it took its one job. */
    public static final String EPHEMERAL_REASON = "ephemeral: ran its one job";

    /**
     * A claim whose lease was not granted is withdrawn, so the instance is free at once (and an
     * ephemeral instance gets its one job after all); a later claim or a drain by the scaler is left alone.
     */
    public void release(String instanceId, String runnerId, String runId, String jobKey, long epoch, boolean ephemeral) {
        Map<String, String> names = new HashMap<>(Map.of("#claim", CLAIM_PREFIX + slotOf(runnerId), "#runId", "runId",
                "#jobKey", "jobKey", "#epoch", "epoch"));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":runId", s(runId), ":jobKey", s(jobKey), ":epoch", n(epoch)));
        String update = "REMOVE #claim";
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
        return dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true)
                        .keyConditionExpression("pk = :pk AND begins_with(sk, :instance)")
                        .expressionAttributeValues(Map.of(":pk", s(PK), ":instance", s("INSTANCE#"))))
                .items().stream().map(FleetStore::toInstance).toList();
    }

    /** After the instance is terminated: its record goes. */
    public void forget(String instanceId) {
        dynamo.deleteItem(b -> b.tableName(table).key(key(instanceId)));
    }

    private static InstanceRecord toInstance(Map<String, AttributeValue> item) {
        Map<String, Long> runners = new HashMap<>();
        Map<String, Claim> claims = new HashMap<>();
        item.forEach((name, value) -> {
            if (name.startsWith(RUNNER_PREFIX) && value.hasM()) {
                runners.put(str(value.m(), "runnerId"), num(value.m(), "registeredAtEpochMs", 0));
            } else if (name.startsWith(CLAIM_PREFIX) && value.hasM()) {
                Map<String, AttributeValue> c = value.m();
                claims.put(str(c, "runnerId"), new Claim(str(c, "runnerId"), str(c, "runId"), str(c, "jobKey"),
                        num(c, "epoch", 0), num(c, "claimedAtEpochMs", 0)));
            }
        });
        return new InstanceRecord(str(item, "instanceId"), str(item, "pool"), runners, item.containsKey("draining"),
                str(item, "drainReason"), num(item, "drainedAtEpochMs", 0), claims, num(item, "firstSeenAtEpochMs", 0));
    }

    private static String drainReason(Map<String, AttributeValue> item) {
        String reason = item == null ? null : str(item, "drainReason");
        return "the instance is drained" + (reason == null ? "" : " (" + reason + ")") + ": it takes no more work";
    }

}
