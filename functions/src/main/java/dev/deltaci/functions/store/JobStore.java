package dev.deltaci.functions.store;

import static dev.deltaci.functions.store.Items.jobKey;
import static dev.deltaci.functions.store.Items.n;
import static dev.deltaci.functions.store.Items.runKey;
import static dev.deltaci.functions.store.Items.runPk;
import static dev.deltaci.functions.store.Items.s;
import static dev.deltaci.functions.store.Items.toJob;
import static dev.deltaci.functions.store.Items.toRun;

import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.core.pipeline.JobSpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbEnhancedClient;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbTable;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.PutItemEnhancedRequest;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
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
    /** Every run, newest first: what {@code GET /runs} pages through (one shard; see {@link #RUNS_SHARD}). */
    public static final String RUNS_INDEX = "RunsByCreatedAt";
    /**
     * The runs index's one partition. A partition takes 1,000 writes a second, and a run is
     * written a handful of times, so one is plenty for CI; a date-sharded key is the way on.
     */
    public static final String RUNS_SHARD = "runs#0";
    /** At most this many index items are read for one page, however few of them the filters keep. */
    public static final int RUNS_READ_BUDGET = 1000;
    /** One shard each is plenty until thousands of jobs are live at once; the keys leave room for more. */
    static final String LEASE_SHARD = "lease#0";
    static final String QUEUE_SHARD = "queued#0";
    /**
     * The {@link #QUEUE_INDEX} partition of runs whose start (writing their jobs) has not
     * finished: a run is in it from creation until materialized, so the sweeper can find one a
     * function left half done without a scan (and with no index of its own to deploy).
     */
    static final String START_SHARD = "starting#0";
    /**
     * Runs whose start is complete and that have not ended, by when the sweeper last looked
     * (their start mark, or its last advance): a run whose progress was lost (a function died after
     * a job's end, before the run's tally, and nobody repeated the call) is advanced from here.
     */
    static final String LIVE_SHARD = "live#0";

    /** Creating an item: only if no item has its key yet. */
    private static final Expression ITEM_ABSENT = Expression.builder().expression(Conditions.ITEM_ABSENT)
            .putExpressionName("#pk", "pk").build();

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    private final DynamoDbTable<RunRecord> runs;
    private final DynamoDbTable<JobRecord> jobs;
    private final LeaseStore leases;

    public JobStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
        DynamoDbEnhancedClient enhanced = DynamoDbEnhancedClient.builder().dynamoDbClient(dynamo).build();
        this.runs = enhanced.table(table, ItemSchemas.RUN);
        this.jobs = enhanced.table(table, ItemSchemas.JOB);
        this.leases = new LeaseStore(dynamo, table, clock, this);
    }

    /** The lease protocol's writes (lease, heartbeat, complete, requeue, force-end) on the same table. */
    public LeaseStore leases() {
        return leases;
    }

    // --- runs -----------------------------------------------------------------------------------

    /** Creates the run item unless it exists; returns the existing one if it does. */
    public Optional<RunRecord> createRunIfAbsent(RunRecord run) {
        try {
            runs.putItem(PutItemEnhancedRequest.builder(RunRecord.class).item(run).conditionExpression(ITEM_ABSENT)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD).build());
            return Optional.empty();
        } catch (ConditionalCheckFailedException e) {
            return Optional.of(e.hasItem() && !e.item().isEmpty() ? toRun(e.item())
                    : getRun(run.runId()).orElseThrow(() -> e));
        }
    }

    public Optional<RunRecord> getRun(String runId) {
        return Optional.ofNullable(runs.getItem(r -> r.consistentRead(true)
                .key(Key.builder().partitionValue(runPk(runId)).sortValue(Items.RUN_SK).build())));
    }

    /** The run's start is complete: it becomes a live run; not applied to a run that has ended. */
    public Written markMaterialized(String runId) {
        return Items.write(dynamo, UpdateItemRequest.builder().tableName(table).key(runKey(runId))
                .updateExpression(Conditions.MATERIALIZED_UPDATE)
                .conditionExpression(Conditions.RUN_UNFINISHED) // an ended run stays out of the live runs
                .expressionAttributeNames(Map.of("#materialized", "materialized", "#queueShard", "queueShard",
                        "#enqueuedAtEpochMs", "enqueuedAtEpochMs", "#status", "status"))
                .expressionAttributeValues(Map.of(":true", AttributeValue.fromBool(true), ":live", s(LIVE_SHARD),
                        ":now", n(clock.millis()), ":pending", s(RunState.PENDING.name()),
                        ":running", s(RunState.RUNNING.name())))
                .build());
    }

    /** The sweeper advanced this live run now: it is looked at again once it has been idle as long. */
    public Written touchLive(String runId) {
        return Items.write(dynamo, UpdateItemRequest.builder().tableName(table).key(runKey(runId))
                .conditionExpression(Conditions.RUN_LIVE).updateExpression(Conditions.RUN_LIVE_TOUCH_UPDATE)
                .expressionAttributeNames(Map.of("#queueShard", "queueShard", "#enqueuedAtEpochMs", "enqueuedAtEpochMs"))
                .expressionAttributeValues(Map.of(":live", s(LIVE_SHARD), ":now", n(clock.millis())))
                .build());
    }

    /**
     * PENDING → FAILED for a run whose jobs could not all be written, with the reason; marked
     * materialized, so that a redelivery of its event finds it finished instead of writing again.
     * Not applied if the run had already moved on.
     */
    public Written failUnstartedRun(String runId, String failureClass, String reason) {
        return Items.write(dynamo, UpdateItemRequest.builder().tableName(table).key(runKey(runId))
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
    public Written updateRunStatus(String runId, RunState status) {
        Map<String, String> names = new java.util.HashMap<>(Map.of("#status", "status", "#updatedAtEpochMs", "updatedAtEpochMs"));
        Map<String, AttributeValue> values = new java.util.HashMap<>(Map.of(":status", s(status.name()),
                ":pending", s(RunState.PENDING.name()), ":running", s(RunState.RUNNING.name()), ":now", n(clock.millis())));
        if (status.isTerminal()) {
            names.putAll(Map.of("#materialized", "materialized", "#queueShard", "queueShard"));
            values.put(":true", AttributeValue.fromBool(true));
        }
        return Items.write(dynamo, UpdateItemRequest.builder().tableName(table).key(runKey(runId))
                .conditionExpression(Conditions.RUN_STATUS_CHANGES)
                .updateExpression(status.isTerminal() ? Conditions.RUN_STATUS_END_UPDATE : Conditions.RUN_STATUS_UPDATE)
                .expressionAttributeNames(names).expressionAttributeValues(values)
                .build());
    }

    /**
     * A root job was leased: the run is RUNNING, and its start is known to be complete (every
     * message is sent after every job is written), so it leaves the unfinished-starts index — the
     * write that used to follow every start. Not applied once both are so.
     */
    public Written markStarted(String runId) {
        return Items.write(dynamo, UpdateItemRequest.builder().tableName(table).key(runKey(runId))
                .conditionExpression(Conditions.RUN_NOT_MARKED_STARTED)
                .updateExpression(Conditions.RUN_STARTED_UPDATE)
                .expressionAttributeNames(Map.of("#status", "status", "#updatedAtEpochMs", "updatedAtEpochMs",
                        "#materialized", "materialized", "#queueShard", "queueShard",
                        "#enqueuedAtEpochMs", "enqueuedAtEpochMs"))
                .expressionAttributeValues(Map.of(":pending", s(RunState.PENDING.name()),
                        ":running", s(RunState.RUNNING.name()), ":true", AttributeValue.fromBool(true),
                        ":now", n(clock.millis()), ":starting", s(START_SHARD), ":live", s(LIVE_SHARD)))
                .build());
    }

    /**
     * Adds ended jobs (key → state, as their dependants see it) to the run's {@link RunTally} and,
     * when {@code running}, stores the run as RUNNING — one write, no read. Empty if the run has
     * finished (or does not exist): then nothing changed.
     */
    public Optional<RunTally> tally(String runId, Map<String, JobState> ended, boolean running) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        String set = "SET #updatedAtEpochMs = :now" + (running ? ", #status = :running" : "");
        return tallyWrite(runId, set + tallyAdditions(ended, names, values), names, values);
    }

    /**
     * The run's only job ended: the run ends with it, as {@code state} makes it, in the one write
     * that also tallies the job. Empty if the run had already finished (a repeated completion).
     */
    public Optional<RunTally> endWithSoleJob(String runId, String jobKey, JobState state) {
        Map<String, String> names = new HashMap<>(Map.of("#materialized", "materialized", "#queueShard", "queueShard"));
        RunState end = RunState.ended(RunState.failedJob(state), state == JobState.CANCELLED);
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":status", s(end.name()),
                ":true", AttributeValue.fromBool(true)));
        String update = "SET #status = :status, #updatedAtEpochMs = :now, #materialized = :true"
                + tallyAdditions(Map.of(jobKey, state), names, values) + " REMOVE #queueShard";
        return tallyWrite(runId, update, names, values);
    }

    /** {@code ADD} of the ended jobs to the tally's sets (a set ignores a key already in it). */
    private static String tallyAdditions(Map<String, JobState> ended, Map<String, String> names,
                                         Map<String, AttributeValue> values) {
        if (ended.isEmpty()) {
            return "";
        }
        List<String> adds = new ArrayList<>();
        Map<String, List<String>> sets = Map.of(
                "endedJobs", List.copyOf(ended.keySet()),
                "failedJobs", ended.entrySet().stream().filter(e -> RunState.failedJob(e.getValue())).map(Map.Entry::getKey).toList(),
                "cancelledJobs", ended.entrySet().stream().filter(e -> e.getValue() == JobState.CANCELLED).map(Map.Entry::getKey).toList());
        sets.forEach((attribute, keys) -> {
            if (!keys.isEmpty()) { // DynamoDB has no empty set
                names.put("#" + attribute, attribute);
                values.put(":" + attribute, AttributeValue.fromSs(keys));
                adds.add("#" + attribute + " :" + attribute);
            }
        });
        return " ADD " + String.join(", ", adds);
    }

    /** The tally's write, conditional on the run being unfinished, returning the run as it left it. */
    private Optional<RunTally> tallyWrite(String runId, String update, Map<String, String> names,
                                          Map<String, AttributeValue> values) {
        names.putAll(Map.of("#status", "status", "#updatedAtEpochMs", "updatedAtEpochMs"));
        values.putAll(Map.of(":pending", s(RunState.PENDING.name()), ":running", s(RunState.RUNNING.name()),
                ":now", n(clock.millis())));
        try {
            Map<String, AttributeValue> item = dynamo.updateItem(UpdateItemRequest.builder().tableName(table)
                    .key(runKey(runId)).conditionExpression(Conditions.RUN_UNFINISHED).updateExpression(update)
                    .expressionAttributeNames(names).expressionAttributeValues(values)
                    .returnValues(ReturnValue.ALL_NEW).build()).attributes();
            return Optional.of(new RunTally(toRun(item), setSize(item, "endedJobs"), setSize(item, "failedJobs") > 0,
                    setSize(item, "cancelledJobs") > 0));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    private static int setSize(Map<String, AttributeValue> item, String attribute) {
        AttributeValue set = item.get(attribute);
        return set == null || !set.hasSs() ? 0 : set.ss().size();
    }

    /** What {@link #listRuns} keeps: exact matches, each null for any. */
    public record RunFilter(String repository, String ref, RunState status) {
    }

    /**
     * One page of runs, newest first, and where the next page starts (null: no more). A page can
     * hold fewer runs than asked for, even none, with a cursor: the filters left out the rest of
     * the {@link #RUNS_READ_BUDGET} index items it read.
     */
    public record RunPage(List<RunRecord> runs, Map<String, AttributeValue> next) {
    }

    /**
     * Runs from the runs index, newest first, after {@code start} (a previous page's cursor). The
     * filter is applied by DynamoDB (less sent back); {@code visible} (which repositories the caller
     * may see: glob patterns DynamoDB cannot match) here. The read stops at {@code limit} runs or
     * {@link #RUNS_READ_BUDGET} index items, whichever comes first: a page never costs more than that.
     */
    public RunPage listRuns(RunFilter filter, java.util.function.Predicate<RunRecord> visible, int limit,
                            Map<String, AttributeValue> start) {
        List<String> conditions = new ArrayList<>();
        Map<String, String> names = new HashMap<>(Map.of("#shard", "runsShard"));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":shard", s(RUNS_SHARD)));
        if (filter.repository() != null) {
            conditions.add("#repository = :repository");
            names.put("#repository", "repository");
            values.put(":repository", s(filter.repository()));
        }
        if (filter.ref() != null) {
            conditions.add("#ref = :ref");
            names.put("#ref", "ref");
            values.put(":ref", s(filter.ref()));
        }
        if (filter.status() != null) {
            conditions.add("#status = :status");
            names.put("#status", "status");
            values.put(":status", s(filter.status().name()));
        }
        List<RunRecord> found = new ArrayList<>();
        Map<String, AttributeValue> from = start;
        int read = 0;
        while (read < RUNS_READ_BUDGET) {
            QueryRequest.Builder request = QueryRequest.builder().tableName(table).indexName(RUNS_INDEX)
                    .keyConditionExpression("#shard = :shard").scanIndexForward(false)
                    .expressionAttributeNames(names).expressionAttributeValues(values)
                    .limit(Math.min(RUNS_READ_BUDGET - read, Math.max(limit * 2, 50))).exclusiveStartKey(from);
            if (!conditions.isEmpty()) {
                request.filterExpression(String.join(" AND ", conditions));
            }
            QueryResponse page = dynamo.query(request.build());
            read += page.scannedCount();
            for (Map<String, AttributeValue> item : page.items()) {
                RunRecord run = toRun(item);
                if (visible.test(run)) {
                    found.add(run);
                    if (found.size() == limit) {
                        return new RunPage(found, runsIndexKey(item));
                    }
                }
            }
            if (!page.hasLastEvaluatedKey() || page.lastEvaluatedKey().isEmpty()) {
                return new RunPage(found, null);
            }
            from = page.lastEvaluatedKey();
        }
        return new RunPage(found, from);
    }

    /** Where a runs-index query goes on after this item: its table and index keys. */
    private static Map<String, AttributeValue> runsIndexKey(Map<String, AttributeValue> item) {
        return Map.of("pk", item.get("pk"), "sk", item.get("sk"), "runsShard", item.get("runsShard"),
                "createdAtEpochMs", item.get("createdAtEpochMs"));
    }

    // --- jobs -----------------------------------------------------------------------------------

    /** Writes a job unless it exists (a repeated webhook re-runs this safely), with its place in the run. */
    public void createJobIfAbsent(RunRecord run, JobSpec spec, JobState initialState, JobPlace place) {
        try {
            jobs.putItem(PutItemEnhancedRequest.builder(JobRecord.class)
                    .item(JobRecord.created(run, spec, initialState, place, clock.millis()))
                    .conditionExpression(ITEM_ABSENT).build());
        } catch (ConditionalCheckFailedException e) {
            // already written by an earlier delivery of the same webhook
        }
    }

    /**
     * A rerun's copy of a job that succeeded in the run it reruns: written SUCCEEDED, with that
     * attempt's lease epoch, times and archive checksum, so its dependants download its artifacts
     * from there ({@link JobOutcome#reusedFromRunId}). Unless it exists.
     */
    public void createReusedJobIfAbsent(RunRecord run, JobSpec spec, JobRecord succeeded) {
        JobRecord created = JobRecord.created(run, spec, JobState.SUCCEEDED, new JobPlace(run.jobCount(), false, false),
                clock.millis());
        String from = succeeded.outcome().reusedFromRunId() != null ? succeeded.outcome().reusedFromRunId()
                : succeeded.runId();
        JobRecord reused = new JobRecord(created.runId(), created.jobKey(), created.name(), JobState.SUCCEEDED,
                created.needs(), created.spec(), created.source(),
                new JobLease(succeeded.lease().epoch(), succeeded.lease().owner(), 0, 0, null),
                succeeded.attempts(), succeeded.times(),
                new JobOutcome(null, null, "succeeded in run " + from + "; not run again", succeeded.outcome().logChunks(),
                        succeeded.outcome().artifactSha256(), from, succeeded.outcome().outputs()),
                null, null, created.place());
        try {
            jobs.putItem(PutItemEnhancedRequest.builder(JobRecord.class).item(reused).conditionExpression(ITEM_ABSENT).build());
        } catch (ConditionalCheckFailedException e) {
            // already written by an earlier try of the same rerun
        }
    }

    public Optional<JobRecord> getJob(String runId, String jobKey) {
        return Optional.ofNullable(jobs.getItem(r -> r.consistentRead(true)
                .key(Key.builder().partitionValue(runPk(runId)).sortValue(Items.jobSk(jobKey)).build())));
    }

    /** A job waiting for a runner, as the queued index shows it. */
    public record QueuedJob(JobRef job, long queuedAtEpochMs) {
    }

    /**
     * Every queued job, from the queued index (eventually consistent, keys and queue time only:
     * a job leased a moment ago may still show).
     */
    public List<QueuedJob> queuedJobs() {
        List<QueuedJob> queued = new java.util.ArrayList<>();
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> b.tableName(table).indexName(QUEUE_INDEX)
                .keyConditionExpression("queueShard = :shard")
                .expressionAttributeValues(Map.of(":shard", Items.s(QUEUE_SHARD)))).items()) {
            String pk = Items.str(item, "pk");
            String sk = Items.str(item, "sk");
            if (pk != null && sk != null && sk.startsWith("JOB#")) {
                queued.add(new QueuedJob(new JobRef(pk.substring("RUN#".length()), sk.substring("JOB#".length())),
                        Items.num(item, "queuedAtEpochMs", Items.num(item, "enqueuedAtEpochMs", 0))));
            }
        }
        return queued;
    }

    /**
     * The labels each job needs, read in batches of 100 (only the labels attribute). Jobs that no
     * longer exist are left out.
     */
    public Map<JobRef, List<String>> labelsOf(java.util.Collection<JobRef> refs) {
        Map<JobRef, List<String>> labels = new java.util.HashMap<>();
        List<JobRef> all = List.copyOf(refs);
        for (int from = 0; from < all.size(); from += 100) {
            List<Map<String, AttributeValue>> keys = all.subList(from, Math.min(all.size(), from + 100)).stream()
                    .map(ref -> Items.jobKey(ref.runId(), ref.jobKey())).toList();
            // the SDK's paginator asks again for the keys DynamoDB left unprocessed; at most 10 rounds a batch
            dynamo.batchGetItemPaginator(b -> b.requestItems(Map.of(table, KeysAndAttributes.builder().keys(keys)
                            .projectionExpression("pk, sk, labelsKey").build())))
                    .stream().limit(10)
                    .flatMap(response -> response.responses().getOrDefault(table, List.of()).stream())
                    .forEach(item -> {
                        String key = Items.str(item, "labelsKey");
                        labels.put(new JobRef(Items.str(item, "pk").substring("RUN#".length()),
                                        Items.str(item, "sk").substring("JOB#".length())),
                                key == null || key.isEmpty() ? List.of() : List.of(key.split(",")));
                    });
        }
        return labels;
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
                String sk = item.get("sk").s();
                if (Items.RUN_SK.equals(sk)) {
                    run = toRun(item);
                } else if (sk.startsWith(Items.jobSk(""))) {
                    jobs.add(toJob(item)); // the partition also holds what was reported to GitHub (CheckReportStore)
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return run == null ? Optional.empty() : Optional.of(new RunSnapshot(run, jobs));
    }

    /** Records who asked to cancel the run; not applied if the run has already finished (or does not exist). */
    public Written requestRunCancel(String runId, String by) {
        return Items.write(dynamo, UpdateItemRequest.builder().tableName(table).key(runKey(runId))
                .conditionExpression(Conditions.RUN_UNFINISHED)
                .updateExpression(Conditions.RUN_CANCEL_UPDATE)
                .expressionAttributeNames(Map.of("#status", "status", "#cancelRequestedBy", "cancelRequestedBy",
                        "#cancelRequestedAtEpochMs", "cancelRequestedAtEpochMs"))
                .expressionAttributeValues(Map.of(":pending", s(RunState.PENDING.name()),
                        ":running", s(RunState.RUNNING.name()), ":by", s(by), ":now", n(clock.millis())))
                .build());
    }

    /** BLOCKED or QUEUED → CANCELLED; not applied if the job had started or finished. */
    public Written cancelNotStarted(String runId, String jobKey, String reason) {
        return Items.write(dynamo, UpdateItemRequest.builder().tableName(table).key(jobKey(runId, jobKey))
                .conditionExpression(Conditions.NOT_STARTED)
                .updateExpression(Conditions.CANCEL_UPDATE)
                .expressionAttributeNames(Map.of("#state", "state", "#failureClass", "failureClass",
                        "#reason", "reason", "#finishedAtEpochMs", "finishedAtEpochMs", "#queueShard", "queueShard"))
                .expressionAttributeValues(Map.of(":blocked", s(JobState.BLOCKED.name()),
                        ":queued", s(JobState.QUEUED.name()), ":cancelled", s(JobState.CANCELLED.name()),
                        ":cancelledClass", s("cancelled"), ":reason", s(reason), ":now", n(clock.millis())))
                .build());
    }

    /** Marks a running job to be stopped; its runner learns at the next heartbeat. Not applied if it is not running. */
    public Written requestStop(String runId, String jobKey) {
        return Items.write(dynamo, UpdateItemRequest.builder().tableName(table).key(jobKey(runId, jobKey))
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

    /** BLOCKED → QUEUED; not applied if the job was not BLOCKED (someone else moved it). */
    public Written promote(String runId, String jobKey) {
        return moveFromBlocked(runId, jobKey, Conditions.PROMOTE_UPDATE,
                Map.of("#queuedAtEpochMs", "queuedAtEpochMs", "#enqueuedAtEpochMs", "enqueuedAtEpochMs",
                        "#queueShard", "queueShard", "#waitingFor", "waitingFor"),
                Map.of(":queued", s(JobState.QUEUED.name()), ":queueShard", s(QUEUE_SHARD)));
    }

    /** BLOCKED → SKIPPED with the reason; not applied if the job was not BLOCKED. */
    public Written skip(String runId, String jobKey, String reason) {
        return moveFromBlocked(runId, jobKey, Conditions.SKIP_UPDATE,
                Map.of("#reason", "reason", "#finishedAtEpochMs", "finishedAtEpochMs"),
                Map.of(":skipped", s(JobState.SKIPPED.name()), ":reason", s(reason)));
    }

    private Written moveFromBlocked(String runId, String jobKey, String update, Map<String, String> names,
                                    Map<String, AttributeValue> values) {
        Map<String, String> allNames = new HashMap<>(names);
        allNames.put("#state", "state");
        Map<String, AttributeValue> allValues = new HashMap<>(values);
        allValues.put(":blocked", s(JobState.BLOCKED.name()));
        allValues.put(":now", n(clock.millis()));
        return Items.write(dynamo, UpdateItemRequest.builder().tableName(table).key(jobKey(runId, jobKey))
                .conditionExpression(Conditions.IS_BLOCKED)
                .updateExpression(update)
                .expressionAttributeNames(allNames)
                .expressionAttributeValues(allValues)
                .build());
    }

}
