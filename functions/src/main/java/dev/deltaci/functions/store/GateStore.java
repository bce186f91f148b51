package dev.deltaci.functions.store;

import static dev.deltaci.functions.store.Items.n;
import static dev.deltaci.functions.store.Items.s;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Concurrency groups: one item per group ({@code pk = GATE#<repository>#<group>}) with its
 * {@code holder} and a FIFO list of {@code waiters}. A member is a run id (a pipeline's
 * {@code concurrency:}) or {@code <run id>/<job key>} (a job's).
 *
 * <p>Optimistic concurrency: every change reads the gate, decides, and writes the whole gate
 * back on condition that its {@code version} is still the one read, so two members never hold a
 * group at once and no waiter is lost; a writer that lost the race reads again. Whoever lets go
 * hands the group to the first waiter in the same write. A live gate sits in the
 * {@code ByEnqueuedAt} index under its own shard, dated by its last change, so the sweeper can
 * find gates whose holder finished without letting go.
 */
public final class GateStore {

    static final String GATE_SHARD = "gate#0";
    private static final int MAX_ATTEMPTS = 50;

    /** The state of a gate as read; {@code version} 0 means it does not exist. */
    public record Gate(String gate, String holder, List<String> waiters, long version) {
    }

    /** What {@link #hold} found: held by the caller, or by {@code holder} with {@code ahead} before the caller. */
    public record Hold(boolean held, String holder, List<String> ahead) {
    }

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public GateStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    /** A job's membership: {@code <run id>/<job key>}; a run's is its id alone. */
    public static String jobMember(String runId, String jobKey) {
        return runId + "/" + jobKey;
    }

    /** The run a member belongs to. */
    public static String runOf(String member) {
        int slash = member.indexOf('/');
        return slash < 0 ? member : member.substring(0, slash);
    }

    /** The job key of a job's membership, or null for a run's. */
    public static String jobOf(String member) {
        int slash = member.indexOf('/');
        return slash < 0 ? null : member.substring(slash + 1);
    }

    /** The gate's id for a group of a repository. */
    public static String gateId(String repository, String group) {
        return repository + "#" + group;
    }

    /**
     * Takes the gate if nobody holds it and nobody waits before the caller; otherwise puts the
     * caller in line, once. Repeating it is harmless: a holder holds, a waiter keeps its place.
     */
    public Hold hold(String gate, String member) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Gate current = readOrEmpty(gate);
            List<String> waiters = new ArrayList<>(current.waiters());
            if (member.equals(current.holder())) {
                return new Hold(true, member, List.of());
            }
            if (current.holder() == null && (waiters.isEmpty() || waiters.get(0).equals(member))) {
                waiters.remove(member);
                if (write(current, member, waiters)) {
                    return new Hold(true, member, List.of());
                }
            } else if (waiters.contains(member)) {
                return new Hold(false, current.holder(), List.copyOf(waiters.subList(0, waiters.indexOf(member))));
            } else {
                List<String> ahead = List.copyOf(waiters);
                waiters.add(member);
                if (write(current, current.holder(), waiters)) {
                    return new Hold(false, current.holder(), ahead);
                }
            }
            backOff(attempt);
        }
        throw new IllegalStateException("gate " + gate + " kept changing under " + member);
    }

    /**
     * Lets go of the gate, or leaves the line: a holder hands the gate to the first waiter (who
     * is returned, to be woken), or the gate is deleted when nobody waits. A member that is
     * neither holder nor waiter changes nothing.
     */
    public Optional<String> release(String gate, String member) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Gate current = readOrEmpty(gate);
            List<String> waiters = new ArrayList<>(current.waiters());
            if (member.equals(current.holder())) {
                String next = waiters.isEmpty() ? null : waiters.remove(0);
                if (write(current, next, waiters)) {
                    return Optional.ofNullable(next);
                }
            } else if (waiters.remove(member)) {
                if (write(current, current.holder(), waiters)) {
                    return Optional.empty();
                }
            } else {
                return Optional.empty();
            }
            backOff(attempt);
        }
        throw new IllegalStateException("gate " + gate + " kept changing under " + member);
    }

    /** A gate nobody holds while some wait (a holder left between writes): the first waiter takes it. */
    public Optional<String> promoteFirstWaiter(String gate) {
        Gate current = readOrEmpty(gate);
        if (current.holder() != null || current.waiters().isEmpty()) {
            return Optional.empty();
        }
        List<String> waiters = new ArrayList<>(current.waiters());
        String first = waiters.remove(0);
        return write(current, first, waiters) ? Optional.of(first) : Optional.empty();
    }

    public Optional<Gate> read(String gate) {
        Gate current = readOrEmpty(gate);
        return current.version() == 0 ? Optional.empty() : Optional.of(current);
    }

    /** Gates not changed since {@code cutoffEpochMs}: candidates for the sweeper's check. */
    public List<String> untouchedSince(long cutoffEpochMs, int limit) {
        List<String> gates = new ArrayList<>();
        QueryResponse page = dynamo.query(b -> b.tableName(table).indexName(JobStore.QUEUE_INDEX)
                .keyConditionExpression("#shard = :shard AND #sort < :cutoff")
                .expressionAttributeNames(Map.of("#shard", "queueShard", "#sort", "enqueuedAtEpochMs"))
                .expressionAttributeValues(Map.of(":shard", s(GATE_SHARD), ":cutoff", n(cutoffEpochMs)))
                .limit(limit));
        for (Map<String, AttributeValue> item : page.items()) {
            gates.add(item.get("pk").s().substring("GATE#".length()));
        }
        return gates;
    }

    private Gate readOrEmpty(String gate) {
        Map<String, AttributeValue> item = dynamo.getItem(GetItemRequest.builder().tableName(table)
                .key(key(gate)).consistentRead(true).build()).item();
        if (item == null || item.isEmpty()) {
            return new Gate(gate, null, List.of(), 0);
        }
        List<String> waiters = item.containsKey("waiters") && item.get("waiters").hasL()
                ? item.get("waiters").l().stream().map(AttributeValue::s).toList() : List.of();
        return new Gate(gate, Items.str(item, "holder"), waiters, Items.num(item, "version", 0));
    }

    /**
     * Writes the gate's next state if it is still at the version read: deleted when nobody holds
     * or waits, else stored whole with the version raised. False when someone else wrote first.
     */
    private boolean write(Gate read, String holder, List<String> waiters) {
        Map<String, String> names = Map.of("#version", "version");
        Map<String, AttributeValue> expected = Map.of(":version", n(read.version()));
        try {
            if (holder == null && waiters.isEmpty()) {
                if (read.version() > 0) {
                    dynamo.deleteItem(DeleteItemRequest.builder().tableName(table).key(key(read.gate()))
                            .conditionExpression(Conditions.GATE_UNCHANGED)
                            .expressionAttributeNames(names).expressionAttributeValues(expected).build());
                }
                return true;
            }
            Map<String, AttributeValue> item = new HashMap<>(key(read.gate()));
            item.put("type", s("gate"));
            if (holder != null) {
                item.put("holder", s(holder));
            }
            item.put("waiters", AttributeValue.fromL(waiters.stream().map(Items::s).toList()));
            item.put("version", n(read.version() + 1));
            item.put("queueShard", s(GATE_SHARD)); // in the sweeper's index while it exists
            item.put("enqueuedAtEpochMs", n(clock.millis()));
            PutItemRequest.Builder put = PutItemRequest.builder().tableName(table).item(item);
            if (read.version() == 0) {
                put.conditionExpression(Conditions.ITEM_ABSENT).expressionAttributeNames(Map.of("#pk", "pk"));
            } else {
                put.conditionExpression(Conditions.GATE_UNCHANGED).expressionAttributeNames(names)
                        .expressionAttributeValues(expected);
            }
            dynamo.putItem(put.build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private static void backOff(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, 5 + 5L * Math.min(attempt, 10)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry a gate write", e);
        }
    }

    private static Map<String, AttributeValue> key(String gate) {
        return Map.of("pk", s("GATE#" + gate), "sk", s("GATE"));
    }
}
