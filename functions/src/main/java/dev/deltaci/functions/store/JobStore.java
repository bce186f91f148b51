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
        item.put("jobCount", n(run.jobCount()));
        item.put("materialized", AttributeValue.fromBool(run.materialized()));
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
                .expressionAttributeNames(Map.of("#materialized", "materialized"))
                .expressionAttributeValues(Map.of(":true", AttributeValue.fromBool(true)))
                .build());
    }

    /** Stores the run's derived status unless it is already that or the run has finished. */
    public boolean updateRunStatus(String runId, RunState status) {
        try {
            dynamo.updateItem(UpdateItemRequest.builder().tableName(table).key(runKey(runId))
                    .conditionExpression(Conditions.RUN_STATUS_CHANGES)
                    .updateExpression(Conditions.RUN_STATUS_UPDATE)
                    .expressionAttributeNames(Map.of("#status", "status", "#updatedAtEpochMs", "updatedAtEpochMs"))
                    .expressionAttributeValues(Map.of(":status", s(status.name()),
                            ":pending", s(RunState.PENDING.name()), ":running", s(RunState.RUNNING.name()),
                            ":now", n(clock.millis())))
                    .build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
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
        item.put("attempt", n(1));
        item.put("leaseEpoch", n(0));
        item.put("createdAtEpochMs", n(now));
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
        List<JobRecord> jobs = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse page = dynamo.query(QueryRequest.builder().tableName(table).consistentRead(true)
                    .keyConditionExpression("#pk = :pk AND begins_with(#sk, :job)")
                    .expressionAttributeNames(Map.of("#pk", "pk", "#sk", "sk"))
                    .expressionAttributeValues(Map.of(":pk", s(runPk(runId)), ":job", s("JOB#")))
                    .exclusiveStartKey(start)
                    .build());
            page.items().forEach(item -> jobs.add(toJob(item)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return jobs;
    }

    /**
     * Takes the lease on a QUEUED job whose epoch is {@code expectedEpoch}. Of any number of
     * concurrent callers at most one succeeds. A caller whose earlier identical request was
     * applied but whose response was lost gets {@code Acquired} again, not a conflict.
     */
    public LeaseOutcome lease(String runId, String jobKey, String runnerId, long expectedEpoch, Lease.Policy policy) {
        UpdateItemRequest request = leaseRequest(runId, jobKey, runnerId, expectedEpoch, policy);
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
            String reason = job.leaseEpoch() != expectedEpoch
                    ? "stale message: job is at epoch " + job.leaseEpoch() + ", message carried " + expectedEpoch
                    : "job is " + job.state() + ", not QUEUED";
            return new LeaseOutcome.NotLeasable(job.state(), job.leaseEpoch(), reason);
        }
    }

    /** The lease write; public so tests can assert its exact condition and run a negative control. */
    public UpdateItemRequest leaseRequest(String runId, String jobKey, String runnerId, long expectedEpoch,
                                   Lease.Policy policy) {
        long now = clock.millis();
        Map<String, String> names = new HashMap<>();
        names.put("#state", "state");
        names.put("#leaseEpoch", "leaseEpoch");
        names.put("#leaseOwner", "leaseOwner");
        names.put("#leaseExpiresAtEpochMs", "leaseExpiresAtEpochMs");
        names.put("#leaseShard", "leaseShard");
        names.put("#startedAtEpochMs", "startedAtEpochMs");
        names.put("#queueShard", "queueShard");
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":queued", s(JobState.QUEUED.name()));
        values.put(":running", s(JobState.RUNNING.name()));
        values.put(":expectedEpoch", n(expectedEpoch));
        values.put(":newEpoch", n(expectedEpoch + 1));
        values.put(":owner", s(runnerId));
        values.put(":expiresAt", n(now + policy.ttl().toMillis()));
        values.put(":shard", s(LEASE_SHARD));
        values.put(":now", n(now));
        return UpdateItemRequest.builder().tableName(table).key(jobKey(runId, jobKey))
                .conditionExpression(Conditions.LEASE)
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
            dynamo.updateItem(UpdateItemRequest.builder().tableName(table).key(jobKey(runId, jobKey))
                    .conditionExpression(Conditions.HOLDS_LEASE)
                    .updateExpression(Conditions.HEARTBEAT_UPDATE)
                    .expressionAttributeNames(leaseHolderNames(Map.of("#leaseExpiresAtEpochMs", "leaseExpiresAtEpochMs")))
                    .expressionAttributeValues(leaseHolderValues(runnerId, epoch, Map.of(":expiresAt", n(expiresAt))))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .build());
            return new HeartbeatOutcome.Renewed(expiresAt);
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
        Map<String, AttributeValue> extraValues = new HashMap<>();
        extraValues.put(":final", s(finalState.name()));
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
            return new CompleteOutcome.LeaseLost(lostReason(current, runnerId, epoch));
        }
    }

    /** BLOCKED → QUEUED; false if the job was not BLOCKED (someone else moved it). */
    public boolean promote(String runId, String jobKey) {
        return moveFromBlocked(runId, jobKey, Conditions.PROMOTE_UPDATE,
                Map.of("#queuedAtEpochMs", "queuedAtEpochMs", "#enqueuedAtEpochMs", "enqueuedAtEpochMs",
                        "#queueShard", "queueShard"),
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
        try {
            dynamo.updateItem(UpdateItemRequest.builder().tableName(table).key(jobKey(runId, jobKey))
                    .conditionExpression(Conditions.IS_BLOCKED)
                    .updateExpression(update)
                    .expressionAttributeNames(allNames)
                    .expressionAttributeValues(allValues)
                    .build());
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    // --- helpers --------------------------------------------------------------------------------

    /** The item as the failed write saw it, or a consistent read where the store returned none. */
    private Optional<JobRecord> currentOf(ConditionalCheckFailedException e, String runId, String jobKey) {
        if (e.hasItem() && !e.item().isEmpty()) {
            return Optional.of(toJob(e.item()));
        }
        return getJob(runId, jobKey);
    }

    private static String lostReason(Optional<JobRecord> job, String runnerId, long epoch) {
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
        return "lease is held by " + j.leaseOwner() + ", not " + runnerId;
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
