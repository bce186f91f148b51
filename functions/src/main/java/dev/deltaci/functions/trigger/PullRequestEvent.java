package dev.deltaci.functions.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.functions.repo.GitHubPipelineSource;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * The fields of a GitHub {@code pull_request} event that a run needs. The run builds the PR's
 * head commit, cloned from the head repository (a fork's, for a PR from a fork); its ref is
 * {@code refs/pull/<number>/head}, and path filters compare the base and head commits.
 */
public record PullRequestEvent(String action, int number, String headSha, String headRef, String headCloneUrl,
                               String headRepository, String baseSha, String baseRef, String repository,
                               String baseCloneUrl) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");

    public static PullRequestEvent parse(byte[] body) throws PushEvent.MalformedEventException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new PushEvent.MalformedEventException("body is not valid JSON: "
                    + (e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("")));
        }
        if (root == null || !root.isObject()) {
            throw new PushEvent.MalformedEventException("body must be a JSON object");
        }
        java.util.Optional<String> invalid = dev.deltaci.functions.http.JsonBody.invalidText(root);
        if (invalid.isPresent()) {
            throw new PushEvent.MalformedEventException(invalid.get());
        }
        String action = text(root, "action", "action");
        JsonNode number = root.get("number");
        if (number == null || !number.canConvertToInt() || number.asInt() < 1) {
            throw new PushEvent.MalformedEventException("'number' must be the pull request's number");
        }
        JsonNode pr = object(root, "pull_request", "pull_request");
        JsonNode head = object(pr, "head", "pull_request.head");
        JsonNode base = object(pr, "base", "pull_request.base");
        JsonNode headRepo = head.get("repo");
        if (headRepo == null || !headRepo.isObject()) {
            throw new PushEvent.MalformedEventException("'pull_request.head.repo' is missing: the head repository "
                    + "was deleted, so its commit cannot be fetched");
        }
        JsonNode repository = object(root, "repository", "repository");
        return new PullRequestEvent(action, number.asInt(), sha(head, "pull_request.head.sha"),
                text(head, "ref", "pull_request.head.ref"), text(headRepo, "clone_url", "pull_request.head.repo.clone_url"),
                text(headRepo, "full_name", "pull_request.head.repo.full_name"),
                sha(base, "pull_request.base.sha"), text(base, "ref", "pull_request.base.ref"),
                text(repository, "full_name", "repository.full_name"),
                repository.hasNonNull("clone_url") ? repository.get("clone_url").asText() : null);
    }

    /** A pull request from another repository: its code is not the repository's own, so it gets no secrets. */
    public boolean fromFork() {
        return !headRepository.equals(repository);
    }

    /**
     * Where the pipeline file and the changed files are read: the base repository when both are
     * on GitHub (GitHub serves a pull request's head commit from the base repository, and a GitHub
     * App is installed there, not on the contributor's fork), else the head repository.
     */
    public String readCloneUrl() {
        boolean onGitHub = baseCloneUrl != null && GitHubPipelineSource.repositoryOf(baseCloneUrl).isPresent()
                && GitHubPipelineSource.repositoryOf(headCloneUrl).isPresent();
        return onGitHub ? baseCloneUrl : headCloneUrl;
    }

    /** The ref a run of this pull request carries. */
    public String ref() {
        return "refs/pull/" + number + "/head";
    }

    private static String sha(JsonNode node, String where) throws PushEvent.MalformedEventException {
        String sha = text(node, "sha", where);
        if (!SHA.matcher(sha).matches()) {
            throw new PushEvent.MalformedEventException("'" + where + "' must be a 40-character hex commit sha, found '"
                    + sha + "'");
        }
        return sha;
    }

    private static JsonNode object(JsonNode node, String field, String where) throws PushEvent.MalformedEventException {
        JsonNode value = node.get(field);
        if (value == null || !value.isObject()) {
            throw new PushEvent.MalformedEventException("missing object '" + where + "'");
        }
        return value;
    }

    private static String text(JsonNode node, String field, String where) throws PushEvent.MalformedEventException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new PushEvent.MalformedEventException("missing string '" + where + "'");
        }
        return value.asText();
    }
}
