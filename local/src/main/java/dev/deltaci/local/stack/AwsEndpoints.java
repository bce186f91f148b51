package dev.deltaci.local.stack;

import dev.deltaci.functions.wiring.ControlPlane;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Where a local AWS-protocol stack listens, and clients for it. Only the endpoint differs
 * from production code paths; the S3 settings are what S3Proxy and LocalStack need.
 */
public record AwsEndpoints(URI dynamodb, URI sqs, URI s3, String region, String accessKey, String secretKey) {

    public static final String LOCAL_REGION = "us-east-1";

    public DynamoDbClient dynamoClient(ExecutionInterceptor... interceptors) {
        return DynamoDbClient.builder().endpointOverride(dynamodb).region(Region.of(region))
                .credentialsProvider(credentials()).httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(overrides(interceptors)).build();
    }

    public SqsClient sqsClient(ExecutionInterceptor... interceptors) {
        return SqsClient.builder().endpointOverride(sqs).region(Region.of(region))
                .credentialsProvider(credentials()).httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(overrides(interceptors)).build();
    }

    /**
     * An SQS client as a runner builds one ({@code RunnerMain}): the SDK's own timeouts, so that a
     * 20-second long poll is not cut off by the control plane's 3-second attempt timeout (a message
     * handed to a poll the client gave up on would stay invisible for the visibility timeout).
     */
    public SqsClient runnerSqsClient(ExecutionInterceptor... interceptors) {
        return SqsClient.builder().endpointOverride(sqs).region(Region.of(region))
                .credentialsProvider(credentials()).httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .executionInterceptors(new ArrayList<>(List.of(interceptors))).build()).build();
    }

    public S3Client s3Client(ExecutionInterceptor... interceptors) {
        return S3Client.builder().endpointOverride(s3).region(Region.of(region))
                .credentialsProvider(credentials()).httpClient(UrlConnectionHttpClient.create())
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(overrides(interceptors)).build();
    }

    /** Presigns URLs runners use to move artifacts (path-style, as the S3 client). */
    public S3Presigner s3Presigner() {
        return S3Presigner.builder().endpointOverride(s3).region(Region.of(region)).credentialsProvider(credentials())
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build();
    }

    private StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
    }

    /** The control plane's retry and timeout settings, as in the cloud, plus any interceptors. */
    private static ClientOverrideConfiguration overrides(ExecutionInterceptor... interceptors) {
        return ControlPlane.clientOverrides().executionInterceptors(new ArrayList<>(List.of(interceptors))).build();
    }
}
