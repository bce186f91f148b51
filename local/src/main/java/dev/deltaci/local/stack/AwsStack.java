package dev.deltaci.local.stack;

/** A running AWS-protocol stack (embedded or LocalStack) with the template provisioned on it. */
public interface AwsStack extends AutoCloseable {

    AwsEndpoints endpoints();

    ProvisionedStack resources();

    /** A name for messages and test reports, e.g. {@code embedded} or {@code localstack}. */
    String kind();

    @Override
    void close();
}
