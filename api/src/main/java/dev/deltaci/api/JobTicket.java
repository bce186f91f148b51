package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The job a lease answer hands over: what to check out, the steps, environment and matrix
 * values, paths to keep ({@code artifacts}), the archives of the jobs it needs ({@code downloads}),
 * and the secrets its steps reference, read for this answer and never stored. {@code secretsWithheld}
 * says which secrets are empty and why (a fork's pull request, not defined). {@code checkoutToken},
 * when set, is a short-lived GitHub App token that may only read the job's repository: the
 * runner sends it to git as an HTTP header for the clone, and nowhere else. {@code github} and
 * {@code needs} are the job's expression contexts of those names (the run's event; the result and
 * outputs of each job it needs), {@code strategy} its matrix's, and {@code outputs} its
 * {@code outputs:} templates, which the runner renders when the job ends and completes with.
 */
public record JobTicket(String runId, String jobKey, String name, int attempt, String cloneUrl, String sha, String ref,
                        String repository, String event, Map<String, String> env, Map<String, String> matrix,
                        int timeoutMinutes, List<Step> steps, List<String> artifacts, Map<String, String> inputs,
                        String image, List<Download> downloads, Map<String, String> secrets, String secretsWithheld,
                        String checkoutToken, Map<String, Object> github, Map<String, Object> needs,
                        Map<String, Object> strategy, Map<String, String> outputs, List<Service> services) {

    @Override
    public String toString() {
        return "JobTicket[" + runId + "/" + jobKey + ", attempt " + attempt + (checkoutToken == null ? "" : ", checkout token <hidden>")
                + "]";
    }

    public JobTicket {
        env = env == null ? Map.of() : env;
        matrix = matrix == null ? Map.of() : matrix;
        steps = steps == null ? List.of() : steps;
        artifacts = artifacts == null ? List.of() : artifacts;
        inputs = inputs == null ? Map.of() : inputs;
        downloads = downloads == null ? List.of() : downloads;
        secrets = secrets == null ? Map.of() : secrets;
        github = github == null ? Map.of() : github;
        needs = needs == null ? Map.of() : needs;
        strategy = strategy == null ? Map.of() : strategy;
        outputs = outputs == null ? Map.of() : outputs;
        services = services == null ? List.of() : services;
    }

    /** A container the runner starts beside the job ({@code services:}); {@code env} values are templates. */
    public record Service(String name, String image, Map<String, String> env, List<String> ports, List<String> options) {
        public Service {
            env = env == null ? Map.of() : env;
            ports = ports == null ? List.of() : ports;
            options = options == null ? List.of() : options;
        }
    }

    /** A ticket without the GitHub Actions contexts and outputs, as older control planes send it. */
    public JobTicket(String runId, String jobKey, String name, int attempt, String cloneUrl, String sha, String ref,
                     String repository, String event, Map<String, String> env, Map<String, String> matrix,
                     int timeoutMinutes, List<Step> steps, List<String> artifacts, Map<String, String> inputs,
                     String image, List<Download> downloads, Map<String, String> secrets, String secretsWithheld,
                     String checkoutToken) {
        this(runId, jobKey, name, attempt, cloneUrl, sha, ref, repository, event, env, matrix, timeoutMinutes, steps,
                artifacts, inputs, image, downloads, secrets, secretsWithheld, checkoutToken, null, null, null, null, null);
    }

    /**
     * A step: {@code checkout} steps have no command; {@code timeoutMinutes} 0 means none;
     * {@code condition} is its {@code if:} (null: {@code success()}); {@code id}: its name for later
     * steps' {@code steps.<id>}, or null.
     */
    public record Step(String name, boolean checkout, String run, String shell, Map<String, String> env,
                       String workingDirectory, int timeoutMinutes, boolean continueOnError,
                       @JsonProperty("if") String condition, String id) {
        public Step {
            env = env == null ? Map.of() : env;
            shell = shell == null ? "bash" : shell;
        }

        public Step(String name, boolean checkout, String run, String shell, Map<String, String> env,
                    String workingDirectory, int timeoutMinutes, boolean continueOnError, String condition) {
            this(name, checkout, run, shell, env, workingDirectory, timeoutMinutes, continueOnError, condition, null);
        }
    }

    /** The archive of a job this one needs: a presigned URL and the SHA-256 that job completed with. */
    public record Download(String job, String name, String url, String sha256) {
    }
}
