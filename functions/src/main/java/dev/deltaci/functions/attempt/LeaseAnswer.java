package dev.deltaci.functions.attempt;

import dev.deltaci.api.JobTicket;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.api.LeaseTerms;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.Lease;
import dev.deltaci.core.pipeline.JobSpec;
import dev.deltaci.core.pipeline.SecretReferences;
import dev.deltaci.core.pipeline.StepSpec;
import dev.deltaci.functions.artifacts.ArtifactStore;
import dev.deltaci.functions.security.JobSecrets;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import java.util.ArrayList;
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

    /** The lease as granted and the whole job, with downloads and secrets. */
    LeaseReply.Leased leased(JobRecord job) {
        LeaseTerms lease = new LeaseTerms(job.lease().epoch(), job.lease().expiresAtEpochMs(), job.times().startedAtEpochMs(),
                leasePolicy.ttl().toMillis(), leasePolicy.heartbeatInterval().toMillis());
        Secrets given = secrets(job);
        JobSpec spec = job.spec();
        JobTicket ticket = new JobTicket(job.runId(), job.jobKey(), job.name(), job.attempts().current(), job.source().cloneUrl(),
                job.source().sha(), job.source().ref(), job.source().repository(), job.source().event(), spec.env(),
                spec.matrix() == null ? Map.of() : spec.matrix().values(), spec.timeoutMinutes(),
                spec.steps().stream().map(LeaseAnswer::step).toList(), spec.artifacts(), job.source().inputs(), spec.image(),
                downloads(job), given.values(), given.withheld());
        return new LeaseReply.Leased(lease, ticket);
    }

    private record Secrets(Map<String, String> values, String withheld) {
    }

    /**
     * The secrets the job's steps reference, read now and sent only in this answer (never
     * stored). A pull request from a fork gets none, as on GitHub: its code is not the repository's.
     */
    private Secrets secrets(JobRecord job) {
        Set<String> names = SecretReferences.of(job.spec());
        if (names.isEmpty()) {
            return new Secrets(Map.of(), null);
        }
        if (job.source().fork()) {
            return new Secrets(Map.of(), "a pull request from a fork gets no secrets; " + String.join(", ", names)
                    + " are empty");
        }
        Map<String, String> values = secrets.read(job.source().repository(), names);
        List<String> missing = names.stream().filter(name -> !values.containsKey(name)).toList();
        return new Secrets(values, missing.isEmpty() ? null
                : "not defined for " + job.source().repository() + ": " + String.join(", ", missing) + " (empty)");
    }

    /** Download URLs for the archives of the jobs this one needs that kept files and succeeded. */
    private List<JobTicket.Download> downloads(JobRecord job) {
        if (job.needs().isEmpty()) {
            return List.of();
        }
        List<JobTicket.Download> downloads = new ArrayList<>();
        for (JobRecord need : store.listJobs(job.runId())) {
            if (job.needs().contains(need.jobKey()) && need.state() == JobState.SUCCEEDED
                    && !need.spec().artifacts().isEmpty()) {
                ArtifactStore.SignedUrl url = artifacts.downloadUrl(need.runId(), need.jobKey(), need.lease().epoch());
                // the runner accepts only the bytes the job's completion recorded
                downloads.add(new JobTicket.Download(need.jobKey(), need.name(), url.url().toString(),
                        need.outcome().artifactSha256()));
            }
        }
        return downloads;
    }

    private static JobTicket.Step step(StepSpec step) {
        return new JobTicket.Step(step.displayName(), step.isCheckout(), step.run(), step.shell(), step.env(),
                step.workingDirectory(), step.timeoutMinutes(), step.continueOnError(), step.condition());
    }
}
