package dev.deltaci.functions.webhook;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The shared secret GitHub signs webhooks with. In the cloud it lives in Secrets Manager
 * ({@code WEBHOOK_SECRET_ARN}, read once per container); locally it comes from
 * {@code WEBHOOK_SECRET_FILE} or {@code WEBHOOK_SECRET}.
 */
public final class WebhookSecret {

    private final Supplier<byte[]> source;
    private volatile byte[] cached;

    private WebhookSecret(Supplier<byte[]> source) {
        this.source = source;
    }

    public static WebhookSecret of(String secret) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        return new WebhookSecret(() -> bytes);
    }

    public static WebhookSecret fromEnvironment(Map<String, String> env) {
        if (env.containsKey("WEBHOOK_SECRET_ARN")) {
            String arn = env.get("WEBHOOK_SECRET_ARN");
            return new WebhookSecret(() -> {
                try (SecretsManagerClient client = SecretsManagerClient.builder()
                        .httpClient(UrlConnectionHttpClient.create()).build()) {
                    return client.getSecretValue(b -> b.secretId(arn)).secretString().strip()
                            .getBytes(StandardCharsets.UTF_8);
                }
            });
        }
        if (env.containsKey("WEBHOOK_SECRET_FILE")) {
            Path file = Path.of(env.get("WEBHOOK_SECRET_FILE"));
            return new WebhookSecret(() -> {
                try {
                    return Files.readString(file).strip().getBytes(StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot read webhook secret file " + file + ": " + e.getMessage(), e);
                }
            });
        }
        if (env.containsKey("WEBHOOK_SECRET")) {
            return of(env.get("WEBHOOK_SECRET"));
        }
        throw new IllegalStateException("no webhook secret: set WEBHOOK_SECRET_ARN, WEBHOOK_SECRET_FILE or WEBHOOK_SECRET");
    }

    byte[] bytes() {
        byte[] value = cached;
        if (value == null) {
            value = source.get();
            if (value.length == 0) {
                throw new IllegalStateException("the webhook secret is empty");
            }
            cached = value;
        }
        return value;
    }
}
