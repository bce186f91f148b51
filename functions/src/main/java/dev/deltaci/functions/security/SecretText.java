package dev.deltaci.functions.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.lambda.powertools.parameters.secrets.SecretsProvider;

/**
 * A secret the control plane is configured with (webhook secret, runner auth, API keys): from
 * Secrets Manager in the cloud through Powertools Parameters, cached for five minutes so a
 * rotated secret is picked up without a redeploy; locally from a file or a variable.
 */
public final class SecretText implements Supplier<String> {

    private static volatile SecretsProvider provider;

    private final Supplier<String> source;

    private SecretText(Supplier<String> source) {
        this.source = source;
    }

    public static SecretText of(String value) {
        return new SecretText(() -> value);
    }

    /** Secret text read from elsewhere each time (e.g. a field of a larger secret). */
    public static SecretText from(Supplier<String> source) {
        return new SecretText(source);
    }

    /**
     * @param arnVariable   names the Secrets Manager secret (cloud)
     * @param fileVariable  names a file holding it (local)
     * @param valueVariable holds it directly (local, tests)
     */
    public static SecretText fromEnvironment(Map<String, String> env, String arnVariable, String fileVariable,
                                             String valueVariable) {
        if (env.containsKey(arnVariable)) {
            String arn = env.get(arnVariable);
            return new SecretText(() -> secretsManager().withMaxAge(5, ChronoUnit.MINUTES).get(arn));
        }
        if (env.containsKey(fileVariable)) {
            Path file = Path.of(env.get(fileVariable));
            return new SecretText(() -> {
                try {
                    return Files.readString(file);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot read " + fileVariable + " " + file + ": " + e.getMessage(), e);
                }
            });
        }
        if (env.containsKey(valueVariable)) {
            String value = env.get(valueVariable);
            return new SecretText(() -> value);
        }
        return new SecretText(() -> {
            throw new IllegalStateException("not configured: set " + arnVariable + ", " + fileVariable + " or "
                    + valueVariable);
        });
    }

    /** Reads a secret by name or ARN through the shared, caching Powertools provider. */
    public static String secretsManager(String nameOrArn, long maxAgeSeconds) {
        return secretsManager().withMaxAge((int) maxAgeSeconds, ChronoUnit.SECONDS).get(nameOrArn);
    }

    private static SecretsProvider secretsManager() {
        SecretsProvider current = provider;
        if (current == null) {
            synchronized (SecretText.class) {
                if (provider == null) {
                    provider = SecretsProvider.builder()
                            .withClient(SecretsManagerClient.builder().httpClient(UrlConnectionHttpClient.create()).build())
                            .build();
                }
                current = provider;
            }
        }
        return current;
    }

    @Override
    public String get() {
        return source.get();
    }
}
