package dev.deltaci.local.stack;

import java.net.URI;

/**
 * An AWS-protocol stack someone else runs, with every service on one endpoint (LocalStack's
 * edge port). The template is provisioned on it (existing resources are kept); closing leaves
 * it running.
 */
public record ExternalStack(AwsEndpoints endpoints, ProvisionedStack resources) implements AwsStack {

    public static ExternalStack connect(URI endpoint) {
        AwsEndpoints endpoints = new AwsEndpoints(endpoint, endpoint, endpoint, AwsEndpoints.LOCAL_REGION, "test", "test");
        return new ExternalStack(endpoints, Provisioner.provision(endpoints));
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
