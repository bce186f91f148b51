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

    private final Set<String> found = new LinkedHashSet<>();
    /** Replaced whole when a value is added ({@code ::add-mask::}), so a line being masked sees one list. */
    private volatile List<String> patterns = List.of();

    SecretMasker(Collection<String> secrets) {
        secrets.forEach(this::add);
    }

    /** Masks this value too from now on: a secret, or what a step asked to hide with {@code ::add-mask::}. */
    synchronized void add(String secret) {
        if (secret == null || secret.isEmpty()) {
            return;
        }
        found.add(secret);
        for (String line : secret.split("\\R")) {
            if (line.strip().length() >= MIN_FRAGMENT) {
                found.add(line.strip());
            }
        }
        found.addAll(base64Forms(secret));
        List<String> sorted = new ArrayList<>(found);
        sorted.sort(Comparator.comparingInt(String::length).reversed()); // longest first: no partial leftovers
        patterns = List.copyOf(sorted);
    }

    /** Whether the text holds a masked value (an output that does is withheld, as GitHub does). */
    boolean hides(String text) {
        return !mask(text).equals(text);
    }

    String mask(String line) {
        List<String> patterns = this.patterns;
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
