package dev.deltaci.functions.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GitHubSignatureTest {

    // GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!"
    private static final byte[] SECRET = "It's a Secret to Everybody".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    private static final String EXPECTED = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    @Test
    void sign_shouldMatchGitHubsDocumentedExample() {
        assertThat(GitHubSignature.sign(SECRET, BODY)).isEqualTo(EXPECTED);
    }

    @Test
    void verify_shouldAcceptOnlyTheExactSignature() {
        assertThat(GitHubSignature.verify(SECRET, BODY, EXPECTED)).isTrue();
        assertThat(GitHubSignature.verify(SECRET, "Hello, World?".getBytes(StandardCharsets.UTF_8), EXPECTED)).isFalse();
        assertThat(GitHubSignature.verify("other".getBytes(StandardCharsets.UTF_8), BODY, EXPECTED)).isFalse();
    }

    @Test
    void verify_shouldRejectMalformedHeaders() {
        assertThat(GitHubSignature.verify(SECRET, BODY, null)).isFalse();
        assertThat(GitHubSignature.verify(SECRET, BODY, "sha1=757107ea")).isFalse();
        assertThat(GitHubSignature.verify(SECRET, BODY, "sha256=not-hex")).isFalse();
        assertThat(GitHubSignature.verify(SECRET, BODY, "sha256=")).isFalse();
        assertThat(GitHubSignature.verify(SECRET, BODY, EXPECTED.substring(0, 20))).isFalse();
    }
}
