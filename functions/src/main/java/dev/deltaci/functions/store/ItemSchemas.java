package dev.deltaci.functions.store;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primarySortKey;

import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.core.pipeline.JobSpec;
import dev.deltaci.core.pipeline.RunnerLabels;
import java.util.List;
import java.util.function.Function;
import software.amazon.awssdk.enhanced.dynamodb.AttributeConverter;
import software.amazon.awssdk.enhanced.dynamodb.AttributeValueType;
import software.amazon.awssdk.enhanced.dynamodb.EnhancedType;
import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticImmutableTableSchema;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * How runs and jobs are stored, as the DynamoDB Enhanced Client's static schemas: every
 * attribute named and typed here, built without reflection (nothing to scan at a Lambda cold
 * start), and read leniently (an attribute a newer version added is ignored, one it has not
 * written yet takes its default). A job's value records are flattened into one flat item, with
 * the same attribute names the lease protocol's conditions and update expressions use.
 *
 * <p>Some attributes exist only to be written when an item is created: the keys ({@code pk},
 * {@code sk}), {@code type}, the job's {@code labelsKey} (matched by the lease condition) and the
 * sparse index keys ({@code queueShard}); later they change by update expressions ({@link Conditions}).
 */
final class ItemSchemas {

    private ItemSchemas() {
    }

    /** A job spec is stored as JSON text ({@link Items#toJson}): read leniently, so newer fields do not break older code. */
    private static final AttributeConverter<JobSpec> JOB_SPEC = new AttributeConverter<>() {
        @Override
        public AttributeValue transformFrom(JobSpec spec) {
            return AttributeValue.fromS(Items.toJson(spec));
        }

        @Override
        public JobSpec transformTo(AttributeValue value) {
            return Items.fromJson(value.s());
        }

        @Override
        public EnhancedType<JobSpec> type() {
            return EnhancedType.of(JobSpec.class);
        }

        @Override
        public AttributeValueType attributeValueType() {
            return AttributeValueType.S;
        }
    };

    /** An enum stored by its name, as the conditions compare it ({@code #state = :queued}). */
    private static <E extends Enum<E>> AttributeConverter<E> byName(Class<E> type, Function<String, E> parse) {
        return new AttributeConverter<>() {
            @Override
            public AttributeValue transformFrom(E value) {
                return AttributeValue.fromS(value.name());
            }

            @Override
            public E transformTo(AttributeValue value) {
                return parse.apply(value.s());
            }

            @Override
            public EnhancedType<E> type() {
                return EnhancedType.of(type);
            }

            @Override
            public AttributeValueType attributeValueType() {
                return AttributeValueType.S;
            }
        };
    }

    static final TableSchema<AttemptRecord> ATTEMPT = StaticImmutableTableSchema
            .builder(AttemptRecord.class, AttemptRecord.Builder.class)
            .newItemBuilder(AttemptRecord.Builder::new, AttemptRecord.Builder::build)
            .addAttribute(Integer.class, a -> a.name("attempt").getter(AttemptRecord::attempt).setter((b, v) -> b.attempt = orZero(v)))
            .addAttribute(Long.class, a -> a.name("epoch").getter(AttemptRecord::epoch).setter((b, v) -> b.epoch = orZero(v)))
            .addAttribute(String.class, a -> a.name("runner").getter(AttemptRecord::runner).setter((b, v) -> b.runner = v))
            .addAttribute(Long.class, a -> a.name("startedAtEpochMs").getter(AttemptRecord::startedAtEpochMs)
                    .setter((b, v) -> b.startedAtEpochMs = orZero(v)))
            .addAttribute(Long.class, a -> a.name("endedAtEpochMs").getter(AttemptRecord::endedAtEpochMs)
                    .setter((b, v) -> b.endedAtEpochMs = orZero(v)))
            .addAttribute(String.class, a -> a.name("result").getter(AttemptRecord::result).setter((b, v) -> b.result = v))
            .addAttribute(String.class, a -> a.name("failureClass").getter(AttemptRecord::failureClass)
                    .setter((b, v) -> b.failureClass = v))
            .addAttribute(Integer.class, a -> a.name("exitCode").getter(AttemptRecord::exitCode).setter((b, v) -> b.exitCode = v))
            .build();

