package dev.deltaci.functions.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhookSecretTest {

    @Test
    void aRotatedSecret_shouldTakeEffectWithoutARestart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("webhook-secret");
        Files.writeString(file, "old-secret\n");
        WebhookSecret secret = WebhookSecret.fromEnvironment(Map.of("WEBHOOK_SECRET_FILE", file.toString()));
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String signedWithOld = GitHubSignature.sign("old-secret".getBytes(StandardCharsets.UTF_8), body);

        assertThat(GitHubSignature.verify(secret.bytes(), body, signedWithOld)).isTrue();
        Files.writeString(file, "new-secret");

        assertThat(GitHubSignature.verify(secret.bytes(), body, signedWithOld)).isFalse();
        assertThat(GitHubSignature.verify(secret.bytes(), body,
                GitHubSignature.sign("new-secret".getBytes(StandardCharsets.UTF_8), body))).isTrue();
    }

    @Test
    void noSecretConfigured_shouldSaySoWhenFirstNeeded() {
        WebhookSecret secret = WebhookSecret.fromEnvironment(Map.of());
        assertThatThrownBy(secret::bytes).hasMessageContaining("WEBHOOK_SECRET_ARN, WEBHOOK_SECRET_FILE or WEBHOOK_SECRET");
    }
}
