package dev.deltaci.local.stack;

import dev.deltaci.local.DeltaHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * An AWS-protocol stack someone else runs, with every service on one endpoint (LocalStack's
 * edge port). The template is provisioned on it (existing resources are kept); closing leaves
 * it running.
 */
public final class ExternalStack implements AwsStack {

    private final AwsEndpoints endpoints;
    private final ProvisionedStack resources;

    private ExternalStack(AwsEndpoints endpoints, ProvisionedStack resources) {
        this.endpoints = endpoints;
        this.resources = resources;
    }

    public static ExternalStack connect(URI endpoint) {
        AwsEndpoints endpoints = new AwsEndpoints(endpoint, endpoint, endpoint, AwsEndpoints.LOCAL_REGION, "test", "test");
        try (DynamoDbClient dynamo = endpoints.dynamoClient(); SqsClient sqs = endpoints.sqsClient();
             S3Client s3 = endpoints.s3Client()) {
            return new ExternalStack(endpoints, Provisioner.provision(CloudFormationTemplate.read(DeltaHome.template()),
                    dynamo, sqs, s3));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public AwsEndpoints endpoints() {
        return endpoints;
    }

    @Override
    public ProvisionedStack resources() {
        return resources;
    }

    @Override
    public String kind() {
        return "external";
    }

    @Override
    public void close() {
        // not ours to stop
    }
}
