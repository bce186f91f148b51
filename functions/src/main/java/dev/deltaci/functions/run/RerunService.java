package dev.deltaci.functions.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.http.JsonBody;
import dev.deltaci.functions.repo.GitHubPipelineSource;
import dev.deltaci.functions.security.ApiKeys;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.RunRecord;
import dev.deltaci.functions.store.RunSnapshot;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /runs/{runId}/rerun}: runs a finished run again as a new run of the same commit,
 * event and inputs, with {@code rerunOf} naming the first. The pipeline is read again at that
 * commit (the same file, so the same jobs). With {@code "failedOnly": true} the jobs that
 * succeeded are kept as they were (their logs and artifacts stay the first run's, and their
 * dependants download from there); the rest run again. A new run, not a reset: a finished run
 * stays as it ended, every state machine keeps its one direction, and the lease epochs of the
 * first run's jobs keep fencing its stragglers. A {@code requestId} makes it safe to retry.
 *
 * <pre>{"failedOnly": false, "requestId": "…" (optional)}</pre>
 */
public final class RerunService {


    private final RunStarter starter;

    public RerunService(RunStarter starter) {
        this.starter = starter;
    }

    /** @param original the run, already read and checked to be within the key's reach */
    public ApiResponse rerun(RunSnapshot original, byte[] body, ApiKeys.Key key) {
        JsonNode json;
        try {
            json = body.length == 0 ? JsonNodeFactory.instance.objectNode()
                    : JsonBody.object(body, "a JSON object, e.g. {\"failedOnly\": true}");
        } catch (JsonBody.Invalid e) {
            return ApiResponse.error(400, e.getMessage());
        }
        JsonNode failedOnlyNode = json.path("failedOnly");
        if (!failedOnlyNode.isMissingNode() && !failedOnlyNode.isNull() && !failedOnlyNode.isBoolean()) {
            return ApiResponse.error(400, "'failedOnly' must be true or false");
        }
        boolean failedOnly = failedOnlyNode.asBoolean(false);
        String requestId = json.hasNonNull("requestId") ? json.get("requestId").asText() : null;
        if (requestId != null && !RunStarter.REQUEST_ID.matcher(requestId).matches()) {
            return ApiResponse.error(400, "'requestId' must be letters, digits and '_.:-', at most 100");
        }
        RunRecord run = original.run();
        if (!run.status().isTerminal()) {
            return ApiResponse.of(409, "error", "run " + run.runId() + " is still " + run.status()
                    + "; rerun it once it has finished (or cancel it first)", "status", run.status().name());
        }
        Map<String, JobRecord> reuse = new LinkedHashMap<>();
        if (failedOnly) {
            if (run.status() == RunState.SUCCEEDED) {
                return ApiResponse.of(409, "error", "run " + run.runId() + " succeeded: no job to rerun "
                        + "(rerun all of it without failedOnly)", "status", run.status().name());
            }
            original.jobs().stream().filter(job -> job.state() == JobState.SUCCEEDED)
                    .forEach(job -> reuse.put(job.jobKey(), job));
        }
        String runId = RunStarter.requestedRunId("rerun", run.runId(), requestId);
        // a fork's pull request is read where its first run read it: the base repository on GitHub
        boolean fromBase = run.fork() && GitHubPipelineSource.repositoryOf(run.cloneUrl()).isPresent();
        String readCloneUrl = fromBase ? "https://github.com/" + run.repository() + ".git" : run.cloneUrl();
        RunStarter.RunSource source = new RunStarter.RunSource(run.trigger(), run.repository(), run.cloneUrl(),
                run.sha(), run.ref(), run.fork(), readCloneUrl);
        ApiResponse started = starter.start(runId, source, pipeline -> new RunStarter.Decision.Start(run.inputs()),
                new RunStarter.Rerun(run.runId(), reuse, run.workflow()));
        if (started.status() / 100 != 2) {
            return started;
        }
        Map<String, Object> answer = new LinkedHashMap<>(started.body());
        answer.put("rerunOf", run.runId());
        answer.put("failedOnly", failedOnly);
        answer.put("reusedJobs", reuse.keySet().stream().sorted().toList());
        answer.put("by", key.name());
        return new ApiResponse(started.status(), answer);
    }
}
