package dev.deltaci.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class SecretMaskerTest {

    private static final String TOKEN = "ghp_s3cr3tV4lue";

    @Test
    void theValue_shouldBeMaskedWhereverItAppears() {
        SecretMasker masker = new SecretMasker(List.of(TOKEN));
        assertThat(masker.mask("token=" + TOKEN + " and again " + TOKEN)).isEqualTo("token=*** and again ***");
        assertThat(masker.mask("nothing here")).isEqualTo("nothing here");
    }

    @Test
    void eachLineOfAMultiLineValue_shouldBeMasked() {
        String key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----";
        SecretMasker masker = new SecretMasker(List.of(key));
        for (String line : key.split("\n")) {
            assertThat(masker.mask("> " + line)).isEqualTo("> ***");
        }
    }

    @Property(tries = 300)
    void theBase64Form_shouldBeMaskedAtAnyAlignment(@ForAll @StringLength(min = 0, max = 5) @AlphaChars String before,
                                                     @ForAll @StringLength(min = 0, max = 5) @NumericChars String after) {
        SecretMasker masker = new SecretMasker(List.of(TOKEN));
        String encoded = Base64.getEncoder().encodeToString((before + TOKEN + after).getBytes(StandardCharsets.UTF_8));

        String masked = masker.mask("Authorization: Basic " + encoded);

        assertThat(masked).contains(SecretMasker.MASK);
        // what is left of the encoding decodes to nothing that contains the secret's middle
        assertThat(masked.replace(SecretMasker.MASK, "")).doesNotContain(encoded.substring(4, encoded.length() - 4));
    }

    @Test
    void aMaskedLine_shouldNeverKeepTheValue_evenWhenTheLogIsCutIntoChunks() {
        SecretMasker masker = new SecretMasker(List.of(TOKEN));
        StringBuilder log = new StringBuilder();
        // enough lines that a chunk boundary falls among them; lines are masked before chunking
        for (int i = 0; i < 5000; i++) {
            log.append(masker.mask("line " + i + " " + (i % 997 == 0 ? TOKEN : "plain"))).append('\n');
        }
        for (int start = 0; start < log.length(); start += LogStreamer.MAX_CHUNK_CHARS) {
            String chunk = log.substring(start, Math.min(log.length(), start + LogStreamer.MAX_CHUNK_CHARS));
            assertThat(chunk).doesNotContain(TOKEN).doesNotContain(TOKEN.substring(0, 8));
        }
    }
}
