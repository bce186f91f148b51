package dev.deltaci.local.support;

import dev.deltaci.local.DeltaHome;
import dev.deltaci.local.stack.AwsEndpoints;
import dev.deltaci.local.stack.AwsStack;
import dev.deltaci.local.stack.CloudFormationTemplate;
import dev.deltaci.local.stack.ProvisionedStack;
import dev.deltaci.local.stack.Provisioner;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/** LocalStack in Docker (Testcontainers), provisioned from the same template as the embedded stack. */
final class LocalStackStack implements AwsStack {

    static final DockerImageName IMAGE = DockerImageName.parse("localstack/localstack:4.4");

    private final LocalStackContainer container;
    private final AwsEndpoints endpoints;
    private final ProvisionedStack resources;

    private LocalStackStack(LocalStackContainer container, AwsEndpoints endpoints, ProvisionedStack resources) {
        this.container = container;
        this.endpoints = endpoints;
        this.resources = resources;
    }

    static LocalStackStack start() {
        LocalStackContainer container = new LocalStackContainer(IMAGE).withServices("dynamodb", "sqs", "s3");
        container.start();
        AwsEndpoints endpoints = new AwsEndpoints(container.getEndpoint(), container.getEndpoint(),
                container.getEndpoint(), container.getRegion(), container.getAccessKey(), container.getSecretKey());
        try (DynamoDbClient dynamo = endpoints.dynamoClient(); SqsClient sqs = endpoints.sqsClient();
             S3Client s3 = endpoints.s3Client()) {
            ProvisionedStack resources = Provisioner.provision(CloudFormationTemplate.read(DeltaHome.template()),
                    dynamo, sqs, s3);
            return new LocalStackStack(container, endpoints, resources);
        } catch (IOException e) {
            container.stop();
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
        return "localstack";
    }

    @Override
    public void close() {
        container.stop();
    }
}
