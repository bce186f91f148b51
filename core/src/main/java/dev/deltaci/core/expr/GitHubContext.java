package dev.deltaci.core.expr;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code github} context of a run, as GitHub Actions names it, from what Delta CI keeps of the
 * event that started the run: the repository, commit, ref, event name, run and attempt, and for
 * the event itself ({@code github.event}) what those give: a push's {@code ref} and {@code after},
 * a pull request's {@code number} and head commit, a manual run's {@code inputs}. What Delta does
 * not keep (the actor, the full webhook payload, a pull request's base and head branch names) is
 * empty text, as GitHub gives a name it does not have; {@code github.token} is empty until Delta
 * issues job tokens. The runner adds {@code workspace}.
 */
public final class GitHubContext {

    private GitHubContext() {
    }

    private static final Pattern PULL_REF = Pattern.compile("refs/pull/(\\d+)/(head|merge)");

    /**
     * @param event   Delta's event name ({@code push}, {@code pull_request}, {@code workflow_dispatch},
     *                {@code schedule}; a rerun or an API run keeps its run's)
     * @param job     the job's key as written, or null outside a job
     * @param attempt the job's attempt, or 0 outside a job
     */
    public static Map<String, Object> of(String repository, String sha, String ref, String event, String runId,
                                         int attempt, String job, Map<String, String> inputs) {
        Map<String, Object> github = new LinkedHashMap<>();
        String safeRef = ref == null ? "" : ref;
        github.put("repository", repository == null ? "" : repository);
        github.put("repository_owner", repository == null || repository.indexOf('/') < 0 ? ""
                : repository.substring(0, repository.indexOf('/')));
        github.put("sha", sha == null ? "" : sha);
        github.put("ref", safeRef);
        github.put("ref_name", safeRef.replaceFirst("^refs/(heads|tags)/", "").replaceFirst("^refs/pull/(\\d+)/(head|merge)$", "$1/merge"));
        github.put("ref_type", safeRef.startsWith("refs/tags/") ? "tag" : safeRef.startsWith("refs/heads/") ? "branch" : "");
        github.put("event_name", event == null ? "" : event);
        github.put("run_id", runId == null ? "" : runId);
        github.put("run_attempt", Integer.toString(Math.max(attempt, 1)));
        github.put("job", job == null ? "" : job);
        github.put("server_url", "https://github.com");
        github.put("api_url", "https://api.github.com");
        github.put("graphql_url", "https://api.github.com/graphql");
        github.put("actor", "");
        github.put("triggering_actor", "");
        github.put("head_ref", "");
        github.put("base_ref", "");
        github.put("workflow", "");
        github.put("token", "");
        github.put("event", event(safeRef, sha, event, inputs));
        return github;
    }

    private static Map<String, Object> event(String ref, String sha, String event, Map<String, String> inputs) {
        Map<String, Object> payload = new LinkedHashMap<>();
        Matcher pull = PULL_REF.matcher(ref);
        if ("pull_request".equals(event) && pull.matches()) {
            double number = Double.parseDouble(pull.group(1));
            payload.put("number", number);
            payload.put("pull_request", Map.of("number", number, "head", Map.of("sha", sha == null ? "" : sha)));
        } else if ("push".equals(event)) {
            payload.put("ref", ref);
            payload.put("after", sha == null ? "" : sha);
        }
        if (inputs != null && !inputs.isEmpty()) {
            payload.put("inputs", new LinkedHashMap<>(inputs));
        }
        return payload;
    }
}
