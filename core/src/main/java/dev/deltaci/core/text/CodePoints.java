package dev.deltaci.core.text;

import java.util.Optional;

/**
 * Text that can be stored and shown as it was sent. A lone surrogate (half of a UTF-16 pair, as
 * JSON's {@code "\ud800"} or YAML's {@code "\uD800"} can spell it), NUL and the Unicode
 * noncharacters are not text: UTF-8 cannot carry a lone surrogate at all (it would be stored as
 * '?', or fail the write), so such input is refused where it enters, never half stored.
 */
public final class CodePoints {

    private CodePoints() {
    }

    /** What is wrong with the first invalid code point of {@code text}, or empty when it is all valid. */
    public static Optional<String> problem(String text) {
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            if (isLoneSurrogate(codePoint)) {
                return Optional.of(String.format("a lone surrogate U+%04X at character %d", codePoint, i + 1));
            }
            if (!isValid(codePoint)) {
                return Optional.of(String.format("the invalid code point U+%04X at character %d", codePoint, i + 1));
            }
            i += Character.charCount(codePoint);
        }
        return Optional.empty();
    }

    /**
     * {@code text} for an error message: at most {@code maxCodePoints}, each code point that
     * {@link #problem} refuses shown as a backslash-u escape (U+D800 as \\uD800) instead.
     */
    public static String printable(String text, int maxCodePoints) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(maxCodePoints).forEach(c -> {
            if (isValid(c)) {
                out.appendCodePoint(c);
            } else {
                out.append(String.format("\\u%04X", c));
            }
        });
        return out.toString();
    }

    private static boolean isValid(int codePoint) {
        return !isLoneSurrogate(codePoint) && codePoint != 0 && !isNoncharacter(codePoint);
    }

    /** {@code String.codePointAt} gives a surrogate code point only when it has no partner. */
    private static boolean isLoneSurrogate(int codePoint) {
        return codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE;
    }

    private static boolean isNoncharacter(int codePoint) {
        return (codePoint >= 0xFDD0 && codePoint <= 0xFDEF) || (codePoint & 0xFFFE) == 0xFFFE;
    }
}
