package dev.deltaci.local.support;

import dev.deltaci.local.stack.AwsEndpoints;
import dev.deltaci.local.stack.AwsStack;
import dev.deltaci.local.stack.ProvisionedStack;
import dev.deltaci.local.stack.Provisioner;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/** LocalStack in Docker (Testcontainers), provisioned from the same template as the embedded stack. */
record LocalStackStack(LocalStackContainer container, AwsEndpoints endpoints, ProvisionedStack resources)
        implements AwsStack {

    static final DockerImageName IMAGE = DockerImageName.parse("localstack/localstack:4.4");

    static LocalStackStack start() {
        LocalStackContainer container = new LocalStackContainer(IMAGE).withServices("dynamodb", "sqs", "s3");
        container.start();
        AwsEndpoints endpoints = new AwsEndpoints(container.getEndpoint(), container.getEndpoint(),
                container.getEndpoint(), container.getRegion(), container.getAccessKey(), container.getSecretKey());
        try {
            return new LocalStackStack(container, endpoints, Provisioner.provision(endpoints));
        } catch (RuntimeException e) {
            container.stop();
            throw e;
        }
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
