package dev.deltaci.local.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.RunRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * A kept data directory from before an index existed (a `delta dev` upgraded in place): starting
 * again adds the index, keeps every item, and puts the old runs in the runs list.
 */
class ProvisionerUpgradeTest {

    @Test
    void aKeptTableWithoutTheRunsIndex_shouldGainIt_keepItsItems_andListItsOldRuns() throws Exception {
        Path data = Files.createTempDirectory("delta-upgrade-");
        try (EmbeddedStack stack = EmbeddedStack.start(data); DynamoDbClient dynamo = stack.endpoints().dynamoClient()) {
            // the table as the template made it before RunsByCreatedAt, with a run of that time
            TableDescription now = dynamo.describeTable(b -> b.tableName("DeltaTable")).table();
            dynamo.deleteTable(b -> b.tableName("DeltaTable"));
            dynamo.waiter().waitUntilTableNotExists(b -> b.tableName("DeltaTable"));
            dynamo.createTable(b -> b.tableName("DeltaTable").billingMode("PAY_PER_REQUEST")
                    .attributeDefinitions(now.attributeDefinitions().stream()
                            .filter(a -> !a.attributeName().equals("runsShard") && !a.attributeName().equals("createdAtEpochMs"))
                            .toList())
                    .keySchema(now.keySchema())
                    .globalSecondaryIndexes(now.globalSecondaryIndexes().stream()
                            .filter(i -> !i.indexName().equals(JobStore.RUNS_INDEX))
                            .map(i -> software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex.builder()
                                    .indexName(i.indexName()).keySchema(i.keySchema()).projection(i.projection()).build())
                            .toList()));
            dynamo.waiter().waitUntilTableExists(b -> b.tableName("DeltaTable"));
            dynamo.putItem(b -> b.tableName("DeltaTable").item(Map.ofEntries(
                    Map.entry("pk", AttributeValue.fromS("RUN#r-old")), Map.entry("sk", AttributeValue.fromS("RUN")),
                    Map.entry("type", AttributeValue.fromS("run")), Map.entry("runId", AttributeValue.fromS("r-old")),
                    Map.entry("repository", AttributeValue.fromS("octo/app")),
                    Map.entry("status", AttributeValue.fromS("SUCCEEDED")),
                    Map.entry("ref", AttributeValue.fromS("refs/heads/main")),
                    Map.entry("sha", AttributeValue.fromS("c".repeat(40))), Map.entry("trigger", AttributeValue.fromS("push")),
                    Map.entry("createdAtEpochMs", AttributeValue.fromN("1700000000000")),
                    Map.entry("materialized", AttributeValue.fromBool(true)))));
            dynamo.putItem(b -> b.tableName("DeltaTable").item(Map.of("pk", AttributeValue.fromS("GATE#x"),
                    "sk", AttributeValue.fromS("GATE"), "version", AttributeValue.fromN("3"))));

            Provisioner.provision(stack.endpoints()); // what the next start does

            List<String> indexes = dynamo.describeTable(b -> b.tableName("DeltaTable")).table().globalSecondaryIndexes()
                    .stream().map(GlobalSecondaryIndexDescription::indexName).toList();
            assertThat(indexes).contains(JobStore.RUNS_INDEX, JobStore.LEASE_INDEX, JobStore.QUEUE_INDEX);
            assertThat(dynamo.getItem(b -> b.tableName("DeltaTable").consistentRead(true).key(Map.of(
                    "pk", AttributeValue.fromS("GATE#x"), "sk", AttributeValue.fromS("GATE")))).item())
                    .containsEntry("version", AttributeValue.fromN("3"));
            JobStore.RunPage page = new JobStore(dynamo, "DeltaTable", Clock.systemUTC())
                    .listRuns(new JobStore.RunFilter(null, null, null), run -> true, 10, null);
            assertThat(page.runs()).extracting(RunRecord::runId).containsExactly("r-old");
            assertThat(page.runs().get(0).status()).isEqualTo(RunState.SUCCEEDED);

            Provisioner.provision(stack.endpoints()); // and the start after that changes nothing
            assertThat(new JobStore(dynamo, "DeltaTable", Clock.systemUTC())
                    .listRuns(new JobStore.RunFilter(null, null, null), run -> true, 10, null).runs()).hasSize(1);
        } finally {
            dev.deltaci.local.TempTrees.deleteQuietly(data);
        }
    }
}
