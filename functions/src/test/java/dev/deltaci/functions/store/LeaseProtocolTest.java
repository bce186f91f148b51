package dev.deltaci.functions.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.core.job.Lease;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/** The lease protocol's exact expressions: changing them must be a deliberate act. */
class LeaseProtocolTest {

    /** The requests are only built here, never sent. */
    private static final software.amazon.awssdk.services.dynamodb.DynamoDbClient NOWHERE =
            software.amazon.awssdk.services.dynamodb.DynamoDbClient.builder()
                    .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                    .endpointOverride(java.net.URI.create("http://127.0.0.1:1"))
                    .credentialsProvider(software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider.create())
                    .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                    .build();

    @Test
    void conditions_shouldFenceOnStateAndEpochEverywhere() {
        assertThat(Conditions.LEASE).isEqualTo("#state = :queued AND #leaseEpoch = :expectedEpoch AND "
                + "(attribute_not_exists(#avoidRunner) OR #avoidRunner <> :owner OR #queuedAtEpochMs < :preferOthersBefore)");
        assertThat(Conditions.HOLDS_LEASE)
                .isEqualTo("#state = :running AND #leaseEpoch = :epoch AND #leaseOwner = :owner");
        assertThat(Conditions.LEASE_UPDATE).isEqualTo("SET #state = :running, #leaseEpoch = :newEpoch, "
                + "#leaseOwner = :owner, #leaseExpiresAtEpochMs = :expiresAt, #leaseShard = :shard, "
                + "#startedAtEpochMs = :now REMOVE #queueShard, #avoidRunner");
        assertThat(Conditions.HOLDS_LEASE_FOR_ATTEMPT).isEqualTo("#state = :running AND #leaseEpoch = :epoch "
                + "AND #leaseOwner = :owner AND #attempt = :attempt AND #startedAtEpochMs = :startedAt");
        assertThat(Conditions.LEASE_EXPIRED)
                .isEqualTo("#state = :running AND #leaseEpoch = :epoch AND #leaseExpiresAtEpochMs < :cutoff");
        assertThat(Conditions.QUEUED_SINCE_BEFORE)
                .isEqualTo("#state = :queued AND #leaseEpoch = :epoch AND #enqueuedAtEpochMs < :cutoff");
        assertThat(Conditions.REQUEUE_UPDATE).startsWith("SET #state = :queued, #leaseEpoch = :newEpoch, "
                + "#attempt = #attempt + :one, #retries = if_not_exists(#retries, :zero) + :one")
                .contains("#avoidRunner = :avoidRunner")
                .endsWith("REMOVE #leaseShard, #leaseOwner");
        assertThat(Conditions.HEARTBEAT_UPDATE).isEqualTo("SET #leaseExpiresAtEpochMs = :expiresAt");
        assertThat(Conditions.COMPLETE_UPDATE).endsWith("REMOVE #leaseShard");
        assertThat(Conditions.RUN_STATUS_CHANGES).isEqualTo("#status <> :status AND #status IN (:pending, :running)");
    }

    @Test
    void leaseRequest_shouldRaiseEpochByOneAndExpireAfterTtl_withUnitsInNames() {
        Clock clock = Clock.fixed(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC);
        JobStore store = new JobStore(NOWHERE, "DeltaTable", clock);

        UpdateItemRequest request = store.leases().leaseRequest("r-1", "build", "runner-a", java.util.List.of(), 4,
                new Lease.Policy(Duration.ofSeconds(30), Duration.ofSeconds(10)));

        assertThat(request.conditionExpression()).isEqualTo(Conditions.LEASE + " AND attribute_not_exists(#labels)");
        assertThat(request.updateExpression()).isEqualTo(Conditions.LEASE_UPDATE);
        assertThat(request.expressionAttributeNames()).containsEntry("#leaseExpiresAtEpochMs", "leaseExpiresAtEpochMs")
                .containsEntry("#startedAtEpochMs", "startedAtEpochMs");
        assertThat(request.expressionAttributeValues())
                .containsEntry(":expectedEpoch", AttributeValue.fromN("4"))
                .containsEntry(":newEpoch", AttributeValue.fromN("5"))
                .containsEntry(":queued", AttributeValue.fromS("QUEUED"))
                .containsEntry(":running", AttributeValue.fromS("RUNNING"))
                .containsEntry(":owner", AttributeValue.fromS("runner-a"))
                .containsEntry(":expiresAt", AttributeValue.fromN("1030000"))
                .containsEntry(":preferOthersBefore", AttributeValue.fromN("990000"));
        assertThat(request.key()).containsEntry("pk", AttributeValue.fromS("RUN#r-1"))
                .containsEntry("sk", AttributeValue.fromS("JOB#build"));
        assertThat(request.returnValues()).isEqualTo(ReturnValue.ALL_NEW);
        assertThat(request.returnValuesOnConditionCheckFailure()).isEqualTo(ReturnValuesOnConditionCheckFailure.ALL_OLD);
    }

    @Test
    void leaseRequest_byALabelledRunner_shouldAcceptEveryLabelSetItHas() {
        JobStore store = new JobStore(NOWHERE, "DeltaTable", Clock.fixed(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC));

        UpdateItemRequest request = store.leases().leaseRequest("r-1", "build", "runner-a", java.util.List.of("Linux", "gpu"), 0,
                new Lease.Policy(Duration.ofSeconds(30), Duration.ofSeconds(10)));

        assertThat(request.conditionExpression()).isEqualTo(Conditions.LEASE
                + " AND (attribute_not_exists(#labels) OR #labels IN (:labels0, :labels1, :labels2))");
        assertThat(request.expressionAttributeNames()).containsEntry("#labels", "labelsKey");
        assertThat(request.expressionAttributeValues()).containsEntry(":labels0", AttributeValue.fromS("gpu"))
                .containsEntry(":labels1", AttributeValue.fromS("linux"))
                .containsEntry(":labels2", AttributeValue.fromS("gpu,linux"));
    }
}