    private static final TableSchema<JobSource> JOB_SOURCE = StaticImmutableTableSchema
            .builder(JobSource.class, JobSource.Builder.class)
            .newItemBuilder(JobSource.Builder::new, JobSource.Builder::build)
            .addAttribute(String.class, a -> a.name("cloneUrl").getter(JobSource::cloneUrl).setter((b, v) -> b.cloneUrl = v))
            .addAttribute(String.class, a -> a.name("sha").getter(JobSource::sha).setter((b, v) -> b.sha = v))
            .addAttribute(String.class, a -> a.name("ref").getter(JobSource::ref).setter((b, v) -> b.ref = v))
            .addAttribute(String.class, a -> a.name("repository").getter(JobSource::repository)
                    .setter((b, v) -> b.repository = v))
            .addAttribute(String.class, a -> a.name("event").getter(JobSource::event).setter((b, v) -> b.event = v))
            .addAttribute(EnhancedType.mapOf(String.class, String.class), a -> a.name("inputs")
                    .getter(s -> s.inputs().isEmpty() ? null : s.inputs()).setter((b, v) -> b.inputs = v))
            // written only when true: a pull request from a fork gets no secrets
            .addAttribute(Boolean.class, a -> a.name("fork").getter(s -> s.fork() ? Boolean.TRUE : null)
                    .setter((b, v) -> b.fork = Boolean.TRUE.equals(v)))
            .build();

    private static final TableSchema<JobPlace> JOB_PLACE = StaticImmutableTableSchema
            .builder(JobPlace.class, JobPlace.Builder.class)
            .newItemBuilder(JobPlace.Builder::new, JobPlace.Builder::build)
            .addAttribute(Integer.class, a -> a.name("runJobCount").getter(p -> p.runJobCount() == 0 ? null : p.runJobCount())
                    .setter((b, v) -> b.runJobCount = orZero(v)))
            .addAttribute(Boolean.class, a -> a.name("endsAlone").getter(p -> p.endsAlone() ? Boolean.TRUE : null)
                    .setter((b, v) -> b.endsAlone = Boolean.TRUE.equals(v)))
            .addAttribute(Boolean.class, a -> a.name("marksStart").getter(p -> p.marksStart() ? Boolean.TRUE : null)
                    .setter((b, v) -> b.marksStart = Boolean.TRUE.equals(v)))
            .build();

    private static final TableSchema<JobLease> JOB_LEASE = StaticImmutableTableSchema
            .builder(JobLease.class, JobLease.Builder.class)
            .newItemBuilder(JobLease.Builder::new, JobLease.Builder::build)
            .addAttribute(Long.class, a -> a.name("leaseEpoch").getter(JobLease::epoch).setter((b, v) -> b.epoch = orZero(v)))
            .addAttribute(String.class, a -> a.name("leaseOwner").getter(JobLease::owner).setter((b, v) -> b.owner = v))
            .addAttribute(Long.class, a -> a.name("leaseExpiresAtEpochMs").getter(l -> nonZero(l.expiresAtEpochMs()))
                    .setter((b, v) -> b.expiresAtEpochMs = orZero(v)))
            .addAttribute(Long.class, a -> a.name("cancelRequestedAtEpochMs")
                    .getter(l -> nonZero(l.cancelRequestedAtEpochMs())).setter((b, v) -> b.cancelRequestedAtEpochMs = orZero(v)))
            .addAttribute(String.class, a -> a.name("avoidRunner").getter(JobLease::avoidRunner)
                    .setter((b, v) -> b.avoidRunner = v))
            .build();

