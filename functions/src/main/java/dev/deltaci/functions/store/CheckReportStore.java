package dev.deltaci.functions.store;

import java.util.Optional;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbEnhancedClient;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbTable;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Reads and writes a run's {@link CheckReports}, kept beside the run in its partition. */
public final class CheckReportStore {

    static final String SK = "CHECKS";

    private final DynamoDbTable<CheckReports> reports;

    public CheckReportStore(DynamoDbClient dynamo, String table) {
        this.reports = DynamoDbEnhancedClient.builder().dynamoDbClient(dynamo).build().table(table, ItemSchemas.CHECK_REPORTS);
    }

    public CheckReports read(String runId) {
        return Optional.ofNullable(reports.getItem(r -> r.key(Key.builder().partitionValue(Items.runPk(runId))
                .sortValue(SK).build()).consistentRead(true))).orElseGet(() -> CheckReports.none(runId));
    }

    /** Unconditional: one pass of a run reports at a time (its messages share a FIFO group). */
    public void save(CheckReports checks) {
        reports.putItem(checks);
    }
}
