package dev.deltaci.core.pipeline;

import java.util.Arrays;

/**
 * What an artifact path may be: a file or directory inside the workspace, named plainly. The same
 * rules guard the pipeline file (at lint time) and archive entries (when a runner unpacks them),
 * so nothing can be written outside a workspace.
 */
public final class ArtifactPaths {

    public static final int MAX_LENGTH = 1024;

    private ArtifactPaths() {
    }

    /** Why {@code path} is not acceptable, or null when it is. */
    public static String problem(String path) {
        if (path == null || path.isBlank()) {
            return "is empty";
        }
        if (path.length() > MAX_LENGTH) {
            return "is longer than " + MAX_LENGTH + " characters";
        }
        if (path.chars().anyMatch(c -> Character.isISOControl(c))) {
            return "contains control characters";
        }
        if (path.startsWith("/") || path.startsWith("~") || path.matches("^[A-Za-z]:.*") || path.contains("\\")) {
            return "must be relative to the workspace";
        }
        if (Arrays.asList(path.split("/")).contains("..")) {
            return "must not contain '..'";
        }
        if (path.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{')) {
            return "is a pattern; name files or directories (a directory is kept whole)";
        }
        return null;
    }

    /** {@code ./dist/} → {@code dist}. */
    public static String normalize(String path) {
        String normalized = path.strip();
        while (normalized.startsWith("./")) {
            normalized = normalized.substring(2);
        }
        while (normalized.endsWith("/") && normalized.length() > 1) {
            normalized = normalized.substring(0, normalized.length() - 1);
        }
        return normalized.replaceAll("/+", "/");
    }
}
