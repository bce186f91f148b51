package dev.deltaci.functions.security;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The shared secret GitHub signs webhooks with. In the cloud it lives in Secrets Manager
 * ({@code WEBHOOK_SECRET_ARN}, read through Powertools Parameters and cached five minutes, so a
 * rotation takes effect without a redeploy); locally it comes from {@code WEBHOOK_SECRET_FILE}
 * or {@code WEBHOOK_SECRET}.
 */
public final class WebhookSecret {

    private final SecretText source;

    private WebhookSecret(SecretText source) {
        this.source = source;
    }

    public static WebhookSecret of(String secret) {
        return new WebhookSecret(SecretText.of(secret));
    }

    /** The App's own webhook secret, read from its secret each time (so a rotation is picked up). */
    public static WebhookSecret from(java.util.function.Supplier<String> secret) {
        return new WebhookSecret(SecretText.from(secret));
    }

    public static WebhookSecret fromEnvironment(Map<String, String> env) {
        return new WebhookSecret(SecretText.fromEnvironment(env, "WEBHOOK_SECRET_ARN", "WEBHOOK_SECRET_FILE",
                "WEBHOOK_SECRET"));
    }

    public byte[] bytes() {
        byte[] value = source.get().strip().getBytes(StandardCharsets.UTF_8);
        if (value.length == 0) {
            throw new IllegalStateException("the webhook secret is empty");
        }
        return value;
    }
}
