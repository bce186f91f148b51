package dev.deltaci.core.pipeline;

import java.util.List;
import java.util.regex.Pattern;

/**
 * GitHub Actions' filter patterns for branches, tags and paths: {@code *} matches anything but
 * {@code /}, {@code **} matches anything, {@code ?} one character; in a list, a pattern starting
 * with {@code !} excludes what earlier patterns included, and the last pattern that matches wins.
 */
public final class Glob {

    private Glob() {
    }

    public static boolean matches(String pattern, String text) {
        return toRegex(pattern).matcher(text).matches();
    }

    /** Whether {@code text} is included by the list (patterns in order, {@code !} negates). */
    public static boolean matchesAny(List<String> patterns, String text) {
        boolean included = false;
        for (String pattern : patterns) {
            if (pattern.startsWith("!")) {
                if (matches(pattern.substring(1), text)) {
                    included = false;
                }
            } else if (matches(pattern, text)) {
                included = true;
            }
        }
        return included;
    }

    static Pattern toRegex(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*') {
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                    regex.append(".*");
                    i++;
                } else {
                    regex.append("[^/]*");
                }
            } else if (c == '?') {
                regex.append("[^/]");
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }
}
