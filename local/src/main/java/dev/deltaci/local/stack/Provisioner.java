package dev.deltaci.local.stack;

import static dev.deltaci.local.stack.CloudFormationTemplate.properties;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.local.DeltaHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Creates the template's tables, queues and buckets on any AWS-protocol stack (embedded or
 * LocalStack), so what the tests run against is what the template deploys. Safe to repeat:
 * existing resources are kept (persistent local state survives a restart).
 */
public final class Provisioner {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** SQS attributes the template may set that local stacks accept as they are. */
    private static final List<String> QUEUE_ATTRIBUTES = List.of("VisibilityTimeout", "ReceiveMessageWaitTimeSeconds",
            "MessageRetentionPeriod", "DelaySeconds", "MaximumMessageSize");

    private Provisioner() {
    }

    /** Reads {@code infra/template.yaml} and provisions it on the stack at these endpoints. */
    public static ProvisionedStack provision(AwsEndpoints endpoints) {
        try (DynamoDbClient dynamo = endpoints.dynamoClient(); SqsClient sqs = endpoints.sqsClient();
             S3Client s3 = endpoints.s3Client()) {
            return provision(CloudFormationTemplate.read(DeltaHome.template()), dynamo, sqs, s3);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DeltaHome.template(), e);
        }
    }

    public static ProvisionedStack provision(CloudFormationTemplate template, DynamoDbClient dynamo, SqsClient sqs,
                                             S3Client s3) {
        Map<String, String> refs = new LinkedHashMap<>();
        Map<String, String> arns = new HashMap<>();
        template.resourcesOfType("AWS::DynamoDB::Table").forEach((id, resource) -> {
            createTable(dynamo, id, properties(resource));
            refs.put(id, id);
            arns.put(id, "arn:aws:dynamodb:local:000000000000:table/" + id);
        });
        for (String id : queuesInDependencyOrder(template)) {
            String url = createQueue(sqs, id, properties(template.resources().get(id)), arns);
            refs.put(id, url);
            arns.put(id, sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN));
        }
        template.resourcesOfType("AWS::S3::Bucket").keySet().forEach(id -> {
            String bucket = bucketName(id);
            try {
                s3.createBucket(b -> b.bucket(bucket));
            } catch (BucketAlreadyOwnedByYouException e) {
                // kept from an earlier start
            } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
                if (e.statusCode() != 409) {
                    throw e;
                }
            }
            refs.put(id, bucket);
            arns.put(id, "arn:aws:s3:::" + bucket);
        });
        return new ProvisionedStack(template, refs, arns);
    }

    static String bucketName(String logicalId) {
        return "deltaci-" + logicalId.toLowerCase(Locale.ROOT);
    }

    @SuppressWarnings("unchecked")
    private static void createTable(DynamoDbClient dynamo, String name, Map<String, Object> props) {
        List<AttributeDefinition> attributes = new ArrayList<>();
        for (Map<String, Object> a : (List<Map<String, Object>>) props.get("AttributeDefinitions")) {
            attributes.add(AttributeDefinition.builder().attributeName((String) a.get("AttributeName"))
                    .attributeType((String) a.get("AttributeType")).build());
        }
        List<GlobalSecondaryIndex> indexes = new ArrayList<>();
        for (Map<String, Object> gsi : (List<Map<String, Object>>) props.getOrDefault("GlobalSecondaryIndexes", List.of())) {
            Map<String, Object> projection = (Map<String, Object>) gsi.get("Projection");
            indexes.add(GlobalSecondaryIndex.builder().indexName((String) gsi.get("IndexName"))
                    .keySchema(keySchema(gsi.get("KeySchema")))
                    .projection(Projection.builder().projectionType((String) projection.get("ProjectionType"))
                            .nonKeyAttributes((List<String>) projection.get("NonKeyAttributes")).build())
                    .build());
        }
        CreateTableRequest.Builder request = CreateTableRequest.builder().tableName(name)
                .attributeDefinitions(attributes)
                .keySchema(keySchema(props.get("KeySchema")))
                .billingMode(BillingMode.PAY_PER_REQUEST);
        if (!indexes.isEmpty()) {
            request.globalSecondaryIndexes(indexes);
        }
        CreateTableRequest create = request.build();
        try {
            dynamo.createTable(create);
        } catch (ResourceInUseException e) {
            // kept from an earlier start: indexes the template has gained since are added, as CloudFormation would
            dynamo.waiter().waitUntilTableExists(b -> b.tableName(name));
            addMissingIndexes(dynamo, create);
        }
        dynamo.waiter().waitUntilTableExists(b -> b.tableName(name));
    }

    /**
     * One UpdateTable per index, as DynamoDB allows; dynalite answers such an update but adds no
     * index, so there the table is made again with its items (a local table is small; a copy of
     * them is kept in a file until they are back). The runs index also gets the runs written
     * before it existed (in the cloud: see docs/operations/deployment.md).
     */
    private static void addMissingIndexes(DynamoDbClient dynamo, CreateTableRequest create) {
        String name = create.tableName();
        List<GlobalSecondaryIndex> missing = create.globalSecondaryIndexes().stream()
                .filter(index -> !indexNames(dynamo, name).contains(index.indexName())).toList();
        if (missing.isEmpty()) {
            return;
        }
        for (GlobalSecondaryIndex index : missing) {
            try {
                dynamo.updateTable(b -> b.tableName(name).attributeDefinitions(create.attributeDefinitions())
                        .globalSecondaryIndexUpdates(u -> u.create(c -> c.indexName(index.indexName())
                                .keySchema(index.keySchema()).projection(index.projection()))));
            } catch (software.amazon.awssdk.services.dynamodb.model.DynamoDbException e) {
                if (!String.valueOf(e.getMessage()).contains("provisionedThroughput")) {
                    throw e;
                }
                break; // dynalite: it asks for a throughput, and would not add the index anyway
            }
            dynamo.waiter().waitUntilTableExists(b -> b.tableName(name));
        }
        if (!indexNames(dynamo, name).containsAll(missing.stream().map(GlobalSecondaryIndex::indexName).toList())) {
            rebuild(dynamo, create);
        }
        if (missing.stream().anyMatch(index -> index.indexName().equals(dev.deltaci.functions.store.JobStore.RUNS_INDEX))) {
            backfillRunsShard(dynamo, name);
        }
    }

    private static List<String> indexNames(DynamoDbClient dynamo, String name) {
        return dynamo.describeTable(b -> b.tableName(name)).table().globalSecondaryIndexes().stream()
                .map(software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription::indexName).toList();
    }

    /** The table made again as the template has it now, with every item it held. */
    private static void rebuild(DynamoDbClient dynamo, CreateTableRequest create) {
        String name = create.tableName();
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        dynamo.scanPaginator(b -> b.tableName(name).consistentRead(true)).items().forEach(items::add);
        java.nio.file.Path copy;
        try {
            copy = java.nio.file.Files.createTempFile("delta-" + name + "-", ".jsonl");
            List<String> lines = items.stream().map(item -> software.amazon.awssdk.enhanced.dynamodb.document
                    .EnhancedDocument.fromAttributeValueMap(item).toJson()).toList();
            java.nio.file.Files.write(copy, lines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep a copy of " + name + " before adding its new index", e);
        }
        System.err.println("▸ " + name + ": making it again with its new index (" + items.size()
                + " items; a copy is in " + copy + " until they are back)");
        dynamo.deleteTable(b -> b.tableName(name));
        dynamo.waiter().waitUntilTableNotExists(b -> b.tableName(name));
        dynamo.createTable(create);
        dynamo.waiter().waitUntilTableExists(b -> b.tableName(name));
        for (int from = 0; from < items.size(); from += 25) {
            List<software.amazon.awssdk.services.dynamodb.model.WriteRequest> batch = items
                    .subList(from, Math.min(items.size(), from + 25)).stream()
                    .map(item -> software.amazon.awssdk.services.dynamodb.model.WriteRequest.builder()
                            .putRequest(p -> p.item(item)).build()).toList();
            Map<String, List<software.amazon.awssdk.services.dynamodb.model.WriteRequest>> pending = Map.of(name, batch);
            while (!pending.isEmpty()) {
                Map<String, List<software.amazon.awssdk.services.dynamodb.model.WriteRequest>> left = pending;
                pending = dynamo.batchWriteItem(b -> b.requestItems(left)).unprocessedItems();
            }
        }
        try {
            java.nio.file.Files.deleteIfExists(copy);
        } catch (IOException e) {
            // a copy left in temp space
        }
    }

    private static void backfillRunsShard(DynamoDbClient dynamo, String name) {
        dynamo.scanPaginator(b -> b.tableName(name).filterExpression("#type = :run")
                        .expressionAttributeNames(Map.of("#type", "type"))
                        .expressionAttributeValues(Map.of(":run", AttributeValue.fromS("run")))
                        .projectionExpression("pk, sk"))
                .items().forEach(key -> dynamo.updateItem(b -> b.tableName(name).key(key)
                        .updateExpression("SET runsShard = :shard")
                        .expressionAttributeValues(Map.of(":shard", AttributeValue.fromS(dev.deltaci.functions.store.JobStore.RUNS_SHARD)))));
    }

    @SuppressWarnings("unchecked")
    private static List<KeySchemaElement> keySchema(Object schema) {
        List<KeySchemaElement> keys = new ArrayList<>();
        for (Map<String, Object> k : (List<Map<String, Object>>) schema) {
            keys.add(KeySchemaElement.builder().attributeName((String) k.get("AttributeName"))
                    .keyType((String) k.get("KeyType")).build());
        }
        return keys;
    }

    /** Dead-letter queues first: a queue's redrive policy needs its target's ARN. */
    @SuppressWarnings("unchecked")
    private static List<String> queuesInDependencyOrder(CloudFormationTemplate template) {
        Map<String, Map<String, Object>> queues = template.resourcesOfType("AWS::SQS::Queue");
        List<String> ordered = new ArrayList<>();
        for (int pass = 0; pass <= queues.size() && ordered.size() < queues.size(); pass++) {
            queues.forEach((id, resource) -> {
                if (ordered.contains(id)) {
                    return;
                }
                Map<String, Object> redrive = (Map<String, Object>) properties(resource).get("RedrivePolicy");
                String target = redrive == null ? null : ProvisionedStack.referencedId(redrive.get("deadLetterTargetArn"));
                if (target == null || ordered.contains(target)) {
                    ordered.add(id);
                }
            });
        }
        if (ordered.size() < queues.size()) {
            throw new IllegalStateException("queue redrive policies form a cycle in the template");
        }
        return ordered;
    }

    @SuppressWarnings("unchecked")
    private static String createQueue(SqsClient sqs, String name, Map<String, Object> props, Map<String, String> arns) {
        Map<String, String> attributes = new HashMap<>();
        for (String attribute : QUEUE_ATTRIBUTES) {
            if (props.containsKey(attribute)) {
                attributes.put(attribute, String.valueOf(props.get(attribute)));
            }
        }
        Map<String, Object> redrive = (Map<String, Object>) props.get("RedrivePolicy");
        if (redrive != null) {
            String target = ProvisionedStack.referencedId(redrive.get("deadLetterTargetArn"));
            try {
                attributes.put("RedrivePolicy", JSON.writeValueAsString(Map.of(
                        "deadLetterTargetArn", arns.get(target),
                        "maxReceiveCount", Integer.parseInt(String.valueOf(redrive.get("maxReceiveCount"))))));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        boolean fifo = Boolean.parseBoolean(String.valueOf(props.get("FifoQueue")));
        if (fifo) {
            attributes.put("FifoQueue", "true"); // CloudFormation names a FIFO queue <name>.fifo, as SQS requires
        }
        String queueName = fifo ? name + ".fifo" : name;
        return sqs.createQueue(b -> b.queueName(queueName).attributesWithStrings(attributes)).queueUrl();
    }
}
