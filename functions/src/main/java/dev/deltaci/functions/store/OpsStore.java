package dev.deltaci.functions.store;

import static dev.deltaci.functions.store.Items.n;
import static dev.deltaci.functions.store.Items.num;
import static dev.deltaci.functions.store.Items.s;
import static dev.deltaci.functions.store.Items.str;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbEnhancedClient;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbTable;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * What operators read about the control plane itself, kept in the same table with a TTL
 * ({@code expiresAt}) so it cleans itself up:
 * <ul>
 *   <li>runner presence, one item per runner ({@code pk=RUNNERS}, {@link RunnerPresence}), written by
 *       the runner's periodic presence call: idle, busy, or gone;</li>
 *   <li>a ledger of per-minute counts ({@code pk=OPS}, {@code sk=MINUTE#<epoch minute>}): lease
 *       expirations and function errors with the latest error's text, for "in the last five minutes";</li>
 *   <li>readings of the two live-job indexes: leases held and overdue, the longest-waiting queued job.</li>
 * </ul>
 */
public final class OpsStore {

    public enum RunnerState {
        IDLE, BUSY;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public record RunnerCensus(long registered, long idle, long busy) {
    }

    public record RecentCounts(long leaseExpired, long functionErrors, String lastError) {
    }

    public static final String LEASE_EXPIRED = "leaseExpired";
    public static final String FUNCTION_ERRORS = "functionErrors";
    private static final Set<String> COUNTERS = Set.of(LEASE_EXPIRED, FUNCTION_ERRORS);
    private static final Duration LEDGER_KEPT = Duration.ofDays(1);
    private static final Duration PRESENCE_KEPT = Duration.ofHours(1);
    private static final int MAX_ERROR_TEXT = 500;

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    private final DynamoDbTable<RunnerPresence> runners;

    public OpsStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
        this.runners = DynamoDbEnhancedClient.builder().dynamoDbClient(dynamo).build().table(table, ItemSchemas.RUNNER);
    }

    // --- runner presence -------------------------------------------------------------------------

    public void recordPresence(String runnerId, String pool, List<String> labels, RunnerState state) {
        recordPresence(runnerId, pool, labels, state, null, -1);
    }

    /**
     * As above, for a runner on an autoscaled instance ({@code instanceId}, may be null) that has
     * been in this state for {@code inStateForMs} (-1: unknown, counted from now).
     */
    public void recordPresence(String runnerId, String pool, List<String> labels, RunnerState state, String instanceId,
                               long inStateForMs) {
        long now = clock.millis();
        runners.putItem(new RunnerPresence(runnerId, pool, labels, state, now, (now + PRESENCE_KEPT.toMillis()) / 1000,
                instanceId, now - Math.max(0, inStateForMs)));
    }

    /** A runner as its last presence call left it. */
    public record RunnerSeen(String runnerId, String pool, String instanceId, RunnerState state, long stateSinceEpochMs,
                             long lastSeenAtEpochMs) {
    }

    /** Runners seen within {@code window}, as each last reported. */
    public List<RunnerSeen> runnersSeen(Duration window) {
        long since = clock.millis() - window.toMillis();
        return runners.query(QueryConditional.keyEqualTo(Key.builder().partitionValue(RunnerPresence.PK).build()))
                .items().stream().filter(r -> r.lastSeenAtEpochMs() >= since)
                .map(r -> new RunnerSeen(r.runnerId(), r.pool(), r.instanceId(), r.state(),
                        r.stateSinceEpochMs() > 0 ? r.stateSinceEpochMs() : r.lastSeenAtEpochMs(), r.lastSeenAtEpochMs()))
                .toList();
    }

    /** A runner that stops cleanly says so; one that dies drops out of the census after {@code window}. */
    public void forgetRunner(String runnerId) {
        runners.deleteItem(Key.builder().partitionValue(RunnerPresence.PK).sortValue(RunnerPresence.sk(runnerId)).build());
    }

    /** Runners seen within {@code window}, by the state they last reported. */
    public RunnerCensus runnerCensus(Duration window) {
        List<RunnerSeen> seen = runnersSeen(window);
        long busy = seen.stream().filter(r -> r.state() == RunnerState.BUSY).count();
        return new RunnerCensus(seen.size(), seen.size() - busy, busy);
    }

    // --- the per-minute ledger -------------------------------------------------------------------

    /** Adds {@code amount} to this minute's {@code counter}; {@code errorText} (may be null) becomes the latest error. */
    public void count(String counter, long amount, String errorText) {
        if (!COUNTERS.contains(counter)) {
            throw new IllegalArgumentException("unknown ops counter " + counter);
        }
        long now = clock.millis();
        Map<String, String> names = new HashMap<>(Map.of("#c", counter, "#exp", "expiresAt"));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":n", n(amount),
                ":exp", n((now + LEDGER_KEPT.toMillis()) / 1000)));
        String update = "ADD #c :n SET #exp = :exp";
        if (errorText != null) {
            update += ", #err = :err, #errAt = :now";
            names.put("#err", "lastError");
            names.put("#errAt", "lastErrorAtEpochMs");
            values.put(":err", s(errorText.length() > MAX_ERROR_TEXT ? errorText.substring(0, MAX_ERROR_TEXT) : errorText));
            values.put(":now", n(now));
        }
        String expression = update;
        dynamo.updateItem(b -> b.tableName(table).key(Map.of("pk", s("OPS"), "sk", s(minuteKey(now))))
                .updateExpression(expression).expressionAttributeNames(names).expressionAttributeValues(values));
    }

    /** The ledger's counts over the last {@code window} (whole minutes, this one included). */
    public RecentCounts recent(Duration window) {
        long now = clock.millis();
        String from = minuteKey(now - window.toMillis() + 60_000);
        long expired = 0;
        long errors = 0;
        String lastError = null;
        long lastErrorAt = -1;
        QueryResponse page = dynamo.query(b -> b.tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :pk AND sk BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(":pk", s("OPS"), ":from", s(from), ":to", s(minuteKey(now)))));
        for (Map<String, AttributeValue> item : page.items()) {
            expired += num(item, LEASE_EXPIRED, 0);
            errors += num(item, FUNCTION_ERRORS, 0);
            if (num(item, "lastErrorAtEpochMs", -1) > lastErrorAt) {
                lastErrorAt = num(item, "lastErrorAtEpochMs", -1);
                lastError = str(item, "lastError");
            }
        }
        return new RecentCounts(expired, errors, lastError);
    }

    private static String minuteKey(long epochMs) {
        return String.format("MINUTE#%012d", epochMs / 60_000);
    }

    // --- live-job index readings -----------------------------------------------------------------

    /** Leases held, of which expiring (expiry before {@code expiringBefore}) and overdue (before {@code overdueBefore}). */
    public record LeaseCounts(long held, long expiring, long overdue) {
    }

    /** One pass over the running jobs' index (keys only: each carries its lease expiry). */
    public LeaseCounts leaseCounts(long expiringBefore, long overdueBefore) {
        long held = 0;
        long expiring = 0;
        long overdue = 0;
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> b.tableName(table)
                .indexName(JobStore.LEASE_INDEX).keyConditionExpression("leaseShard = :shard")
                .expressionAttributeValues(Map.of(":shard", s(JobStore.LEASE_SHARD)))).items()) {
            long expiresAt = num(item, "leaseExpiresAtEpochMs", Long.MAX_VALUE);
            held++;
            expiring += expiresAt < expiringBefore ? 1 : 0;
            overdue += expiresAt < overdueBefore ? 1 : 0;
        }
        return new LeaseCounts(held, expiring, overdue);
    }

    /**
     * When the longest-waiting queued job became queued, or -1 when nothing is queued. From
     * {@code queuedAtEpochMs}, not the message's send time: the sweeper re-sends stale messages,
     * which must not make a stuck queue look young.
     */
    public long oldestQueuedAtEpochMs() {
        long oldest = Long.MAX_VALUE;
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> b.tableName(table)
                .indexName(JobStore.QUEUE_INDEX).keyConditionExpression("queueShard = :shard")
                .expressionAttributeValues(Map.of(":shard", s(JobStore.QUEUE_SHARD)))).items()) {
            oldest = Math.min(oldest, num(item, "queuedAtEpochMs", num(item, "enqueuedAtEpochMs", Long.MAX_VALUE)));
        }
        return oldest == Long.MAX_VALUE ? -1 : oldest;
    }
}
