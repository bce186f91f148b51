package dev.deltaci.functions.run;

import dev.deltaci.api.JobMessage;
import dev.deltaci.core.expr.Scope;
import dev.deltaci.core.job.DagProgress;
import dev.deltaci.core.job.FailureClass;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.core.pipeline.HostedRunners;
import dev.deltaci.core.pipeline.JobSpec;
import dev.deltaci.core.pipeline.MatrixExpansion;
import dev.deltaci.core.pipeline.Pipeline;
import dev.deltaci.core.pipeline.PipelineException;
import dev.deltaci.core.pipeline.PipelineLimits;
import dev.deltaci.core.pipeline.PipelineParser;
import dev.deltaci.core.pipeline.RepositoryFiles;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.queue.JobQueue;
import dev.deltaci.functions.repo.PipelineSource;
import dev.deltaci.functions.store.GateStore;
import dev.deltaci.functions.store.JobPlace;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.RunRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Creates a run from an event (a webhook, a manual request): reads the pipeline at the commit,
 * asks the event's trigger whether it runs, and writes the run and its jobs. Nothing is written
 * before the pipeline is read and the trigger has agreed.
 *
 * <p>Idempotency: the caller derives the run id from the event's id (delivery, request), and
 * the run item is created with a conditional put, so a repeated event finds the run. A run whose
 * creation was cut short (jobs not all written or enqueued) is completed by the repeat; a
 * complete one is left alone.
 */
public final class RunStarter {

    /** What a run is built from, whatever the event; {@code fork}: a pull request from a fork (no secrets). */
    /**
     * What a run builds. {@code cloneUrl} is what runners clone; {@code readCloneUrl} is where the
     * pipeline file is read (for a pull request on GitHub, the base repository: see
     * {@code PullRequestEvent#readCloneUrl}).
     */
    public record RunSource(String trigger, String repository, String cloneUrl, String sha, String ref, boolean fork,
                            String readCloneUrl) {
        public RunSource(String trigger, String repository, String cloneUrl, String sha, String ref, boolean fork) {
            this(trigger, repository, cloneUrl, sha, ref, fork, cloneUrl);
        }

        public RunSource(String trigger, String repository, String cloneUrl, String sha, String ref) {
            this(trigger, repository, cloneUrl, sha, ref, false, cloneUrl);
        }
    }

    /** Whether the pipeline runs on the event: start it (with the run's inputs), or answer this instead. */
    public sealed interface Decision {
        record Start(Map<String, String> inputs) implements Decision {
        }

        record Refuse(ApiResponse response) implements Decision {
        }

        static Decision start() {
            return new Start(Map.of());
        }

        /** The event is valid but the pipeline does not run on it: 202 with the reason. */
        static Decision ignore(String reason) {
            return new Refuse(ignored(reason));
        }
    }

    /**
     * A run that runs another again: {@code of} is that run's id; {@code reuse} holds its jobs that
     * succeeded and are kept as they are (a rerun of failed jobs only), by job key.
     */
    public record Rerun(String of, Map<String, JobRecord> reuse, String workflow) {
        public Rerun {
            reuse = Map.copyOf(reuse);
        }

        public Rerun(String of, Map<String, JobRecord> reuse) {
            this(of, reuse, null);
        }
    }

    /** Where a repository without {@code .delta/pipeline.yml} keeps its GitHub Actions workflows. */
    public static final String WORKFLOWS = ".github/workflows";

    @FunctionalInterface
    public interface TriggerCheck {
        Decision decide(Pipeline pipeline) throws PipelineSource.RepositoryUnavailableException;
    }

    private final JobStore store;
    private final JobQueue queue;
    private final RunProgressor progressor;
    private final PipelineSource pipelines;
    private final PipelineLimits limits;
    private final HostedRunners hosted;
    private final Clock clock;

    public RunStarter(JobStore store, JobQueue queue, RunProgressor progressor, PipelineSource pipelines,
                      PipelineLimits limits, Clock clock) {
        this(store, queue, progressor, pipelines, limits, HostedRunners.DEFAULTS, clock);
    }

