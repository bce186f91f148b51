package dev.deltaci.runner;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Replaces secret values in log lines with {@code ***} before they leave the runner. Besides
 * each value it masks every line of a multi-line value (output arrives line by line) and the
 * value's base64 form at each of the three alignments it can have inside a longer base64 text.
 * Lines are masked whole before they are cut into chunks, so a value is never split across two.
 */
final class SecretMasker {

    static final String MASK = "***";
    /** Shorter fragments would mask ordinary words; a value this short is masked only whole. */
    private static final int MIN_FRAGMENT = 4;

    private final List<String> patterns;

    SecretMasker(Collection<String> secrets) {
        Set<String> found = new LinkedHashSet<>();
        for (String secret : secrets) {
            if (secret == null || secret.isEmpty()) {
                continue;
            }
            found.add(secret);
            for (String line : secret.split("\\R")) {
                if (line.strip().length() >= MIN_FRAGMENT) {
                    found.add(line.strip());
                }
            }
            found.addAll(base64Forms(secret));
        }
        List<String> sorted = new ArrayList<>(found);
        sorted.sort(Comparator.comparingInt(String::length).reversed()); // longest first: no partial leftovers
        this.patterns = sorted;
    }

    String mask(String line) {
        String masked = line;
        for (String pattern : patterns) {
            if (masked.contains(pattern)) {
                masked = masked.replace(pattern, MASK);
            }
        }
        return masked;
    }

    /**
     * The value's base64 encoding as it appears inside any longer encoded text: prefixed by 0, 1
     * or 2 bytes, the characters that depend only on the value itself.
     */
    static List<String> base64Forms(String secret) {
        byte[] value = secret.getBytes(StandardCharsets.UTF_8);
        List<String> forms = new ArrayList<>();
        for (int offset = 0; offset < 3; offset++) {
            byte[] shifted = new byte[offset + value.length];
            System.arraycopy(value, 0, shifted, offset, value.length);
            String encoded = Base64.getEncoder().withoutPadding().encodeToString(shifted);
            // drop the characters touched by the prefix, and a last one that also depends on what follows
            int start = offset == 0 ? 0 : (offset * 8 + 5) / 6;
            int end = (shifted.length * 8) / 6;
            if (end - start >= MIN_FRAGMENT) {
                forms.add(encoded.substring(start, end));
            }
        }
        return forms;
    }
}