    private static final TableSchema<JobAttempts> JOB_ATTEMPTS = StaticImmutableTableSchema
            .builder(JobAttempts.class, JobAttempts.Builder.class)
            .newItemBuilder(JobAttempts.Builder::new, JobAttempts.Builder::build)
            .addAttribute(Integer.class, a -> a.name("attempt").getter(JobAttempts::current)
                    .setter((b, v) -> b.current = v == null ? 1 : v))
            .addAttribute(Integer.class, a -> a.name("infraRetries").getter(t -> nonZero(t.infraRetries()))
                    .setter((b, v) -> b.infraRetries = orZero(v)))
            .addAttribute(Integer.class, a -> a.name("userRetries").getter(t -> nonZero(t.userRetries()))
                    .setter((b, v) -> b.userRetries = orZero(v)))
            .addAttribute(EnhancedType.listOf(EnhancedType.documentOf(AttemptRecord.class, ATTEMPT)),
                    a -> a.name("history").getter(t -> t.history().isEmpty() ? null : t.history())
                            .setter((b, v) -> b.history = v))
            .build();

    private static final TableSchema<JobTimes> JOB_TIMES = StaticImmutableTableSchema
            .builder(JobTimes.class, JobTimes.Builder.class)
            .newItemBuilder(JobTimes.Builder::new, JobTimes.Builder::build)
            .addAttribute(Long.class, a -> a.name("createdAtEpochMs").getter(t -> nonZero(t.createdAtEpochMs()))
                    .setter((b, v) -> b.createdAtEpochMs = orZero(v)))
            .addAttribute(Long.class, a -> a.name("queuedAtEpochMs").getter(t -> nonZero(t.queuedAtEpochMs()))
                    .setter((b, v) -> b.queuedAtEpochMs = orZero(v)))
            .addAttribute(Long.class, a -> a.name("enqueuedAtEpochMs").getter(t -> nonZero(t.enqueuedAtEpochMs()))
                    .setter((b, v) -> b.enqueuedAtEpochMs = orZero(v)))
            .addAttribute(Long.class, a -> a.name("startedAtEpochMs").getter(t -> nonZero(t.startedAtEpochMs()))
                    .setter((b, v) -> b.startedAtEpochMs = orZero(v)))
            .addAttribute(Long.class, a -> a.name("finishedAtEpochMs").getter(t -> nonZero(t.finishedAtEpochMs()))
                    .setter((b, v) -> b.finishedAtEpochMs = orZero(v)))
            .build();

    private static final TableSchema<JobOutcome> JOB_OUTCOME = StaticImmutableTableSchema
            .builder(JobOutcome.class, JobOutcome.Builder.class)
            .newItemBuilder(JobOutcome.Builder::new, JobOutcome.Builder::build)
            .addAttribute(Integer.class, a -> a.name("exitCode").getter(JobOutcome::exitCode).setter((b, v) -> b.exitCode = v))
            .addAttribute(String.class, a -> a.name("failureClass").getter(JobOutcome::failureClass)
                    .setter((b, v) -> b.failureClass = v))
            .addAttribute(String.class, a -> a.name("reason").getter(JobOutcome::reason).setter((b, v) -> b.reason = v))
            .addAttribute(Integer.class, a -> a.name("logChunks").getter(o -> o.logChunks() < 0 ? null : o.logChunks())
                    .setter((b, v) -> b.logChunks = v == null ? -1 : v))
            .addAttribute(String.class, a -> a.name("artifactSha256").getter(JobOutcome::artifactSha256)
                    .setter((b, v) -> b.artifactSha256 = v))
            .addAttribute(String.class, a -> a.name("reusedFromRunId").getter(JobOutcome::reusedFromRunId)
                    .setter((b, v) -> b.reusedFromRunId = v))
            // what the job's outputs: rendered to, for the jobs that need it (written only when there are some)
            .addAttribute(EnhancedType.mapOf(String.class, String.class), a -> a.name("outputs")
                    .getter(o -> o.outputs().isEmpty() ? null : o.outputs()).setter((b, v) -> b.outputs = v))
            .build();