    /** @param hosted what GitHub's hosted runner names in {@code runs-on} stand for here */
    public RunStarter(JobStore store, JobQueue queue, RunProgressor progressor, PipelineSource pipelines,
                      PipelineLimits limits, HostedRunners hosted, Clock clock) {
        this.limits = limits;
        this.hosted = hosted;
        this.store = store;
        this.queue = queue;
        this.progressor = progressor;
        this.pipelines = pipelines;
        this.clock = clock;
    }

    /** What a caller's {@code requestId} may be: it names the run a retried request finds again. */
    public static final java.util.regex.Pattern REQUEST_ID = java.util.regex.Pattern.compile("[A-Za-z0-9_.:-]{1,100}");
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /**
     * The id of a run asked for by a request: derived from its {@code requestId} within
     * {@code scope} (a retry finds the same run), or a fresh random one when it gave none.
     */
    public static String requestedRunId(String namespace, String scope, String requestId) {
        if (requestId != null) {
            return runIdFor(namespace, scope + ":" + requestId);
        }
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        return "r-" + HexFormat.of().formatHex(random);
    }

    /** The same event id always maps to the same run id ({@code namespace} keeps event kinds apart). */
    public static String runIdFor(String namespace, String eventId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((namespace + ":" + eventId).getBytes(StandardCharsets.UTF_8));
            return "r-" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public PipelineSource pipelines() {
        return pipelines;
    }

    public ApiResponse start(String runId, RunSource source, TriggerCheck check) {
        return start(runId, source, check, null);
    }

    /**
     * {@link #start(String, RunSource, TriggerCheck)} for a rerun (null: not one). The commit's
     * {@code .delta/pipeline.yml} makes one run, {@code runId}; without it, each of its
     * {@code .github/workflows/*.yml} that runs on the event makes a run of its own, its id derived
     * from {@code runId} and the file (a redelivered event finds them all again), and the answer
     * lists them. A rerun reads the file its run came from.
     */
    public ApiResponse start(String runId, RunSource source, TriggerCheck check, Rerun rerun) {
        try {
            if (rerun != null && rerun.workflow() != null) {
                return startOne(runId, source, check, rerun, rerun.workflow(), read(source, rerun.workflow()), false);
            }
            Optional<String> pipeline = read(source, PipelineParser.DEFAULT_PATH);
            List<String> workflows = pipeline.isPresent() || rerun != null ? List.of()
                    : pipelines.list(source.readCloneUrl(), source.sha(), WORKFLOWS).stream()
                    .filter(file -> file.endsWith(".yml") || file.endsWith(".yaml")).toList();
            if (workflows.isEmpty()) {
                return startOne(runId, source, check, rerun, PipelineParser.DEFAULT_PATH, pipeline, false);
            }
            List<Map<String, Object>> started = new ArrayList<>();
            List<String> ignored = new ArrayList<>();
            for (String workflow : workflows) {
                ApiResponse answer = startOne(runIdFor("workflow", runId + ":" + workflow), source, check, null, workflow,
                        read(source, workflow), true);
                if (answer.status() == 202) {
                    ignored.add(workflow + ": " + answer.body().get("ignored"));
                } else if (answer.status() >= 400) {
                    return answer; // a store failure: the caller keeps the event, and a retry finds what was started
                } else {
                    Map<String, Object> run = new java.util.LinkedHashMap<>(answer.body());
                    run.put("workflow", workflow);
                    started.add(run);
                }
            }
            if (started.isEmpty()) {
                return ignored("no workflow runs on this event (" + String.join("; ", ignored) + ")");
            }
            // the first run's id stays the answer's runId, for callers that start one run and follow it
            return ApiResponse.of(started.stream().anyMatch(r -> !Boolean.TRUE.equals(r.get("duplicate"))) ? 201 : 200,
                    "runId", started.get(0).get("runId"), "runs", started, "ignored", ignored);
        } catch (PipelineSource.RepositoryUnavailableException e) {
            return unreadable(e); // nothing written; the caller keeps the event to try again
        }
    }

    private Optional<String> read(RunSource source, String file) throws PipelineSource.RepositoryUnavailableException {
        return pipelines.read(source.readCloneUrl(), source.sha(), file);
    }

    /** A file the pipeline uses from its repository (a composite action, a reusable workflow), for the parser. */
    private Optional<String> readForParser(RunSource source, String file) {
        try {
            return read(source, file);
        } catch (PipelineSource.RepositoryUnavailableException e) {
            throw new RepositoryFiles.Unreadable(e.getMessage());
        }
    }

    /**
     * One run of one file. {@code workflowOnly}: the file is one of several workflows, and one that
     * Delta cannot run on any event it receives ({@code on: workflow_call}, {@code on: issues}) is
     * passed over, as GitHub passes over a workflow that does not run on the event.
     */
    private ApiResponse startOne(String runId, RunSource source, TriggerCheck check, Rerun rerun, String file,
                                 Optional<String> yaml, boolean workflowOnly) {
        // no read first: the run's conditional put answers a repeated event with the run it made
        // (one request fewer per run; a repeat reads the pipeline again, which changes nothing)
        Pipeline pipeline;
        String configError = null;
        try {
            if (yaml.isEmpty()) {
                configError = file + ": no such file at commit " + source.sha()
                        + (file.equals(PipelineParser.DEFAULT_PATH) ? " (nor any " + WORKFLOWS + "/*.yml)" : "");
                pipeline = null;
            } else {
                pipeline = PipelineParser.parse(file, yaml.get(), new PipelineParser.Settings(limits, hosted,
                        path -> readForParser(source, path)));
            }
        } catch (RepositoryFiles.Unreadable e) {
            return unreadable(new PipelineSource.RepositoryUnavailableException(e.getMessage()));
        } catch (PipelineException e) {
            if (workflowOnly && e.problems().stream().anyMatch(p -> p.message().startsWith(PipelineParser.NO_DELTA_EVENT))) {
                // nothing Delta receives runs it: its other problems are for when it does
                return ignored("runs on no event Delta CI receives");
            }
            configError = e.getMessage();
            pipeline = null;
        }

        Map<String, String> inputs = Map.of();
        if (pipeline != null) {
            Decision decision;
            try {
                decision = check.decide(pipeline);
            } catch (PipelineSource.RepositoryUnavailableException e) {
                return unreadable(e);
            }
            if (decision instanceof Decision.Refuse refuse) {
                return refuse.response();
            }
            inputs = ((Decision.Start) decision).inputs();
        }
        Map<String, JobSpec> jobs = pipeline == null ? Map.of() : MatrixExpansion.expand(pipeline);
        long now = clock.millis();
        RunRecord run = configError != null
                ? new RunRecord(runId, source.repository(), source.cloneUrl(), source.sha(), source.ref(), source.trigger(),
                        RunState.FAILED, FailureClass.CONFIG_ERROR.wireName(), configError, 0, true, now, now, null,
                        null, false, Map.of(), source.fork(), rerun == null ? null : rerun.of(), workflowOf(file))
                : new RunRecord(runId, source.repository(), source.cloneUrl(), source.sha(), source.ref(), source.trigger(),
                        RunState.PENDING, null, null, jobs.size(), false, now, now, null, null, false, inputs,
                        source.fork(), rerun == null ? null : rerun.of(), workflowOf(file));
        if (pipeline != null && pipeline.concurrency() != null) {
            // the group is rendered for this run (e.g. deploy-${{ delta.branch }})
            Scope scope = new Scope(RunProgressor.contexts(run), true, false, false);
            run = run.withGroup(GateStore.gateId(run.repository(), pipeline.concurrency().render(scope)),
                    pipeline.concurrency().cancelInProgress());
        }
        Optional<RunRecord> raced = store.createRunIfAbsent(run);
        if (raced.isPresent() && (raced.get().materialized()
                || store.listJobs(runId).size() >= raced.get().jobCount())) {
            // a repeat: its run was started (marked so once a job was leased, or with every job written)
            return duplicate(raced.get());
        }
        if (configError != null) {
            progressor.listener().jobsChanged(runId); // GitHub shows why nothing runs
            return ApiResponse.of(201, "runId", runId, "status", RunState.FAILED.name(),
                    "failureClass", FailureClass.CONFIG_ERROR.wireName(), "message", configError);
        }
        try {
            writeJobs(run, jobs, rerun == null ? Map.of() : rerun.reuse());
        } catch (RuntimeException e) {
            // the run item exists: it must not stay PENDING with half its jobs. It ends FAILED with the
            // reason; a redelivery of the same event then finds it finished
            String reason = "could not write the run's jobs (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")";
            try {
                store.failUnstartedRun(runId, FailureClass.INFRA_ERROR.wireName(), reason);
            } catch (RuntimeException alsoFailed) {
                e.addSuppressed(alsoFailed); // the store is down altogether: the first failure is the one to report
            }
            throw e;
        }
        // not marked materialized here (a write per run): the first lease of a root job marks it
        // (JobStore.markStarted), and the sweeper finishes a start nobody leased from (finishAbandonedStarts)
        return ApiResponse.of(201, "runId", runId, "status", RunState.PENDING.name(), "jobs", jobs.size());
    }

