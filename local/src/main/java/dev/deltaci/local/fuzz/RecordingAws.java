package dev.deltaci.local.fuzz;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;

/**
 * In-memory stand-ins for the AWS clients the handlers use, fast enough for a hundred thousand
 * inputs: an empty table (reads find nothing, conditional writes fail as they would on missing
 * items), a queue and a bucket that accept everything. Every write that takes effect is recorded,
 * which is how the fuzzer tells whether a rejected input changed state.
 */
final class RecordingAws {

    final List<String> writes = new CopyOnWriteArrayList<>();

    DynamoDbClient dynamo() {
        return proxy(DynamoDbClient.class, (name, request) -> switch (name) {
            case "getItem" -> GetItemResponse.builder().build();
            case "query" -> QueryResponse.builder().items(List.of()).build();
            case "putItem" -> {
                String condition = ((PutItemRequest) request).conditionExpression();
                if (condition != null && !condition.startsWith("attribute_not_exists")) {
                    throw ConditionalCheckFailedException.builder().message("no such item").build();
                }
                writes.add("DynamoDB PutItem " + ((PutItemRequest) request).item().get("pk"));
                yield PutItemResponse.builder().build();
            }
            case "updateItem" -> {
                if (((UpdateItemRequest) request).conditionExpression() != null) {
                    throw ConditionalCheckFailedException.builder().message("no such item").build();
                }
                writes.add("DynamoDB UpdateItem " + ((UpdateItemRequest) request).key());
                yield UpdateItemResponse.builder().attributes(Map.of()).build();
            }
            case "deleteItem" -> {
                if (((DeleteItemRequest) request).conditionExpression() != null) {
                    throw ConditionalCheckFailedException.builder().message("no such item").build();
                }
                writes.add("DynamoDB DeleteItem");
                yield DeleteItemResponse.builder().build();
            }
            default -> throw new UnsupportedOperationException("DynamoDB " + name + " is not faked");
        });
    }

    SqsClient sqs() {
        return proxy(SqsClient.class, (name, request) -> switch (name) {
            case "sendMessageBatch" -> {
                writes.add("SQS SendMessageBatch");
                yield SendMessageBatchResponse.builder().failed(List.of()).successful(List.of()).build();
            }
            case "sendMessage" -> {
                writes.add("SQS SendMessage");
                yield SendMessageResponse.builder().build();
            }
            default -> throw new UnsupportedOperationException("SQS " + name + " is not faked");
        });
    }

    S3Client s3() {
        return proxy(S3Client.class, (name, request) -> {
            if (name.equals("putObject")) {
                writes.add("S3 PutObject");
                return PutObjectResponse.builder().build();
            }
            throw new UnsupportedOperationException("S3 " + name + " is not faked");
        });
    }

    @FunctionalInterface
    private interface Operation {
        Object apply(String name, Object request);
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, Operation operation) {
        InvocationHandler handler = (proxy, method, args) -> {
            String name = method.getName();
            if (method.getDeclaringClass() == Object.class) {
                return switch (name) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> "recording " + type.getSimpleName();
                };
            }
            if (name.equals("close")) {
                return null;
            }
            if (name.equals("serviceName")) {
                return type.getSimpleName();
            }
            if (args != null && args.length >= 1 && args[0] instanceof Consumer<?>) {
                return InvocationHandler.invokeDefault(proxy, method, args); // builds the request, calls back here
            }
            return operation.apply(name, args == null ? null : args[0]);
        };
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
    }
}