    /** A job item: the job's own attributes and its value records', flattened into one item. */
    static final TableSchema<JobRecord> JOB = StaticImmutableTableSchema.builder(JobRecord.class, JobRecord.Builder.class)
            .newItemBuilder(JobRecord.Builder::new, JobRecord.Builder::build)
            .addAttribute(String.class, a -> a.name("pk").getter(j -> Items.runPk(j.runId())).setter((b, v) -> { })
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("sk").getter(j -> Items.jobSk(j.jobKey())).setter((b, v) -> { })
                    .tags(primarySortKey()))
            .addAttribute(String.class, a -> a.name("type").getter(j -> "job").setter((b, v) -> { }))
            .addAttribute(String.class, a -> a.name("runId").getter(JobRecord::runId).setter((b, v) -> b.runId = v))
            .addAttribute(String.class, a -> a.name("jobKey").getter(JobRecord::jobKey).setter((b, v) -> b.jobKey = v))
            .addAttribute(String.class, a -> a.name("name").getter(JobRecord::name).setter((b, v) -> b.name = v))
            .addAttribute(EnhancedType.of(JobState.class), a -> a.name("state").getter(JobRecord::state)
                    .setter((b, v) -> b.state = v).attributeConverter(byName(JobState.class, JobState::valueOf)))
            .addAttribute(EnhancedType.listOf(String.class), a -> a.name("needs").getter(JobRecord::needs)
                    .setter((b, v) -> b.needs = v))
            .addAttribute(EnhancedType.of(JobSpec.class), a -> a.name("spec").getter(JobRecord::spec)
                    .setter((b, v) -> b.spec = v).attributeConverter(JOB_SPEC))
            .addAttribute(String.class, a -> a.name("gate").getter(JobRecord::gate).setter((b, v) -> b.gate = v))
            .addAttribute(String.class, a -> a.name("waitingFor").getter(JobRecord::waitingFor)
                    .setter((b, v) -> b.waitingFor = v))
            // written at creation, matched by the lease condition; the index key of queued jobs
            .addAttribute(String.class, a -> a.name("labelsKey").getter(j -> j.spec() == null || j.spec().labels().isEmpty()
                    ? null : RunnerLabels.key(j.spec().labels())).setter((b, v) -> { }))
            .addAttribute(String.class, a -> a.name("queueShard")
                    .getter(j -> j.state() == JobState.QUEUED ? JobStore.QUEUE_SHARD : null).setter((b, v) -> { }))
            .flatten(JOB_SOURCE, JobRecord::source, (b, v) -> b.source = v)
            .flatten(JOB_LEASE, JobRecord::lease, (b, v) -> b.lease = v)
            .flatten(JOB_ATTEMPTS, JobRecord::attempts, (b, v) -> b.attempts = v)
            .flatten(JOB_TIMES, JobRecord::times, (b, v) -> b.times = v)
            .flatten(JOB_OUTCOME, JobRecord::outcome, (b, v) -> b.outcome = v)
            .flatten(JOB_PLACE, JobRecord::place, (b, v) -> b.place = v)
            .build();