    private void writeJobs(RunRecord run, Map<String, JobSpec> jobs, Map<String, JobRecord> reuse) {
        List<JobMessage> toEnqueue = new ArrayList<>();
        Map<String, Integer> startedInGroup = new HashMap<>();
        Set<String> needed = new HashSet<>();
        jobs.values().forEach(job -> needed.addAll(job.needs()));
        // A start that leaves jobs for the progressor to decide (reused jobs' dependants, roots with an
        // if: or a concurrency group) gives no job a tally-only end: should the function die before that
        // advance, the next job to end advances the run and decides them, as it always did
        boolean startAdvances = !reuse.isEmpty() || jobs.values().stream().anyMatch(job -> job.needs().isEmpty()
                && (job.condition() != null || job.concurrency() != null || run.concurrencyGroup() != null));
        boolean startMarker = false; // one job's lease marks the run started: the first that needs none
        for (JobSpec job : jobs.values()) {
            if (reuse.containsKey(job.key())) {
                store.createReusedJobIfAbsent(run, job, reuse.get(job.key())); // its dependants: the advance below
                continue;
            }
            JobState initial = DagProgress.initialState(job.needs(), job.condition());
            if (initial == JobState.QUEUED && (run.concurrencyGroup() != null || job.concurrency() != null)) {
                initial = JobState.BLOCKED; // the progressor queues it once it holds its concurrency group
            }
            if (initial == JobState.QUEUED && job.matrix() != null && job.matrix().maxParallel() > 0
                    && startedInGroup.merge(job.matrix().group(), 1, Integer::sum) > job.matrix().maxParallel()) {
                initial = JobState.BLOCKED; // max-parallel: queued when a sibling finishes
            }
            boolean endsAlone = !startAdvances && !needed.contains(job.key()) && job.concurrency() == null
                    && (job.matrix() == null || job.matrix().maxParallel() == 0);
            boolean marksStart = job.needs().isEmpty() && !startMarker;
            startMarker |= marksStart;
            store.createJobIfAbsent(run, job, initial, new JobPlace(run.jobCount(), endsAlone, marksStart));
            if (initial == JobState.QUEUED) {
                toEnqueue.add(new JobMessage(run.runId(), job.key(), 0, job.labels()));
            }
        }
        queue.enqueue(toEnqueue);
        if (startAdvances) {
            // reused jobs' dependants, and jobs that need nothing but have an if: or a concurrency group
            progressor.advance(run.runId());
        }
        progressor.listener().jobsChanged(run.runId()); // its jobs exist: GitHub shows them queued
    }

    /** The answer when the repository could not be read now (GitHub down, rate-limited): 503, marked so. */
    /** The event is valid, and nothing runs on it: 202 with the reason. */
    static ApiResponse ignored(String reason) {
        return ApiResponse.of(202, "ignored", reason);
    }

    private static String workflowOf(String file) {
        return file.equals(PipelineParser.DEFAULT_PATH) ? null : file;
    }

    static ApiResponse unreadable(PipelineSource.RepositoryUnavailableException e) {
        return ApiResponse.of(503, "error", "cannot read the repository: " + e.getMessage(), UNREADABLE, true);
    }

    /** Whether {@link #start} wrote nothing because the repository could not be read, which trying later can mend. */
    public static boolean unreadable(ApiResponse answer) {
        return answer.status() == 503 && Boolean.TRUE.equals(answer.body().get(UNREADABLE));
    }

    private static final String UNREADABLE = "repositoryUnreadable";

    private static ApiResponse duplicate(RunRecord run) {
        return ApiResponse.of(200, "runId", run.runId(), "status", run.status().name(), "duplicate", true);
    }
}
