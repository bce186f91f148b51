package dev.deltaci.functions.attempt;

import dev.deltaci.api.JobTicket;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.api.LeaseTerms;
import dev.deltaci.core.expr.GitHubContext;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.NeedsContext;
import dev.deltaci.core.job.Lease;
import dev.deltaci.core.pipeline.JobSpec;
import dev.deltaci.core.pipeline.MatrixInstance;
import dev.deltaci.core.pipeline.SecretReferences;
import dev.deltaci.core.pipeline.StepSpec;
import dev.deltaci.functions.artifacts.ArtifactStore;
import dev.deltaci.functions.github.GitHubApp;
import dev.deltaci.functions.github.GitHubException;
import dev.deltaci.functions.repo.GitHubPipelineSource;
import dev.deltaci.functions.security.JobSecrets;
import dev.deltaci.functions.security.RunnerAuth;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a lease answer tells the runner: the lease (epoch, expiry, heartbeat interval) and the
 * job (its steps, environment, artifacts to keep, downloads of the jobs it needs with their
 * recorded SHA-256, and the secrets it references, read now and never stored). As a GitHub App,
 * also a token to clone a GitHub repository with that can only read that repository.
 */
final class LeaseAnswer {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseAnswer.class);

    private final JobStore store;
    private final ArtifactStore artifacts;
    private final JobSecrets secrets;
    private final Lease.Policy leasePolicy;
    /** Null when this deployment is not a GitHub App. */
    private final GitHubApp github;
    private final RunnerAuth auth;

    LeaseAnswer(JobStore store, ArtifactStore artifacts, JobSecrets secrets, Lease.Policy leasePolicy, GitHubApp github,
                RunnerAuth auth) {
        this.auth = auth;
        this.store = store;
        this.artifacts = artifacts;
        this.secrets = secrets;
        this.leasePolicy = leasePolicy;
        this.github = github;
    }

    /** The lease as granted and the whole job, with downloads and secrets. */
    LeaseReply.Leased leased(JobRecord job) {
        LeaseTerms lease = new LeaseTerms(job.lease().epoch(), job.lease().expiresAtEpochMs(), job.times().startedAtEpochMs(),
                leasePolicy.ttl().toMillis(), leasePolicy.heartbeatInterval().toMillis(), auth.attemptToken(
                job.lease().owner(), job.runId(), job.jobKey(), job.lease().epoch(), job.lease().expiresAtEpochMs()),
                true);
        Secrets given = secrets(job);
        JobSpec spec = job.spec();
        List<JobRecord> needed = job.needs().isEmpty() ? List.of()
                : store.listJobs(job.runId()).stream().filter(j -> job.needs().contains(j.jobKey())).toList();
        String written = spec.matrix() == null ? job.jobKey() : spec.matrix().group();
        JobTicket ticket = new JobTicket(job.runId(), job.jobKey(), job.name(), job.attempts().current(), job.source().cloneUrl(),
                job.source().sha(), job.source().ref(), job.source().repository(), job.source().event(), spec.env(),
                spec.matrix() == null ? Map.of() : spec.matrix().values(), spec.timeoutMinutes(),
                spec.steps().stream().map(LeaseAnswer::step).toList(), spec.artifacts(), job.source().inputs(), spec.image(),
                downloads(job, needed), given.values(), given.withheld(), checkoutToken(job),
                GitHubContext.of(job.source().repository(), job.source().sha(), job.source().ref(), job.source().event(),
                        job.runId(), job.attempts().current(), written, job.source().inputs()),
                needsContext(needed, spec), strategy(job), spec.outputs(), spec.services().stream()
                .map(s -> new JobTicket.Service(s.name(), s.image(), s.env(), s.ports(), s.options())).toList());
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

    /**
     * A token to clone the job's repository with, limited to reading its contents: only for a
     * clone of the run's own repository on GitHub (a fork's pull request clones the fork, which
     * needs none and gets none). Without one (GitHub unreachable now) the clone of a public
     * repository still works; a private one fails as an infrastructure error and is retried.
     */
    private String checkoutToken(JobRecord job) {
        if (github == null) {
            return null;
        }
        Optional<String> cloned = GitHubPipelineSource.repositoryOf(job.source().cloneUrl());
        String repository = job.source().repository();
        if (cloned.isEmpty() || !cloned.get().equalsIgnoreCase(repository) || repository.indexOf('/') < 0) {
            return null;
        }
        try {
            long installation = github.tokens().installationOf(repository);
            return github.tokens().forRepository(installation, repository.substring(repository.indexOf('/') + 1),
                    Map.of("contents", "read")).value();
        } catch (GitHubException e) {
            LOG.warn("no checkout token for {}: {}", repository, e.getMessage());
            return null;
        }
    }

    /** {@code needs.<job>.result} and {@code .outputs} of each job this one needs, by the name it was written with. */
    private static Map<String, Object> needsContext(List<JobRecord> needed, JobSpec consumer) {
        return NeedsContext.of(needed.stream().map(need -> new NeedsContext.Need(need.spec().matrix() == null
                ? need.jobKey() : need.spec().matrix().group(), need.state(), need.outcome().outputs(),
                need.spec().call())).toList(), consumer.call());
    }

    /** {@code strategy.*} of a matrix instance: its place among its siblings ({@code job-index} from 0), fail-fast, max-parallel. */
    private static Map<String, Object> strategy(JobRecord job) {
        MatrixInstance matrix = job.spec().matrix();
        if (matrix == null) {
            return Map.of("fail-fast", true, "job-index", 0.0, "job-total", 1.0, "max-parallel", 1.0);
        }
        String suffix = job.jobKey().substring(job.jobKey().lastIndexOf('.') + 1);
        double index = suffix.matches("\\d{1,4}") ? Integer.parseInt(suffix) - 1 : 0;
        return Map.of("fail-fast", matrix.failFast(), "job-index", index, "max-parallel", (double) matrix.maxParallel());
    }

    /** Download URLs for the archives of the jobs this one needs that kept files and succeeded. */
    private List<JobTicket.Download> downloads(JobRecord job, List<JobRecord> needed) {
        List<JobTicket.Download> downloads = new ArrayList<>();
        for (JobRecord need : needed) {
            if (need.state() == JobState.SUCCEEDED
                    && !need.spec().artifacts().isEmpty()) {
                // a rerun's reused job kept the archive of the run it succeeded in
                String archiveRun = need.outcome().reusedFromRunId() != null ? need.outcome().reusedFromRunId() : need.runId();
                ArtifactStore.SignedUrl url = artifacts.downloadUrl(archiveRun, need.jobKey(), need.lease().epoch());
                // the runner accepts only the bytes the job's completion recorded
                downloads.add(new JobTicket.Download(need.jobKey(), need.name(), url.url().toString(),
                        need.outcome().artifactSha256()));
            }
        }
        return downloads;
    }

    private static JobTicket.Step step(StepSpec step) {
        return new JobTicket.Step(step.displayName(), step.isCheckout(), step.run(), step.shell(), step.env(),
                step.workingDirectory(), step.timeoutMinutes(), step.continueOnError(), step.condition(), step.id());
    }
}
