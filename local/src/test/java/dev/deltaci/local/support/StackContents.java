package dev.deltaci.local.support;

import dev.deltaci.local.stack.AwsStack;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Counts what a stack holds, to prove that a rejected request wrote nothing anywhere. */
public record StackContents(int tableItems, int queuedMessages, int bucketObjects) {

    public static final StackContents EMPTY = new StackContents(0, 0, 0);

    public static StackContents of(AwsStack stack) {
        try (DynamoDbClient dynamo = stack.endpoints().dynamoClient(); SqsClient sqs = stack.endpoints().sqsClient();
             S3Client s3 = stack.endpoints().s3Client()) {
            int items = dynamo.scan(b -> b.tableName(stack.resources().ref("DeltaTable")).select("COUNT")).count();
            var attributes = sqs.getQueueAttributes(b -> b.queueUrl(stack.resources().ref("JobQueue"))
                    .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
            int messages = Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                    + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
            int objects = s3.listObjectsV2(b -> b.bucket(stack.resources().ref("ArtifactBucket"))).keyCount();
            return new StackContents(items, messages, objects);
        }
    }
}
