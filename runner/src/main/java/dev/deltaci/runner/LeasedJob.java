package dev.deltaci.runner;

import dev.deltaci.api.JobTicket;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.api.LeaseTerms;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A job this runner holds the lease on, as the lease answer describes it.
 * {@code completionTakesLastLog}: the control plane stores a last log chunk sent with the
 * completion (false from an older one: every chunk then goes to {@code /runner/logs}).
 */
record LeasedJob(String runId, String jobKey, String name, int attempt, long epoch, long startedAtEpochMs,
                 long heartbeatIntervalMs, long leaseTtlMs, String cloneUrl, String sha, String ref,
                 Map<String, String> env, int timeoutMinutes, List<Step> steps, String repository, String event,
                 Map<String, String> matrix, List<String> artifacts, List<Download> downloads,
                 Map<String, String> inputs, String image, Map<String, String> secrets, String secretsNote,
                 String checkoutToken, Map<String, Object> github, Map<String, Object> needs,
                 Map<String, Object> strategy, Map<String, String> outputs, List<Service> services,
                 boolean completionTakesLastLog) {

    /** A container to start beside the job ({@code services:}); {@code env} values are templates. */
    record Service(String name, String image, Map<String, String> env, List<String> ports, List<String> options) {
    }

    LeasedJob {
        services = services == null ? List.of() : services;
        github = github == null ? Map.of() : github;
        needs = needs == null ? Map.of() : needs;
        strategy = strategy == null ? Map.of() : strategy;
        outputs = outputs == null ? Map.of() : outputs;
    }

    /** A job without the GitHub Actions contexts and outputs, from a control plane of this version. */
    LeasedJob(String runId, String jobKey, String name, int attempt, long epoch, long startedAtEpochMs,
              long heartbeatIntervalMs, long leaseTtlMs, String cloneUrl, String sha, String ref,
              Map<String, String> env, int timeoutMinutes, List<Step> steps, String repository, String event,
              Map<String, String> matrix, List<String> artifacts, List<Download> downloads,
              Map<String, String> inputs, String image, Map<String, String> secrets, String secretsNote,
              String checkoutToken) {
        this(runId, jobKey, name, attempt, epoch, startedAtEpochMs, heartbeatIntervalMs, leaseTtlMs, cloneUrl, sha, ref,
                env, timeoutMinutes, steps, repository, event, matrix, artifacts, downloads, inputs, image, secrets,
                secretsNote, checkoutToken, null, null, null, null, null, true);
    }

    /** Never shows the secrets or the checkout token. */
    @Override
    public String toString() {
        return "LeasedJob[" + runId + "/" + jobKey + " attempt " + attempt + " epoch " + epoch + "]";
    }

    /** Artifacts of a job this one needs: where to download them (a presigned URL). */
    record Download(String jobKey, String name, String url, String sha256) {
    }

    /** A job without artifacts, as tests build them. */
    LeasedJob(String runId, String jobKey, String name, int attempt, long epoch, long startedAtEpochMs,
              long heartbeatIntervalMs, long leaseTtlMs, String cloneUrl, String sha, String ref,
              Map<String, String> env, int timeoutMinutes, List<Step> steps, String repository, String event,
              Map<String, String> matrix) {
        this(runId, jobKey, name, attempt, epoch, startedAtEpochMs, heartbeatIntervalMs, leaseTtlMs, cloneUrl, sha, ref,
                env, timeoutMinutes, steps, repository, event, matrix, List.of(), List.of(), Map.of(), null, Map.of(), null,
                null);
    }

    /** The same job with another environment (after its {@code ${{ }}} values were rendered). */
    LeasedJob withEnv(Map<String, String> renderedEnv) {
        return new LeasedJob(runId, jobKey, name, attempt, epoch, startedAtEpochMs, heartbeatIntervalMs, leaseTtlMs,
                cloneUrl, sha, ref, renderedEnv, timeoutMinutes, steps, repository, event, matrix, artifacts, downloads,
                inputs, image, secrets, secretsNote, checkoutToken, github, needs, strategy, outputs, services,
                completionTakesLastLog);
    }

    /** The {@code delta} context of expressions on this runner. */
    Map<String, Object> deltaContext() {
        Map<String, Object> delta = new LinkedHashMap<>();
        delta.put("sha", sha);
        delta.put("ref", ref);
        delta.put("branch", ref.startsWith("refs/heads/") ? ref.substring("refs/heads/".length()) : "");
        delta.put("event", event);
        delta.put("repository", repository);
        delta.put("run_id", runId);
        delta.put("attempt", (double) attempt);
        delta.put("job", jobKey);
        return delta;
    }

    /**
     * A step as the lease answer gives it: {@code checkout} steps have no command, timeout 0
     * means none, and {@code condition} is its {@code if:} (null: {@code success()}).
     */
    record Step(String name, boolean checkout, String run, String shell, Map<String, String> env,
                String workingDirectory, long timeoutMillis, boolean continueOnError, String condition, String id) {

        Step(String name, boolean checkout, String run, String shell, Map<String, String> env,
             String workingDirectory, long timeoutMillis, boolean continueOnError, String condition) {
            this(name, checkout, run, shell, env, workingDirectory, timeoutMillis, continueOnError, condition, null);
        }

        static Step run(String name, String command) {
            return new Step(name, false, command, "bash", Map.of(), null, 0, false, null);
        }
    }

    static LeasedJob fromLeaseAnswer(LeaseReply.Leased leased) {
        LeaseTerms lease = leased.lease();
        JobTicket job = leased.job();
        List<Step> steps = job.steps().stream().map(s -> new Step(s.name(), s.checkout(), s.run(), s.shell(), s.env(),
                s.workingDirectory(), TimeUnit.MINUTES.toMillis(s.timeoutMinutes()), s.continueOnError(),
                s.condition(), s.id())).toList();
        List<Download> downloads = job.downloads().stream()
                .map(d -> new Download(d.job(), d.name(), d.url(), d.sha256())).toList();
        return new LeasedJob(job.runId(), job.jobKey(), job.name(), job.attempt(), lease.epoch(),
                lease.startedAtEpochMs(), lease.heartbeatIntervalMs(), lease.ttlMs(), job.cloneUrl(), job.sha(),
                job.ref(), job.env(), job.timeoutMinutes(), steps, nonNull(job.repository()), nonNull(job.event()),
                job.matrix(), job.artifacts(), downloads, job.inputs(), job.image(), job.secrets(), job.secretsWithheld(),
                job.checkoutToken(), job.github(), job.needs(), job.strategy(), job.outputs(), job.services().stream()
                .map(s -> new Service(s.name(), s.image(), s.env(), s.ports(), s.options())).toList(),
                lease.completionTakesLastLog());
    }

    private static String nonNull(String value) {
        return value == null ? "" : value;
    }
}
