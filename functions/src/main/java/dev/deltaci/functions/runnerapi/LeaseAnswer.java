package dev.deltaci.functions.runnerapi;

import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.Lease;
import dev.deltaci.core.pipeline.SecretReferences;
import dev.deltaci.core.pipeline.StepSpec;
import dev.deltaci.functions.artifacts.ArtifactStore;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a lease answer tells the runner: the lease (epoch, expiry, heartbeat interval) and the
 * job (its steps, environment, artifacts to keep, downloads of the jobs it needs with their
 * recorded SHA-256, and the secrets it references, read now and never stored).
 */
final class LeaseAnswer {

    private final JobStore store;
    private final ArtifactStore artifacts;
    private final JobSecrets secrets;
    private final Lease.Policy leasePolicy;

    LeaseAnswer(JobStore store, ArtifactStore artifacts, JobSecrets secrets, Lease.Policy leasePolicy) {
        this.store = store;
        this.artifacts = artifacts;
        this.secrets = secrets;
        this.leasePolicy = leasePolicy;
    }

    /** The whole job, with downloads and secrets. */
    Map<String, Object> job(JobRecord job) {
        Map<String, Object> jobJson = jobJson(job);
        jobJson.put("downloads", downloads(job));
        putSecrets(job, jobJson);
        return jobJson;
    }

    Map<String, Object> lease(JobRecord job) {
        return leaseJson(job);
    }

    /**
     * The secrets the job's steps reference, read now and sent only in this answer (never
     * stored). A pull request from a fork gets none, as on GitHub: its code is not the repository's.
     */
    private void putSecrets(JobRecord job, Map<String, Object> jobJson) {
        Set<String> names = SecretReferences.of(job.spec());
        if (names.isEmpty()) {
            return;
        }
        if (job.fork()) {
            jobJson.put("secrets", Map.of());
            jobJson.put("secretsWithheld", "a pull request from a fork gets no secrets; " + String.join(", ", names)
                    + " are empty");
            return;
        }
        Map<String, String> values = secrets.read(job.repository(), names);
        jobJson.put("secrets", values);
        List<String> missing = names.stream().filter(name -> !values.containsKey(name)).toList();
        if (!missing.isEmpty()) {
            jobJson.put("secretsWithheld", "not defined for " + job.repository() + ": " + String.join(", ", missing)
                    + " (empty)");
        }
    }

    /** Download URLs for the archives of the jobs this one needs that kept files and succeeded. */
    private List<Map<String, Object>> downloads(JobRecord job) {
        if (job.needs().isEmpty()) {
            return List.of();
        }
        List<Map<String, Object>> downloads = new ArrayList<>();
        for (JobRecord need : store.listJobs(job.runId())) {
            if (job.needs().contains(need.jobKey()) && need.state() == JobState.SUCCEEDED
                    && !need.spec().artifacts().isEmpty()) {
                ArtifactStore.SignedUrl url = artifacts.downloadUrl(need.runId(), need.jobKey(), need.leaseEpoch());
                // the runner accepts only the bytes the job's completion recorded
                Map<String, Object> download = new LinkedHashMap<>();
                download.put("job", need.jobKey());
                download.put("name", need.name());
                download.put("url", url.url().toString());
                download.put("sha256", need.artifactSha256());
                downloads.add(download);
            }
        }
        return downloads;
    }

    private Map<String, Object> leaseJson(JobRecord job) {
        Map<String, Object> lease = new LinkedHashMap<>();
        lease.put("epoch", job.leaseEpoch());
        lease.put("expiresAtEpochMs", job.leaseExpiresAtEpochMs());
        lease.put("startedAtEpochMs", job.startedAtEpochMs());
        lease.put("ttlMs", leasePolicy.ttl().toMillis());
        lease.put("heartbeatIntervalMs", leasePolicy.heartbeatInterval().toMillis());
        return lease;
    }

    private static Map<String, Object> jobJson(JobRecord job) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("runId", job.runId());
        spec.put("jobKey", job.jobKey());
        spec.put("name", job.name());
        spec.put("attempt", job.attempt());
        spec.put("cloneUrl", job.cloneUrl());
        spec.put("sha", job.sha());
        spec.put("ref", job.ref());
        spec.put("repository", job.repository());
        spec.put("event", job.event());
        spec.put("env", job.spec().env());
        spec.put("matrix", job.spec().matrix() == null ? Map.of() : job.spec().matrix().values());
        spec.put("timeoutMinutes", job.spec().timeoutMinutes());
        spec.put("steps", job.spec().steps().stream().map(LeaseAnswer::stepJson).toList());
        spec.put("artifacts", job.spec().artifacts());
        spec.put("inputs", job.inputs());
        spec.put("image", job.spec().image());
        return spec;
    }

    private static Map<String, Object> stepJson(StepSpec step) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", step.displayName());
        json.put("checkout", step.isCheckout());
        json.put("run", step.run());
        json.put("shell", step.shell());
        json.put("env", step.env());
        json.put("workingDirectory", step.workingDirectory());
        json.put("timeoutMinutes", step.timeoutMinutes());
        json.put("continueOnError", step.continueOnError());
        json.put("if", step.condition());
        return json;
    }
}
