package dev.deltaci.functions.store;

import static dev.deltaci.functions.store.Items.jobKey;
import static dev.deltaci.functions.store.Items.n;
import static dev.deltaci.functions.store.Items.s;
import static dev.deltaci.functions.store.Items.toJob;

import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.JobTransitions;
import dev.deltaci.core.job.Lease;
import dev.deltaci.core.pipeline.RunnerLabels;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The lease protocol's writes on a job: take the lease, renew it, end the attempt (complete,
 * requeue after a failure that earns another try, force-end), each one conditional on job,
 * runner and epoch. Of concurrent callers at most one succeeds; a caller whose write was applied
 * but whose answer was lost is recognised when it asks again (its own result, not a conflict).
 */
public final class LeaseStore {

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    private final JobStore jobs;

    LeaseStore(DynamoDbClient dynamo, String table, Clock clock, JobStore jobs) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
        this.jobs = jobs;
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
            if (job.state() == JobState.RUNNING && job.lease().epoch() == expectedEpoch + 1
                    && runnerId.equals(job.lease().owner())) {
                return new LeaseOutcome.Acquired(job);
            }
            if (job.state() == JobState.QUEUED && job.lease().epoch() == expectedEpoch
                    && runnerId.equals(job.lease().avoidRunner())) {
                long waitMs = job.times().queuedAtEpochMs() + policy.preferOtherRunner().toMillis() - clock.millis();
                return new LeaseOutcome.TryLater(Math.max(waitMs, 1000));
            }
            if (job.state() == JobState.QUEUED && job.lease().epoch() == expectedEpoch
                    && !RunnerLabels.satisfies(runnerLabels, job.spec().labels())) {
                return new LeaseOutcome.NotLeasable(job.state(), job.lease().epoch(), "job needs labels "
                        + job.spec().labels() + "; runner " + runnerId + " has " + runnerLabels);
            }
            String reason = job.lease().epoch() != expectedEpoch
                    ? "stale message: job is at epoch " + job.lease().epoch() + ", message carried " + expectedEpoch
                    : "job is " + job.state() + ", not QUEUED";
            return new LeaseOutcome.NotLeasable(job.state(), job.lease().epoch(), reason);
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
        values.put(":shard", s(JobStore.LEASE_SHARD));
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
        Optional<JobRecord> job = jobs.getJob(runId, jobKey);
        boolean holds = job.isPresent() && job.get().state() == JobState.RUNNING
                && job.get().lease().epoch() == epoch && runnerId.equals(job.get().lease().owner());
        return holds ? Optional.empty() : Optional.of(lostReason(job, runnerId, epoch));
    }

    /** Ends the attempt that holds the lease; idempotent for the same caller and outcome. */
    public CompleteOutcome complete(String runId, String jobKey, String runnerId, long epoch, int attempt,
                                    long startedAtEpochMs, JobState finalState, int exitCode, String failureClass,
                                    int logChunks) {
        return complete(runId, jobKey, runnerId, epoch, attempt, startedAtEpochMs, finalState, exitCode, failureClass,
                logChunks, null, Map.of());
    }

    /**
     * As above, recording the SHA-256 of the artifact archive the attempt uploaded (null: none):
     * dependants accept only those bytes, so an archive replaced after the job ended is refused;
     * and what its {@code outputs:} rendered to, for the jobs that need it (kept only on success).
     */
    public CompleteOutcome complete(String runId, String jobKey, String runnerId, long epoch, int attempt,
                                    long startedAtEpochMs, JobState finalState, int exitCode, String failureClass,
                                    int logChunks, String artifactSha256, Map<String, String> outputs) {
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
        extraNames.put("#outputs", "outputs");
        Map<String, AttributeValue> extraValues = new HashMap<>();
        extraValues.put(":outputs", outputs == null || outputs.isEmpty() || finalState != JobState.SUCCEEDED
                ? AttributeValue.fromNul(true) : AttributeValue.fromM(outputs.entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> s(e.getValue())))));
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
            // the job comes back with the write: what its run's progress needs, without reading it
            Map<String, AttributeValue> ended = dynamo.updateItem(UpdateItemRequest.builder().tableName(table)
                    .key(jobKey(runId, jobKey))
                    .conditionExpression(Conditions.HOLDS_LEASE_FOR_ATTEMPT)
                    .updateExpression(Conditions.COMPLETE_UPDATE)
                    .expressionAttributeNames(leaseHolderNames(extraNames))
                    .expressionAttributeValues(leaseHolderValues(runnerId, epoch, extraValues))
                    .returnValues(ReturnValue.ALL_NEW)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                    .build()).attributes();
            return new CompleteOutcome.Accepted(finalState, toJob(ended));
        } catch (ConditionalCheckFailedException e) {
            Optional<JobRecord> current = currentOf(e, runId, jobKey);
            if (current.isPresent() && current.get().state() == finalState && current.get().lease().epoch() == epoch
                    && runnerId.equals(current.get().lease().owner())) {
                return new CompleteOutcome.AlreadyCompleted(finalState, current.get());
            }
            Optional<AttemptRecord> retried = current.flatMap(j -> j.attempts().history().stream()
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
            boolean alreadyDone = current.isPresent() && current.get().attempts().history().stream()
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
    public Written forceEnd(JobRecord job, JobState finalState, String failureClass, String reason) {
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
        values.put(":entry", Items.historyEntry(new AttemptRecord(job.attempts().current(), job.lease().epoch(), job.lease().owner(),
                job.times().startedAtEpochMs(), now, finalState.name(), failureClass, null)));
        return Items.write(dynamo, UpdateItemRequest.builder().tableName(table).key(jobKey(job.runId(), job.jobKey()))
                .conditionExpression(Conditions.HOLDS_LEASE).updateExpression(Conditions.END_ATTEMPT_UPDATE)
                .expressionAttributeNames(names)
                .expressionAttributeValues(leaseHolderValues(job.lease().owner(), job.lease().epoch(), values))
                .build());
    }

    /** The item as the failed write saw it, or a consistent read where the store returned none. */
    private Optional<JobRecord> currentOf(ConditionalCheckFailedException e, String runId, String jobKey) {
        if (e.hasItem() && !e.item().isEmpty()) {
            return Optional.of(toJob(e.item()));
        }
        return jobs.getJob(runId, jobKey);
    }

    private static String lostReason(Optional<JobRecord> job, String runnerId, long epoch, Integer attempt) {
        if (job.isEmpty()) {
            return "no such job";
        }
        JobRecord j = job.get();
        if (j.state() != JobState.RUNNING) {
            return "job is " + j.state();
        }
        if (j.lease().epoch() != epoch) {
            return "stale epoch " + epoch + "; the lease is at epoch " + j.lease().epoch();
        }
        if (!runnerId.equals(j.lease().owner())) {
            // never who holds it: that would tell a caller which runner to impersonate
            return "the lease at epoch " + epoch + " is held by another runner";
        }
        if (attempt != null && attempt != j.attempts().current()) {
            return "attempt " + attempt + " is not the lease's attempt " + j.attempts().current();
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
