package dev.deltaci.runner;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The EC2 instance metadata service, version 2 only (a session token first, as the launch
 * template requires): where a runner on an autoscaled instance learns which instance it is.
 */
final class InstanceMetadata {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private final URI endpoint;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    InstanceMetadata(URI endpoint) {
        this.endpoint = endpoint;
    }

    /** {@code DELTA_IMDS_ENDPOINT} (tests), else the link-local address every EC2 instance has. */
    static InstanceMetadata fromEnvironment() {
        return new InstanceMetadata(URI.create(System.getenv().getOrDefault("DELTA_IMDS_ENDPOINT", "http://169.254.169.254")));
    }

    String instanceId() throws IOException {
        try {
            HttpResponse<String> token = http.send(HttpRequest.newBuilder(endpoint.resolve("/latest/api/token"))
                    .timeout(TIMEOUT).header("X-aws-ec2-metadata-token-ttl-seconds", "60")
                    .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            if (token.statusCode() != 200) {
                throw new IOException("the instance metadata service refused a session token (" + token.statusCode() + ")");
            }
            HttpResponse<String> id = http.send(HttpRequest.newBuilder(endpoint.resolve("/latest/meta-data/instance-id"))
                    .timeout(TIMEOUT).header("X-aws-ec2-metadata-token", token.body()).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (id.statusCode() != 200 || id.body().isBlank()) {
                throw new IOException("the instance metadata service gave no instance id (" + id.statusCode() + ")");
            }
            return id.body().strip();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted asking the instance metadata service", e);
        } catch (java.net.ConnectException | java.net.http.HttpTimeoutException e) {
            throw new IOException("no instance metadata service at " + endpoint + " (is this an EC2 instance?)", e);
        }
    }
}
