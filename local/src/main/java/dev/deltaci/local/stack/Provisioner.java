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
        try {
            dynamo.createTable(request.build());
        } catch (ResourceInUseException e) {
            // kept from an earlier start: indexes the template has gained since are added, as CloudFormation would
            dynamo.waiter().waitUntilTableExists(b -> b.tableName(name));
            addMissingIndexes(dynamo, name, attributes, indexes);
        }
        dynamo.waiter().waitUntilTableExists(b -> b.tableName(name));
    }

    /**
     * One UpdateTable per index, as DynamoDB allows. The runs index also gets the runs written
     * before it existed (a local table is small; in the cloud, see docs/operations/deployment.md).
     */
    private static void addMissingIndexes(DynamoDbClient dynamo, String name, List<AttributeDefinition> attributes,
                                          List<GlobalSecondaryIndex> indexes) {
        List<String> present = dynamo.describeTable(b -> b.tableName(name)).table().globalSecondaryIndexes().stream()
                .map(software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription::indexName).toList();
        for (GlobalSecondaryIndex index : indexes) {
            if (present.contains(index.indexName())) {
                continue;
            }
            dynamo.updateTable(b -> b.tableName(name).attributeDefinitions(attributes)
                    .globalSecondaryIndexUpdates(u -> u.create(c -> c.indexName(index.indexName())
                            .keySchema(index.keySchema()).projection(index.projection()))));
            dynamo.waiter().waitUntilTableExists(b -> b.tableName(name));
            if (index.indexName().equals(dev.deltaci.functions.store.JobStore.RUNS_INDEX)) {
                backfillRunsShard(dynamo, name);
            }
        }
    }

    private static void backfillRunsShard(DynamoDbClient dynamo, String name) {
        dynamo.scanPaginator(b -> b.tableName(name).filterExpression("#type = :run")
                        .expressionAttributeNames(Map.of("#type", "type"))
                        .expressionAttributeValues(Map.of(":run", AttributeValue.fromS("run")))
                        .projectionExpression("pk, sk"))
                .items().forEach(key -> dynamo.updateItem(b -> b.tableName(name).key(key)
                        .updateExpression("SET runsShard = :shard")
                        .expressionAttributeValues(Map.of(":shard", AttributeValue.fromS("runs#0")))));
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
