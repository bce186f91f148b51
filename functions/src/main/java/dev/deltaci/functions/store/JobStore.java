package dev.deltaci.functions.store;

import static dev.deltaci.functions.store.Items.jobKey;
import static dev.deltaci.functions.store.Items.n;
import static dev.deltaci.functions.store.Items.putIfPresent;
import static dev.deltaci.functions.store.Items.runKey;
import static dev.deltaci.functions.store.Items.runPk;
import static dev.deltaci.functions.store.Items.s;
import static dev.deltaci.functions.store.Items.toJob;
import static dev.deltaci.functions.store.Items.toJson;
import static dev.deltaci.functions.store.Items.toRun;

import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.JobTransitions;
import dev.deltaci.core.job.Lease;
import dev.deltaci.core.job.RunState;
import dev.deltaci.core.pipeline.JobSpec;
import dev.deltaci.core.pipeline.RunnerLabels;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The DynamoDB adapter: the only code that knows item shapes. Every state change is a single
 * conditional write whose condition comes from {@link Conditions}; no transaction is needed
 * (dynalite has none, and single-item writes are cheaper on DynamoDB too).
 *
 * <p>Layout: a run and its jobs share a partition ({@code pk = RUN#id}), so one query reads a
 * whole run. Running jobs carry {@code leaseShard}, which puts them in the sparse
 * {@code ByLeaseExpiry} index that the sweeper reads.
 */
public final class JobStore {

    public static final String LEASE_INDEX = "ByLeaseExpiry";
    public static final String QUEUE_INDEX = "ByEnqueuedAt";
    /** One shard each is plenty until thousands of jobs are live at once; the keys leave room for more. */
    static final String LEASE_SHARD = "lease#0";
    static final String QUEUE_SHARD = "queued#0";
    /**
     * The {@link #QUEUE_INDEX} partition of runs whose start (writing their jobs) has not
     * finished: a run is in it from creation until materialized, so the sweeper can find one a
     * function left half done without a scan (and with no index of its own to deploy).
     */
    static final String START_SHARD = "starting#0";

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public JobStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    // --- runs -----------------------------------------------------------------------------------

    /** Creates the run item unless it exists; returns the existing one if it does. */
    public Optional<RunRecord> createRunIfAbsent(RunRecord run) {
        Map<String, AttributeValue> item = new HashMap<>(runKey(run.runId()));
        item.put("type", s("run"));
        item.put("runId", s(run.runId()));
        item.put("repository", s(run.repository()));
        item.put("cloneUrl", s(run.cloneUrl()));
        item.put("sha", s(run.sha()));
        item.put("ref", s(run.ref()));
        item.put("trigger", s(run.trigger()));
        item.put("status", s(run.status().name()));
        putIfPresent(item, "failureClass", run.failureClass());
        putIfPresent(item, "message", run.message());
        putIfPresent(item, "concurrencyGroup", run.concurrencyGroup());
        if (!run.inputs().isEmpty()) {
            item.put("inputs", Items.stringMap(run.inputs()));
        }
        if (run.fork()) {
            item.put("fork", AttributeValue.fromBool(true)); // a pull request from a fork: no secrets
        }
        if (run.cancelInProgress()) {
            item.put("cancelInProgress", AttributeValue.fromBool(true));
        }
        item.put("jobCount", n(run.jobCount()));
        item.put("materialized", AttributeValue.fromBool(run.materialized()));
        if (!run.materialized()) {
            item.put("queueShard", s(START_SHARD));
            item.put("enqueuedAtEpochMs", n(run.createdAtEpochMs()));
        }
        item.put("createdAtEpochMs", n(run.createdAtEpochMs()));
        item.put("updatedAtEpochMs", n(run.createdAtEpochMs()));
        try {
            dynamo.putItem(PutItemRequest.builder().tableName(table).item(item)
                    .conditionExpression(Conditions.ITEM_ABSENT)
                    .expressionAttributeNames(Map.of("#pk", "pk"))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .build());
            return Optional.empty();
        } catch (ConditionalCheckFailedException e) {
            return Optional.of(e.hasItem() && !e.item().isEmpty() ? toRun(e.item())
                    : getRun(run.runId()).orElseThrow(() -> e));
        }
    }

    public Optional<RunRecord> getRun(String runId) {
        Map<String, AttributeValue> item = dynamo.getItem(GetItemRequest.builder().tableName(table)
                .key(runKey(runId)).consistentRead(true).build()).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toRun(item));
    }

    public void markMaterialized(String runId) {
        dynamo.updateItem(UpdateItemRequest.builder().tableName(table).key(runKey(runId))
                .updateExpression(Conditions.MATERIALIZED_UPDATE)
                .expressionAttributeNames(Map.of("#materialized", "materialized", "#queueShard", "queueShard"))
                .expressionAttributeValues(Map.of(":true", AttributeValue.fromBool(true)))
                .build());
    }

    /**
     * PENDING → FAILED for a run whose jobs could not all be written, with the reason; marked
     * materialized, so that a redelivery of its event finds it finished instead of writing again.
     * False if the run had already moved on.
     */
    public boolean failUnstartedRun(String runId, String failureClass, String reason) {
        return Items.applied(dynamo, UpdateItemRequest.builder().tableName(table).key(runKey(runId))
                .conditionExpression(Conditions.RUN_PENDING)
                .updateExpression(Conditions.RUN_FAIL_UNSTARTED_UPDATE)
                .expressionAttributeNames(Map.of("#status", "status", "#failureClass", "failureClass",
                        "#message", "message", "#materialized", "materialized", "#updatedAtEpochMs", "updatedAtEpochMs",
                        "#queueShard", "queueShard"))
                .expressionAttributeValues(Map.of(":pending", s(RunState.PENDING.name()),
                        ":failed", s(RunState.FAILED.name()), ":failureClass", s(failureClass), ":message", s(reason),
                        ":true", AttributeValue.fromBool(true), ":now", n(clock.millis())))
                .build());
    }

    /** Stores the run's derived status unless it is already that or the run has finished. */
    public boolean updateRunStatus(String runId, RunState status) {
        return Items.applied(dynamo, UpdateItemRequest.builder().tableName(table).key(runKey(runId))
                .conditionExpression(Conditions.RUN_STATUS_CHANGES)
                .updateExpression(Conditions.RUN_STATUS_UPDATE)
                .expressionAttributeNames(Map.of("#status", "status", "#updatedAtEpochMs", "updatedAtEpochMs"))
                .expressionAttributeValues(Map.of(":status", s(status.name()),
                        ":pending", s(RunState.PENDING.name()), ":running", s(RunState.RUNNING.name()),
                        ":now", n(clock.millis())))
                .build());
    }

    // --- jobs -----------------------------------------------------------------------------------

    /** Writes a job unless it exists (a repeated webhook re-runs this safely). */
    public void createJobIfAbsent(RunRecord run, JobSpec spec, JobState initialState) {
        long now = clock.millis();
        Map<String, AttributeValue> item = new HashMap<>(jobKey(run.runId(), spec.key()));
        item.put("type", s("job"));
        item.put("runId", s(run.runId()));
        item.put("jobKey", s(spec.key()));
        item.put("name", s(spec.name()));
        item.put("state", s(initialState.name()));
        item.put("needs", AttributeValue.fromL(spec.needs().stream().map(Items::s).toList()));
        item.put("spec", s(toJson(spec)));
        item.put("cloneUrl", s(run.cloneUrl()));
        item.put("sha", s(run.sha()));
        item.put("ref", s(run.ref()));
        item.put("repository", s(run.repository()));
        item.put("event", s(run.trigger()));
        if (!run.inputs().isEmpty()) {
            item.put("inputs", Items.stringMap(run.inputs()));
        }
        if (run.fork()) {
            item.put("fork", AttributeValue.fromBool(true)); // a pull request from a fork: no secrets
        }
        item.put("attempt", n(1));
        item.put("leaseEpoch", n(0));
        item.put("createdAtEpochMs", n(now));
        if (!spec.labels().isEmpty()) {
            item.put("labelsKey", s(RunnerLabels.key(spec.labels()))); // matched by the lease condition
        }
        if (initialState == JobState.QUEUED) {
            item.put("queuedAtEpochMs", n(now));
            item.put("enqueuedAtEpochMs", n(now));
            item.put("queueShard", s(QUEUE_SHARD));
        }
        try {
            dynamo.putItem(PutItemRequest.builder().tableName(table).item(item)
                    .conditionExpression(Conditions.ITEM_ABSENT)
                    .expressionAttributeNames(Map.of("#pk", "pk"))
                    .build());
        } catch (ConditionalCheckFailedException e) {
            // already written by an earlier delivery of the same webhook
        }
    }

    public Optional<JobRecord> getJob(String runId, String jobKey) {
        Map<String, AttributeValue> item = dynamo.getItem(GetItemRequest.builder().tableName(table)
                .key(jobKey(runId, jobKey)).consistentRead(true).build()).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toJob(item));
    }

    /** All jobs of a run, in one consistent query of its partition. */
    public List<JobRecord> listJobs(String runId) {
        return readRun(runId).map(RunSnapshot::jobs).orElse(List.of());
    }

    /** The run item and all its jobs, in one consistent query of the run's partition. */
    public Optional<RunSnapshot> readRun(String runId) {
        RunRecord run = null;
        List<JobRecord> jobs = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse page = dynamo.query(QueryRequest.builder().tableName(table).consistentRead(true)
                    .keyConditionExpression("#pk = :pk")
                    .expressionAttributeNames(Map.of("#pk", "pk"))
                    .expressionAttributeValues(Map.of(":pk", s(runPk(runId))))
                    .exclusiveStartKey(start)
                    .build());
            for (Map<String, AttributeValue> item : page.items()) {
                if ("RUN".equals(item.get("sk").s())) {
                    run = toRun(item);
                } else {
                    jobs.add(toJob(item));
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return run == null ? Optional.empty() : Optional.of(new RunSnapshot(run, jobs));
    }

    /**
     * Takes the lease on a QUEUED job whose epoch is {@code expectedEpoch}. Of any number of
     * concurrent callers at most one succeeds. A caller whose earlier identical request was
     * applied but whose response was lost gets {@code Acquired} again, not a conflict.
     */
    public LeaseOutcome lease(String runId, String jobKey, String runnerId, long expectedEpoch, Lease.Policy policy) {
        return lease(runId, jobKey, runnerId, List.of(), expectedEpoch, policy);
    }

    /** As {@link #lease(String, String, String, long, Lease.Policy)}, by a runner with these labels. */
    public LeaseOutcome lease(String runId, String jobKey, String runnerId, List<String> runnerLabels,
                              long expectedEpoch, Lease.Policy policy) {
        UpdateItemRequest request = leaseRequest(runId, jobKey, runnerId, runnerLabels, expectedEpoch, policy);
        try {
            return new LeaseOutcome.Acquired(toJob(dynamo.updateItem(request).attributes()));
        } catch (ConditionalCheckFailedException e) {
            Optional<JobRecord> current = currentOf(e, runId, jobKey);
            if (current.isEmpty()) {
                return new LeaseOutcome.UnknownJob();
            }
            JobRecord job = current.get();
            if (job.state() == JobState.RUNNING && job.leaseEpoch() == expectedEpoch + 1
                    && runnerId.equals(job.leaseOwner())) {
                return new LeaseOutcome.Acquired(job);
            }
            if (job.state() == JobState.QUEUED && job.leaseEpoch() == expectedEpoch
                    && runnerId.equals(job.avoidRunner())) {
                long waitMs = job.queuedAtEpochMs() + policy.preferOtherRunner().toMillis() - clock.millis();
                return new LeaseOutcome.TryLater(Math.max(waitMs, 1000));
            }
            if (job.state() == JobState.QUEUED && job.leaseEpoch() == expectedEpoch
                    && !RunnerLabels.satisfies(runnerLabels, job.spec().labels())) {
                return new LeaseOutcome.NotLeasable(job.state(), job.leaseEpoch(), "job needs labels "
                        + job.spec().labels() + "; runner " + runnerId + " has " + runnerLabels);
            }
            String reason = job.leaseEpoch() != expectedEpoch
                    ? "stale message: job is at epoch " + job.leaseEpoch() + ", message carried " + expectedEpoch
                    : "job is " + job.state() + ", not QUEUED";
            return new LeaseOutcome.NotLeasable(job.state(), job.leaseEpoch(), reason);
        }
    }

    /** The lease write; public so tests can assert its exact condition and run a negative control. */
    public UpdateItemRequest leaseRequest(String runId, String jobKey, String runnerId, List<String> runnerLabels,
                                          long expectedEpoch, Lease.Policy policy) {
        long now = clock.millis();
        Map<String, String> names = new HashMap<>();
        names.put("#state", "state");
        names.put("#leaseEpoch", "leaseEpoch");
        names.put("#leaseOwner", "leaseOwner");
        names.put("#leaseExpiresAtEpochMs", "leaseExpiresAtEpochMs");
        names.put("#leaseShard", "leaseShard");
        names.put("#startedAtEpochMs", "startedAtEpochMs");
        names.put("#queueShard", "queueShard");
        names.put("#avoidRunner", "avoidRunner");
        names.put("#queuedAtEpochMs", "queuedAtEpochMs");
        names.put("#labels", "labelsKey");
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":queued", s(JobState.QUEUED.name()));
        values.put(":running", s(JobState.RUNNING.name()));
        values.put(":expectedEpoch", n(expectedEpoch));
        values.put(":newEpoch", n(expectedEpoch + 1));
        values.put(":owner", s(runnerId));
        values.put(":expiresAt", n(now + policy.ttl().toMillis()));
        values.put(":shard", s(LEASE_SHARD));
        values.put(":now", n(now));
        values.put(":preferOthersBefore", n(now - policy.preferOtherRunner().toMillis()));
        List<String> subsets = RunnerLabels.subsetKeys(runnerLabels);
        for (int i = 0; i < subsets.size(); i++) {
            values.put(":labels" + i, s(subsets.get(i)));
        }
        String labels = subsets.isEmpty() ? Conditions.NEEDS_NO_LABELS : Conditions.labelsWithin(subsets.size());
        return UpdateItemRequest.builder().tableName(table).key(jobKey(runId, jobKey))
                .conditionExpression(Conditions.LEASE + " AND " + labels)
                .updateExpression(Conditions.LEASE_UPDATE)
                .expressionAttributeNames(names)
                .expressionAttributeValues(values)
                .returnValues(ReturnValue.ALL_NEW)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    /** Extends the lease of its current holder; anyone else learns they lost it. */
    public HeartbeatOutcome heartbeat(String runId, String jobKey, String runnerId, long epoch, Lease.Policy policy) {
        long expiresAt = clock.millis() + policy.ttl().toMillis();
        try {
            Map<String, AttributeValue> renewed = dynamo.updateItem(UpdateItemRequest.builder().tableName(table)
                    .key(jobKey(runId, jobKey))
                    .conditionExpression(Conditions.HOLDS_LEASE)
                    .updateExpression(Conditions.HEARTBEAT_UPDATE)
                    .expressionAttributeNames(leaseHolderNames(Map.of("#leaseExpiresAtEpochMs", "leaseExpiresAtEpochMs")))
                    .expressionAttributeValues(leaseHolderValues(runnerId, epoch, Map.of(":expiresAt", n(expiresAt))))
                    .returnValues(ReturnValue.ALL_NEW)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .build()).attributes();
            return new HeartbeatOutcome.Renewed(expiresAt, toJob(renewed));
        } catch (ConditionalCheckFailedException e) {
            return new HeartbeatOutcome.LeaseLost(lostReason(currentOf(e, runId, jobKey), runnerId, epoch));
        }
    }

    /** True if {@code runnerId} holds the lease at {@code epoch} now (a consistent read). */
    public Optional<String> checkLease(String runId, String jobKey, String runnerId, long epoch) {
        Optional<JobRecord> job = getJob(runId, jobKey);
        boolean holds = job.isPresent() && job.get().state() == JobState.RUNNING
                && job.get().leaseEpoch() == epoch && runnerId.equals(job.get().leaseOwner());
        return holds ? Optional.empty() : Optional.of(lostReason(job, runnerId, epoch));
    }

    /** Ends the attempt that holds the lease; idempotent for the same caller and outcome. */
    public CompleteOutcome complete(String runId, String jobKey, String runnerId, long epoch, int attempt,
                                    long startedAtEpochMs, JobState finalState, int exitCode, String failureClass,
                                    int logChunks) {
        return complete(runId, jobKey, runnerId, epoch, attempt, startedAtEpochMs, finalState, exitCode, failureClass,
                logChunks, null);
    }

    /**
     * As above, recording the SHA-256 of the artifact archive the attempt uploaded (null: none):
     * dependants accept only those bytes, so an archive replaced after the job ended is refused.
     */
    public CompleteOutcome complete(String runId, String jobKey, String runnerId, long epoch, int attempt,
                                    long startedAtEpochMs, JobState finalState, int exitCode, String failureClass,
                                    int logChunks, String artifactSha256) {
        JobTransitions.check(JobState.RUNNING, finalState);
        long now = clock.millis();
        Map<String, String> extraNames = new HashMap<>();
        extraNames.put("#attempt", "attempt");
        extraNames.put("#startedAtEpochMs", "startedAtEpochMs");
        extraNames.put("#history", "history");
        extraNames.put("#exitCode", "exitCode");
        extraNames.put("#failureClass", "failureClass");
        extraNames.put("#finishedAtEpochMs", "finishedAtEpochMs");
        extraNames.put("#logChunks", "logChunks");
        extraNames.put("#leaseShard", "leaseShard");
        extraNames.put("#artifactSha256", "artifactSha256");
        Map<String, AttributeValue> extraValues = new HashMap<>();
        extraValues.put(":final", s(finalState.name()));
        extraValues.put(":artifactSha256", artifactSha256 == null ? AttributeValue.fromNul(true) : s(artifactSha256));
        extraValues.put(":exitCode", n(exitCode));
        extraValues.put(":failureClass", failureClass == null ? AttributeValue.fromNul(true) : s(failureClass));
        extraValues.put(":now", n(now));
        extraValues.put(":logChunks", n(logChunks));
        extraValues.put(":attempt", n(attempt));
        extraValues.put(":startedAt", n(startedAtEpochMs));
        extraValues.put(":noHistory", Items.EMPTY_LIST);
        extraValues.put(":entry", Items.historyEntry(new AttemptRecord(attempt, epoch, runnerId, startedAtEpochMs, now,
                finalState.name(), failureClass, exitCode)));
        try {
            dynamo.updateItem(UpdateItemRequest.builder().tableName(table).key(jobKey(runId, jobKey))
                    .conditionExpression(Conditions.HOLDS_LEASE_FOR_ATTEMPT)
                    .updateExpression(Conditions.COMPLETE_UPDATE)
                    .expressionAttributeNames(leaseHolderNames(extraNames))
                    .expressionAttributeValues(leaseHolderValues(runnerId, epoch, extraValues))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .build());
            return new CompleteOutcome.Accepted(finalState);
        } catch (ConditionalCheckFailedException e) {
            Optional<JobRecord> current = currentOf(e, runId, jobKey);
            if (current.isPresent() && current.get().state() == finalState && current.get().leaseEpoch() == epoch
                    && runnerId.equals(current.get().leaseOwner())) {
                return new CompleteOutcome.AlreadyCompleted(finalState);
            }
            Optional<AttemptRecord> retried = current.flatMap(j -> j.history().stream()
                    .filter(a -> isOwnRetry(a, runnerId, epoch, failureClass)).findFirst());
            if (retried.isPresent()) {
                return new CompleteOutcome.Retrying(retried.get().attempt() + 1);
            }
            return new CompleteOutcome.LeaseLost(lostReason(current, runnerId, epoch, attempt));
        }
    }

    /**
     * The lease holder's attempt failed in a way that earns another: RUNNING → QUEUED with
     * attempt + 1 and epoch + 1, counted as an infrastructure or a user retry. Idempotent for
     * the same caller; the caller sends the queue message for the new epoch.
     */
    public CompleteOutcome requeueAfterFailure(JobRecord job, String runnerId, long epoch, int attempt,
                                               long startedAtEpochMs, String failureClass, int exitCode,
                                               boolean infrastructure) {
        long now = clock.millis();
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        Items.putRequeue(names, values, new AttemptRecord(attempt, epoch, runnerId, startedAtEpochMs, now,
                JobState.QUEUED.name(), failureClass, exitCode), infrastructure, now);
        // the condition's own: the caller's attempt and start
        names.put("#startedAtEpochMs", "startedAtEpochMs");
        values.put(":attempt", n(attempt));
        values.put(":startedAt", n(startedAtEpochMs));
        try {
            dynamo.updateItem(UpdateItemRequest.builder().tableName(table).key(jobKey(job.runId(), job.jobKey()))
                    .conditionExpression(Conditions.HOLDS_LEASE_FOR_ATTEMPT)
                    .updateExpression(Conditions.REQUEUE_UPDATE)
                    .expressionAttributeNames(leaseHolderNames(names))
                    .expressionAttributeValues(leaseHolderValues(runnerId, epoch, values))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .build());
            return new CompleteOutcome.Retrying(attempt + 1);
        } catch (ConditionalCheckFailedException e) {
            Optional<JobRecord> current = currentOf(e, job.runId(), job.jobKey());
            boolean alreadyDone = current.isPresent() && current.get().history().stream()
                    .anyMatch(a -> isOwnRetry(a, runnerId, epoch, failureClass));
            return alreadyDone ? new CompleteOutcome.Retrying(attempt + 1)
                    : new CompleteOutcome.LeaseLost(lostReason(current, runnerId, epoch, attempt));
        }
    }

    /**
     * The history entry this runner's own failure report left when it was retried. The
     * sweeper's entry for the same epoch (runner_lost) is not one: that attempt was taken away.
     */
    private static boolean isOwnRetry(AttemptRecord a, String runnerId, long epoch, String failureClass) {
        return a.epoch() == epoch && runnerId.equals(a.runner()) && "QUEUED".equals(a.result())
                && failureClass != null && failureClass.equals(a.failureClass());
    }

    /**
     * Ends the current attempt without the runner's report, because it was told to stop (cancel,
     * timeout) and did not: RUNNING → {@code finalState}, conditional on the lease it holds.
     */
    public boolean forceEnd(JobRecord job, JobState finalState, String failureClass, String reason) {
        JobTransitions.check(JobState.RUNNING, finalState);
        long now = clock.millis();
        Map<String, String> names = leaseHolderNames(Map.of("#failureClass", "failureClass", "#reason", "reason",
                "#finishedAtEpochMs", "finishedAtEpochMs", "#history", "history", "#leaseShard", "leaseShard"));
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":final", s(finalState.name()));
        values.put(":failureClass", s(failureClass));
        values.put(":reason", s(reason));
        values.put(":now", n(now));
        values.put(":noHistory", Items.EMPTY_LIST);
        values.put(":entry", Items.historyEntry(new AttemptRecord(job.attempt(), job.leaseEpoch(), job.leaseOwner(),
                job.startedAtEpochMs(), now, finalState.name(), failureClass, null)));
        return Items.applied(dynamo, UpdateItemRequest.builder().tableName(table).key(jobKey(job.runId(), job.jobKey()))
                .conditionExpression(Conditions.HOLDS_LEASE).updateExpression(Conditions.END_ATTEMPT_UPDATE)
                .expressionAttributeNames(names)
                .expressionAttributeValues(leaseHolderValues(job.leaseOwner(), job.leaseEpoch(), values))
                .build());
    }

    /** Records who asked to cancel the run; false if the run has already finished (or does not exist). */
    public boolean requestRunCancel(String runId, String by) {
        return Items.applied(dynamo, UpdateItemRequest.builder().tableName(table).key(runKey(runId))
                .conditionExpression(Conditions.RUN_UNFINISHED)
                .updateExpression(Conditions.RUN_CANCEL_UPDATE)
                .expressionAttributeNames(Map.of("#status", "status", "#cancelRequestedBy", "cancelRequestedBy",
                        "#cancelRequestedAtEpochMs", "cancelRequestedAtEpochMs"))
                .expressionAttributeValues(Map.of(":pending", s(RunState.PENDING.name()),
                        ":running", s(RunState.RUNNING.name()), ":by", s(by), ":now", n(clock.millis())))
                .build());
    }

    /** BLOCKED or QUEUED → CANCELLED; false if the job had started or finished. */
    public boolean cancelNotStarted(String runId, String jobKey, String reason) {
        return Items.applied(dynamo, UpdateItemRequest.builder().tableName(table).key(jobKey(runId, jobKey))
                .conditionExpression(Conditions.NOT_STARTED)
                .updateExpression(Conditions.CANCEL_UPDATE)
                .expressionAttributeNames(Map.of("#state", "state", "#failureClass", "failureClass",
                        "#reason", "reason", "#finishedAtEpochMs", "finishedAtEpochMs", "#queueShard", "queueShard"))
                .expressionAttributeValues(Map.of(":blocked", s(JobState.BLOCKED.name()),
                        ":queued", s(JobState.QUEUED.name()), ":cancelled", s(JobState.CANCELLED.name()),
                        ":cancelledClass", s("cancelled"), ":reason", s(reason), ":now", n(clock.millis())))
                .build());
    }

    /** Marks a running job to be stopped; its runner learns at the next heartbeat. False if it is not running. */
    public boolean requestStop(String runId, String jobKey) {
        return Items.applied(dynamo, UpdateItemRequest.builder().tableName(table).key(jobKey(runId, jobKey))
                .conditionExpression(Conditions.IS_RUNNING)
                .updateExpression(Conditions.REQUEST_STOP_UPDATE)
                .expressionAttributeNames(Map.of("#state", "state", "#cancelRequestedAtEpochMs", "cancelRequestedAtEpochMs"))
                .expressionAttributeValues(Map.of(":running", s(JobState.RUNNING.name()), ":now", n(clock.millis())))
                .build());
    }

    /**
     * Records that a job takes part in a concurrency gate (it holds it, or waits with the reason
     * given), so that it lets go once it finishes; with no gate, only why it waits (for its run's group).
     */
    public void markGate(String runId, String jobKey, String gate, String waitingFor) {
        UpdateItemRequest.Builder request = UpdateItemRequest.builder().tableName(table).key(jobKey(runId, jobKey));
        if (gate == null) {
            request.updateExpression(Conditions.WAITING_UPDATE).expressionAttributeNames(Map.of("#waitingFor", "waitingFor"))
                    .expressionAttributeValues(Map.of(":waitingFor", s(waitingFor)));
            dynamo.updateItem(request.build());
            return;
        }
        request.expressionAttributeNames(Map.of("#gate", "gate", "#waitingFor", "waitingFor"));
        if (waitingFor == null) {
            request.updateExpression(Conditions.GATE_HELD_UPDATE).expressionAttributeValues(Map.of(":gate", s(gate)));
        } else {
            request.updateExpression(Conditions.GATE_WAITING_UPDATE)
                    .expressionAttributeValues(Map.of(":gate", s(gate), ":waitingFor", s(waitingFor)));
        }
        dynamo.updateItem(request.build());
    }

    /** The job has let go of its gate. */
    public void clearGate(String runId, String jobKey) {
        dynamo.updateItem(UpdateItemRequest.builder().tableName(table).key(jobKey(runId, jobKey))
                .updateExpression(Conditions.GATE_CLEAR_UPDATE)
                .expressionAttributeNames(Map.of("#gate", "gate", "#waitingFor", "waitingFor"))
                .build());
    }

    /** BLOCKED → QUEUED; false if the job was not BLOCKED (someone else moved it). */
    public boolean promote(String runId, String jobKey) {
        return moveFromBlocked(runId, jobKey, Conditions.PROMOTE_UPDATE,
                Map.of("#queuedAtEpochMs", "queuedAtEpochMs", "#enqueuedAtEpochMs", "enqueuedAtEpochMs",
                        "#queueShard", "queueShard", "#waitingFor", "waitingFor"),
                Map.of(":queued", s(JobState.QUEUED.name()), ":queueShard", s(QUEUE_SHARD)));
    }

    /** BLOCKED → SKIPPED with the reason; false if the job was not BLOCKED. */
    public boolean skip(String runId, String jobKey, String reason) {
        return moveFromBlocked(runId, jobKey, Conditions.SKIP_UPDATE,
                Map.of("#reason", "reason", "#finishedAtEpochMs", "finishedAtEpochMs"),
                Map.of(":skipped", s(JobState.SKIPPED.name()), ":reason", s(reason)));
    }

    private boolean moveFromBlocked(String runId, String jobKey, String update, Map<String, String> names,
                                    Map<String, AttributeValue> values) {
        Map<String, String> allNames = new HashMap<>(names);
        allNames.put("#state", "state");
        Map<String, AttributeValue> allValues = new HashMap<>(values);
        allValues.put(":blocked", s(JobState.BLOCKED.name()));
        allValues.put(":now", n(clock.millis()));
        return Items.applied(dynamo, UpdateItemRequest.builder().tableName(table).key(jobKey(runId, jobKey))
                .conditionExpression(Conditions.IS_BLOCKED)
                .updateExpression(update)
                .expressionAttributeNames(allNames)
                .expressionAttributeValues(allValues)
                .build());
    }

    // --- helpers --------------------------------------------------------------------------------

    /** The item as the failed write saw it, or a consistent read where the store returned none. */
    private Optional<JobRecord> currentOf(ConditionalCheckFailedException e, String runId, String jobKey) {
        if (e.hasItem() && !e.item().isEmpty()) {
            return Optional.of(toJob(e.item()));
        }
        return getJob(runId, jobKey);
    }

    private static String lostReason(Optional<JobRecord> job, String runnerId, long epoch, Integer attempt) {
        if (job.isEmpty()) {
            return "no such job";
        }
        JobRecord j = job.get();
        if (j.state() != JobState.RUNNING) {
            return "job is " + j.state();
        }
        if (j.leaseEpoch() != epoch) {
            return "stale epoch " + epoch + "; the lease is at epoch " + j.leaseEpoch();
        }
        if (!runnerId.equals(j.leaseOwner())) {
            // never who holds it: that would tell a caller which runner to impersonate
            return "the lease at epoch " + epoch + " is held by another runner";
        }
        if (attempt != null && attempt != j.attempt()) {
            return "attempt " + attempt + " is not the lease's attempt " + j.attempt();
        }
        return "job is no longer held by this lease";
    }

    private static String lostReason(Optional<JobRecord> job, String runnerId, long epoch) {
        return lostReason(job, runnerId, epoch, null);
    }

    private static Map<String, String> leaseHolderNames(Map<String, String> extra) {
        Map<String, String> names = new HashMap<>(extra);
        names.put("#state", "state");
        names.put("#leaseEpoch", "leaseEpoch");
        names.put("#leaseOwner", "leaseOwner");
        return names;
    }

    private static Map<String, AttributeValue> leaseHolderValues(String runnerId, long epoch,
                                                                 Map<String, AttributeValue> extra) {
        Map<String, AttributeValue> values = new HashMap<>(extra);
        values.put(":running", s(JobState.RUNNING.name()));
        values.put(":epoch", n(epoch));
        values.put(":owner", s(runnerId));
        return values;
    }
}
