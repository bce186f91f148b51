package dev.deltaci.functions.store;

import static dev.deltaci.functions.store.Items.n;
import static dev.deltaci.functions.store.Items.num;
import static dev.deltaci.functions.store.Items.s;
import static dev.deltaci.functions.store.Items.str;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Which repositories have scheduled pipelines: one item per repository in one partition
 * ({@code pk = SCHEDULES}), written when a push moves the default branch, so the scheduler reads
 * them all with one query. {@code checkedUntil} is how far the scheduler has looked; it starts at
 * the push, so a schedule never fires for a time before it existed.
 */
public final class ScheduleStore {

    static final String PARTITION = "SCHEDULES";

    /** A repository's schedules, as its default branch's latest pushed commit declares them. */
    public record Entry(String repository, String cloneUrl, String ref, String sha, List<String> crons,
                        long pushedAtEpochMs, long checkedUntilEpochMs) {
    }

    private final DynamoDbClient dynamo;
    private final String table;

    public ScheduleStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** Records the schedules of a push to the default branch, unless a later push is already recorded. */
    public Written register(String repository, String cloneUrl, String ref, String sha, List<String> crons,
                            long pushedAtEpochMs) {
        return Items.write(dynamo, UpdateItemRequest.builder().tableName(table).key(key(repository))
                .conditionExpression(Conditions.SCHEDULE_NOT_NEWER)
                .updateExpression(Conditions.SCHEDULE_REGISTER_UPDATE)
                .expressionAttributeNames(Map.of("#pk", "pk", "#repository", "repository", "#cloneUrl", "cloneUrl",
                        "#ref", "ref", "#sha", "sha", "#crons", "crons", "#pushedAt", "pushedAtEpochMs",
                        "#checkedUntil", "checkedUntilEpochMs"))
                .expressionAttributeValues(Map.of(":repository", s(repository), ":cloneUrl", s(cloneUrl), ":ref", s(ref),
                        ":sha", s(sha), ":crons", AttributeValue.fromL(crons.stream().map(Items::s).toList()),
                        ":pushedAt", n(pushedAtEpochMs)))
                .build());
    }

    /** The default branch's pipeline no longer has schedules: forget them (unless a later push re-added them). */
    public void remove(String repository, long pushedAtEpochMs) {
        try {
            dynamo.deleteItem(b -> b.tableName(table).key(key(repository))
                    .conditionExpression(Conditions.SCHEDULE_NOT_NEWER)
                    .expressionAttributeNames(Map.of("#pk", "pk", "#pushedAt", "pushedAtEpochMs"))
                    .expressionAttributeValues(Map.of(":pushedAt", n(pushedAtEpochMs))));
        } catch (ConditionalCheckFailedException e) {
            // a later push decided already
        }
    }

    public List<Entry> list() {
        List<Entry> entries = new ArrayList<>();
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true)
                .keyConditionExpression("#pk = :pk")
                .expressionAttributeNames(Map.of("#pk", "pk"))
                .expressionAttributeValues(Map.of(":pk", s(PARTITION)))).items()) {
            entries.add(new Entry(str(item, "repository"), str(item, "cloneUrl"), str(item, "ref"), str(item, "sha"),
                    item.get("crons").l().stream().map(AttributeValue::s).toList(),
                    num(item, "pushedAtEpochMs", 0), num(item, "checkedUntilEpochMs", 0)));
        }
        return entries;
    }

    /** Moves the scheduler's mark forward, if nobody else did since it was read. */
    public Written checked(String repository, long fromEpochMs, long toEpochMs) {
        return Items.write(dynamo, UpdateItemRequest.builder().tableName(table).key(key(repository))
                .conditionExpression(Conditions.SCHEDULE_CHECKED_UNTIL)
                .updateExpression(Conditions.SCHEDULE_CHECKED_UPDATE)
                .expressionAttributeNames(Map.of("#checkedUntil", "checkedUntilEpochMs"))
                .expressionAttributeValues(Map.of(":from", n(fromEpochMs), ":to", n(toEpochMs)))
                .build());
    }

    private static Map<String, AttributeValue> key(String repository) {
        return Map.of("pk", s(PARTITION), "sk", s("REPO#" + repository));
    }
}