    /** A run item; an unfinished start puts it in the sparse start index until its jobs are all written. */
    static final TableSchema<RunRecord> RUN = StaticImmutableTableSchema.builder(RunRecord.class, RunRecord.Builder.class)
            .newItemBuilder(RunRecord.Builder::new, RunRecord.Builder::build)
            .addAttribute(String.class, a -> a.name("pk").getter(r -> Items.runPk(r.runId())).setter((b, v) -> { })
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("sk").getter(r -> Items.RUN_SK).setter((b, v) -> { })
                    .tags(primarySortKey()))
            .addAttribute(String.class, a -> a.name("type").getter(r -> "run").setter((b, v) -> { }))
            .addAttribute(String.class, a -> a.name("runId").getter(RunRecord::runId).setter((b, v) -> b.runId = v))
            .addAttribute(String.class, a -> a.name("repository").getter(RunRecord::repository)
                    .setter((b, v) -> b.repository = v))
            .addAttribute(String.class, a -> a.name("cloneUrl").getter(RunRecord::cloneUrl).setter((b, v) -> b.cloneUrl = v))
            .addAttribute(String.class, a -> a.name("sha").getter(RunRecord::sha).setter((b, v) -> b.sha = v))
            .addAttribute(String.class, a -> a.name("ref").getter(RunRecord::ref).setter((b, v) -> b.ref = v))
            .addAttribute(String.class, a -> a.name("trigger").getter(RunRecord::trigger).setter((b, v) -> b.trigger = v))
            .addAttribute(EnhancedType.of(RunState.class), a -> a.name("status").getter(RunRecord::status)
                    .setter((b, v) -> b.status = v).attributeConverter(byName(RunState.class, RunState::valueOf)))
            .addAttribute(String.class, a -> a.name("failureClass").getter(RunRecord::failureClass)
                    .setter((b, v) -> b.failureClass = v))
            .addAttribute(String.class, a -> a.name("message").getter(RunRecord::message).setter((b, v) -> b.message = v))
            .addAttribute(Integer.class, a -> a.name("jobCount").getter(RunRecord::jobCount)
                    .setter((b, v) -> b.jobCount = orZero(v)))
            .addAttribute(Boolean.class, a -> a.name("materialized").getter(RunRecord::materialized)
                    .setter((b, v) -> b.materialized = Boolean.TRUE.equals(v)))
            .addAttribute(Long.class, a -> a.name("createdAtEpochMs").getter(RunRecord::createdAtEpochMs)
                    .setter((b, v) -> b.createdAtEpochMs = orZero(v)))
            .addAttribute(Long.class, a -> a.name("updatedAtEpochMs").getter(RunRecord::updatedAtEpochMs)
                    .setter((b, v) -> b.updatedAtEpochMs = orZero(v)))
            .addAttribute(String.class, a -> a.name("cancelRequestedBy").getter(RunRecord::cancelledBy)
                    .setter((b, v) -> b.cancelledBy = v))
            .addAttribute(String.class, a -> a.name("concurrencyGroup").getter(RunRecord::concurrencyGroup)
                    .setter((b, v) -> b.concurrencyGroup = v))
            .addAttribute(Boolean.class, a -> a.name("cancelInProgress").getter(r -> r.cancelInProgress() ? Boolean.TRUE : null)
                    .setter((b, v) -> b.cancelInProgress = Boolean.TRUE.equals(v)))
            .addAttribute(EnhancedType.mapOf(String.class, String.class), a -> a.name("inputs")
                    .getter(r -> r.inputs().isEmpty() ? null : r.inputs()).setter((b, v) -> b.inputs = v))
            .addAttribute(Boolean.class, a -> a.name("fork").getter(r -> r.fork() ? Boolean.TRUE : null)
                    .setter((b, v) -> b.fork = Boolean.TRUE.equals(v)))
            .addAttribute(String.class, a -> a.name("rerunOf").getter(RunRecord::rerunOf).setter((b, v) -> b.rerunOf = v))
            .addAttribute(String.class, a -> a.name("workflow").getter(RunRecord::workflow).setter((b, v) -> b.workflow = v))
            // every run is in the runs index, newest first, which GET /runs pages through
            .addAttribute(String.class, a -> a.name("runsShard").getter(r -> JobStore.RUNS_SHARD).setter((b, v) -> { }))
            // until materialized, the run sits in the start index, where the sweeper finds an abandoned start
            .addAttribute(String.class, a -> a.name("queueShard").getter(r -> r.materialized() ? null : JobStore.START_SHARD)
                    .setter((b, v) -> { }))
            .addAttribute(Long.class, a -> a.name("enqueuedAtEpochMs")
                    .getter(r -> r.materialized() ? null : r.createdAtEpochMs()).setter((b, v) -> { }))
            .build();

