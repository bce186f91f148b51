package dev.deltaci.functions.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.core.pipeline.ManualTrigger;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.http.JsonBody;
import dev.deltaci.functions.repo.PipelineSource;
import dev.deltaci.functions.run.RunStarter.Decision;
import dev.deltaci.functions.run.RunStarter;
import dev.deltaci.functions.security.ApiKeys;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code POST /runs}: a run started by hand, GitHub's {@code workflow_dispatch}. The pipeline at
 * the commit must list {@code workflow_dispatch}; the inputs are checked against what it declares
 * (unknown, missing, wrong type: 400) before anything is written. A {@code requestId} makes the
 * request safe to retry: the same id returns the same run.
 *
 * <pre>
 * {"repository": "octo/hello", "ref": "main", "sha": "…" (optional), "cloneUrl": "…" (optional),
 *  "inputs": {"environment": "staging"}, "requestId": "…" (optional)}
 * </pre>
 */
public final class ManualRunService {

    public static final String EVENT = "workflow_dispatch";
    private static final Pattern REPOSITORY = Pattern.compile("[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}");
    private static final Pattern REF = Pattern.compile("[A-Za-z0-9_./-]{1,250}");
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");

    private final RunStarter starter;

    public ManualRunService(RunStarter starter) {
        this.starter = starter;
    }

    public ApiResponse trigger(byte[] body, ApiKeys.Key key) {
        JsonNode json;
        try {
            json = JsonBody.object(body, "a JSON object with 'repository' and 'ref'");
        } catch (JsonBody.Invalid e) {
            return ApiResponse.error(400, e.getMessage());
        }
        String repository = json.path("repository").asText("");
        if (!REPOSITORY.matcher(repository).matches() || java.util.Arrays.stream(repository.split("/"))
                .anyMatch(part -> part.equals(".") || part.equals(".."))) {
            return ApiResponse.error(400, "'repository' must be owner/name, found '" + repository + "'");
        }
        if (!key.allows(repository)) {
            return ApiResponse.error(403, "API key '" + key.name() + "' may not start runs of " + repository);
        }
        String ref = json.path("ref").asText("");
        if (!REF.matcher(ref).matches() || ref.contains("..")) {
            return ApiResponse.error(400, "'ref' must be a branch or tag name (or a full ref), found '" + ref + "'");
        }
        String sha = json.hasNonNull("sha") ? json.get("sha").asText() : null;
        if (sha != null && !SHA.matcher(sha).matches()) {
            return ApiResponse.error(400, "'sha' must be a 40-character hex commit sha, found '" + sha + "'");
        }
        String requestId = json.hasNonNull("requestId") ? json.get("requestId").asText() : null;
        if (requestId != null && !RunStarter.REQUEST_ID.matcher(requestId).matches()) {
            return ApiResponse.error(400, "'requestId' must be letters, digits and '_.:-', at most 100");
        }
        Map<String, String> inputs = new LinkedHashMap<>();
        JsonNode given = json.path("inputs");
        if (!given.isMissingNode() && !given.isNull()) {
            if (!given.isObject()) {
                return ApiResponse.error(400, "'inputs' must be an object of names to values");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = given.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> input = it.next();
                if (!input.getValue().isValueNode() || input.getValue().isNull()) {
                    return ApiResponse.error(400, "input '" + input.getKey() + "' must be a string, number or boolean");
                }
                inputs.put(input.getKey(), input.getValue().asText());
            }
        }
        String cloneUrl = json.hasNonNull("cloneUrl") ? json.get("cloneUrl").asText()
                : "https://github.com/" + repository + ".git";

        String fullRef = ref.startsWith("refs/") ? ref : "refs/heads/" + ref;
        if (sha == null) {
            Optional<PipelineSource.ResolvedRef> resolved;
            try {
                resolved = starter.pipelines().resolve(cloneUrl, ref);
            } catch (PipelineSource.RepositoryUnavailableException e) {
                return ApiResponse.error(503, "cannot read the repository: " + e.getMessage());
            }
            if (resolved.isEmpty()) {
                return ApiResponse.error(404, "no branch or tag '" + ref + "' in " + repository);
            }
            fullRef = resolved.get().ref();
            sha = resolved.get().sha();
        }
        String runId = RunStarter.requestedRunId("manual", repository, requestId);
        String commit = sha;
        return starter.start(runId, new RunStarter.RunSource(EVENT, repository, cloneUrl, sha, fullRef), pipeline -> {
            ManualTrigger manual = pipeline.on().manual();
            if (manual == null) {
                return new Decision.Refuse(ApiResponse.error(422, "the pipeline at " + commit.substring(0, 12)
                        + " does not run by hand ('on' lists " + pipeline.on().listed()
                        + "); add 'workflow_dispatch' to 'on'"));
            }
            ManualTrigger.Resolution resolution = manual.resolve(inputs);
            if (!resolution.ok()) {
                return new Decision.Refuse(ApiResponse.error(400, "invalid inputs: "
                        + String.join("; ", resolution.problems())));
            }
            return new Decision.Start(resolution.values());
        });
    }
}
