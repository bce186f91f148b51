package dev.deltaci.local.support;

import dev.deltaci.local.stack.AwsStack;
import dev.deltaci.local.stack.EmbeddedStack;
import org.testcontainers.DockerClientFactory;

/**
 * The one place integration tests get their AWS stack from. {@code DELTA_TEST_STACK} picks it
 * ({@code embedded} or {@code localstack}); unset, LocalStack is used when a Docker engine
 * answers and the embedded stack otherwise. The tests are the same either way.
 */
public final class TestStacks {

    private TestStacks() {
    }

    public static AwsStack start() {
        return switch (choice()) {
            case "localstack" -> LocalStackStack.start();
            case "embedded" -> EmbeddedStack.start(null);
            default -> throw new IllegalStateException("DELTA_TEST_STACK must be 'embedded' or 'localstack'");
        };
    }

    public static AwsStack startLocalStack() {
        return LocalStackStack.start();
    }

    static String choice() {
        String wanted = System.getenv("DELTA_TEST_STACK");
        if (wanted != null && !wanted.isBlank()) {
            return wanted;
        }
        return dockerAvailable() ? "localstack" : "embedded";
    }

    public static boolean dockerAvailable() {
        boolean anyDockerConfigured = System.getenv("DOCKER_HOST") != null
                || java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"))
                || java.nio.file.Files.exists(java.nio.file.Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
        if (!anyDockerConfigured) {
            return false; // spares the Testcontainers probe and its error log
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
