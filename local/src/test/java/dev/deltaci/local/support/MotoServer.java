package dev.deltaci.local.support;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * moto's server (Python moto 5, preinstalled here): a real AWS-protocol server for the services
 * the embedded stack does not serve (EC2, Auto Scaling, IAM, STS). Tests that need it skip, with
 * the reason, where {@code moto_server} is not on the PATH.
 */
public final class MotoServer implements AutoCloseable {

    public static final Region REGION = Region.US_EAST_1;
    private final Process process;
    private final URI endpoint;

    private MotoServer(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    public static MotoServer startOrSkip() throws IOException, InterruptedException {
        String command = findOnPath("moto_server");
        assumeThat(command).as("moto_server (Python moto) is not installed here, so the tests against real "
                + "AWS-protocol EC2, Auto Scaling and STS servers are skipped").isNotNull();
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path log = Files.createTempFile("moto-", ".log");
        Process process = new ProcessBuilder(command, "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpURLConnection connection = (HttpURLConnection) endpoint.resolve("/moto-api/").toURL().openConnection();
                connection.setConnectTimeout(500);
                if (connection.getResponseCode() > 0) {
                    return new MotoServer(process, endpoint);
                }
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IOException("moto_server exited: " + Files.readString(log));
                }
                Thread.sleep(100);
            }
        }
        process.destroyForcibly();
        throw new IOException("moto_server did not answer on " + endpoint + " within 30 s: " + Files.readString(log));
    }

    private static String findOnPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File candidate = new File(dir, name);
            if (candidate.canExecute()) {
                return candidate.getAbsolutePath();
            }
        }
        return null;
    }

    public URI endpoint() {
        return endpoint;
    }

    /** A client of this server (any credentials: moto does not check signatures). */
    public <B extends AwsClientBuilder<B, C>, C> C client(B builder) {
        return client(builder, StaticCredentialsProvider.create(AwsBasicCredentials.create("moto", "moto")));
    }

    public <B extends AwsClientBuilder<B, C>, C> C client(B builder,
                                                          software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials) {
        builder.endpointOverride(endpoint).region(REGION).credentialsProvider(credentials);
        if (builder instanceof software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<?, ?> sync) {
            sync.httpClient(UrlConnectionHttpClient.create());
        }
        return builder.build();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
