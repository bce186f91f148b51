package dev.deltaci.functions.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * The fields of a GitHub {@code push} event that a run needs.
 *
 * @param defaultBranch the repository's default branch, where schedules are read; null if not given
 */
public record PushEvent(String ref, String before, String after, String repository, String cloneUrl,
                        boolean deleted, String defaultBranch) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");
    private static final String ZERO_SHA = "0".repeat(40);

    /** Parses the raw body; throws {@link MalformedEventException} naming the problem. */
    public static PushEvent parse(byte[] body) throws MalformedEventException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new MalformedEventException("body is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new MalformedEventException("body must be a JSON object");
        }
        java.util.Optional<String> invalid = dev.deltaci.functions.http.JsonBody.invalidText(root);
        if (invalid.isPresent()) {
            throw new MalformedEventException(invalid.get());
        }
        String ref = text(root, "ref");
        String after = text(root, "after");
        JsonNode repository = root.get("repository");
        if (repository == null || !repository.isObject()) {
            throw new MalformedEventException("missing object 'repository'");
        }
        String fullName = text(repository, "full_name");
        String cloneUrl = text(repository, "clone_url");
        boolean deleted = root.path("deleted").asBoolean(false) || ZERO_SHA.equals(after);
        if (!deleted && !SHA.matcher(after).matches()) {
            throw new MalformedEventException("'after' must be a 40-character hex commit sha, found '" + after + "'");
        }
        String before = root.path("before").asText("");
        String defaultBranch = repository.hasNonNull("default_branch") ? repository.get("default_branch").asText() : null;
        return new PushEvent(ref, before, after, fullName, cloneUrl, deleted, defaultBranch);
    }

    /** Whether this push moves the default branch, whose pipeline decides the repository's schedules. */
    public boolean toDefaultBranch() {
        return defaultBranch != null && ref.equals("refs/heads/" + defaultBranch);
    }

    /** {@code refs/heads/main} → {@code main}. */
    public String branch() {
        return ref.startsWith("refs/heads/") ? ref.substring("refs/heads/".length()) : ref;
    }

    private static String text(JsonNode node, String field) throws MalformedEventException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new MalformedEventException("missing string '" + field + "'");
        }
        return value.asText();
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    /** The body is not a usable push event. */
    public static final class MalformedEventException extends Exception {
        public MalformedEventException(String message) {
            super(message);
        }
    }
}
