package dev.deltaci.functions.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** API keys: who a bearer token is, which repositories it reaches, and whether it may write. */
class ApiKeysTest {

    private static String entry(String key, String name, String access) {
        return "{\"sha256\": \"" + ApiKeys.hash(key) + "\", \"name\": \"" + name + "\", \"repositories\": [\"octo/*\"]"
                + (access == null ? "" : ", \"access\": \"" + access + "\"") + "}";
    }

    @Test
    void access_shouldBeRead_orWrite_andWriteWhenNotSaid() {
        ApiKeys keys = ApiKeys.of("{\"keys\": [" + entry("k-read", "reader", "read") + ", "
                + entry("k-write", "writer", "write") + ", " + entry("k-old", "old", null) + "]}");
        assertThat(keys.check("Bearer k-read").key().mayWrite()).isFalse();
        assertThat(keys.check("Bearer k-write").key().mayWrite()).isTrue();
        assertThat(keys.check("Bearer k-old").key().mayWrite()).as("keys from before access existed").isTrue();
        assertThat(keys.check("Bearer k-read").key().allows("octo/app")).isTrue();
        assertThat(keys.check("Bearer k-read").key().allows("other/app")).isFalse();
        assertThat(keys.check("Bearer nope").status()).isEqualTo(401);
        assertThat(keys.check(null).reason()).contains("missing API key");
    }

    @Test
    void anUnknownAccess_shouldBeRefusedWhenTheKeysAreRead() {
        assertThatThrownBy(() -> ApiKeys.of("{\"keys\": [" + entry("k", "admin", "admin") + "]}"))
                .hasMessageContaining("access must be \"read\" or \"write\", found 'admin'");
    }
}