    /** A runner's presence; labels are stored comma-joined, as the census and operators read them. */
    static final TableSchema<RunnerPresence> RUNNER = StaticImmutableTableSchema
            .builder(RunnerPresence.class, RunnerPresence.Builder.class)
            .newItemBuilder(RunnerPresence.Builder::new, RunnerPresence.Builder::build)
            .addAttribute(String.class, a -> a.name("pk").getter(r -> RunnerPresence.PK).setter((b, v) -> { })
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("sk").getter(r -> RunnerPresence.sk(r.runnerId())).setter((b, v) -> { })
                    .tags(primarySortKey()))
            .addAttribute(String.class, a -> a.name("runnerId").getter(RunnerPresence::runnerId)
                    .setter((b, v) -> b.runnerId = v))
            .addAttribute(String.class, a -> a.name("pool").getter(RunnerPresence::pool).setter((b, v) -> b.pool = v))
            .addAttribute(String.class, a -> a.name("labels").getter(r -> String.join(",", r.labels()))
                    .setter((b, v) -> b.labels = v == null || v.isEmpty() ? List.of() : List.of(v.split(","))))
            .addAttribute(String.class, a -> a.name("state").getter(r -> r.state().wireName())
                    .setter((b, v) -> b.state = OpsStore.RunnerState.BUSY.wireName().equals(v)
                            ? OpsStore.RunnerState.BUSY : OpsStore.RunnerState.IDLE))
            .addAttribute(Long.class, a -> a.name("lastSeenAtEpochMs").getter(RunnerPresence::lastSeenAtEpochMs)
                    .setter((b, v) -> b.lastSeenAtEpochMs = orZero(v)))
            .addAttribute(Long.class, a -> a.name("expiresAt").getter(RunnerPresence::expiresAt)
                    .setter((b, v) -> b.expiresAt = orZero(v)))
            .addAttribute(String.class, a -> a.name("instanceId").getter(RunnerPresence::instanceId)
                    .setter((b, v) -> b.instanceId = v))
            .addAttribute(Long.class, a -> a.name("stateSinceEpochMs").getter(r -> nonZero(r.stateSinceEpochMs()))
                    .setter((b, v) -> b.stateSinceEpochMs = orZero(v)))
            .build();

    /** What a run's jobs were reported to GitHub as ({@code sk = CHECKS} in the run's partition). */
    static final TableSchema<CheckReports> CHECK_REPORTS = StaticImmutableTableSchema
            .builder(CheckReports.class, CheckReports.Builder.class)
            .newItemBuilder(CheckReports.Builder::new, CheckReports.Builder::build)
            .addAttribute(String.class, a -> a.name("pk").getter(r -> Items.runPk(r.runId()))
                    .setter((b, v) -> b.runId = v.substring("RUN#".length())).tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("sk").getter(r -> CheckReportStore.SK).setter((b, v) -> { })
                    .tags(primarySortKey()))
            .addAttribute(EnhancedType.of(CheckReports.Channel.class), a -> a.name("channel").getter(CheckReports::channel)
                    .setter((b, v) -> b.channel = v).attributeConverter(byName(CheckReports.Channel.class,
                            CheckReports.Channel::valueOf)))
            .addAttribute(EnhancedType.mapOf(String.class, Long.class), a -> a.name("checkRunIds")
                    .getter(CheckReports::checkRunIds).setter((b, v) -> b.checkRunIds = v))
            .addAttribute(EnhancedType.mapOf(String.class, String.class), a -> a.name("reported")
                    .getter(CheckReports::reported).setter((b, v) -> b.reported = v))
            .addAttribute(EnhancedType.mapOf(String.class, String.class), a -> a.name("gaveUp")
                    .getter(CheckReports::gaveUp).setter((b, v) -> b.gaveUp = v))
            .build();

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }

    private static Long nonZero(long value) {
        return value == 0 ? null : value;
    }

    private static Integer nonZero(int value) {
        return value == 0 ? null : value;
    }
}
