package dev.deltaci.functions.store;

/**
 * Every condition and update expression the store writes with, as named constants. Each uses
 * {@code #name} and {@code :value} placeholders only; the comment gives the expanded form.
 * Unit tests assert these exact strings: a change to the lease protocol must be deliberate.
 */
public final class Conditions {

    private Conditions() {
    }

    /** {@code attribute_not_exists(pk)}: create only; the basis of webhook and job idempotency. */
    public static final String ITEM_ABSENT = "attribute_not_exists(#pk)";

    /**
     * {@code state = QUEUED AND leaseEpoch = <epoch the queue message carries>}, and the caller is
     * not the runner the last attempt failed on, unless the job has waited long enough for
     * another ({@code queuedAtEpochMs < now - preferOtherRunner}).
     */
    public static final String LEASE = "#state = :queued AND #leaseEpoch = :expectedEpoch AND "
            + "(attribute_not_exists(#avoidRunner) OR #avoidRunner <> :owner OR #queuedAtEpochMs < :preferOthersBefore)";

    /** The job needs no labels: any runner may lease it. */
    public static final String NEEDS_NO_LABELS = "attribute_not_exists(#labels)";

    /**
     * The job needs no labels, or its label set is one the runner has: {@code labels IN (<keys of
     * the subsets of the runner's labels>)} ({@link dev.deltaci.core.pipeline.RunnerLabels}).
     */
    public static String labelsWithin(int subsetKeys) {
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < subsetKeys; i++) {
            in.append(i == 0 ? "" : ", ").append(":labels").append(i);
        }
        return "(" + NEEDS_NO_LABELS + " OR #labels IN (" + in + "))";
    }

    /**
     * {@code state = RUNNING, leaseEpoch = expected + 1, leaseOwner = runner,
     * leaseExpiresAtEpochMs = now + TTL, leaseShard = <shard>, startedAtEpochMs = now}; the job
     * leaves the queued index ({@code queueShard}) and enters the lease-expiry index.
     */
    public static final String LEASE_UPDATE = "SET #state = :running, #leaseEpoch = :newEpoch, "
            + "#leaseOwner = :owner, #leaseExpiresAtEpochMs = :expiresAt, #leaseShard = :shard, "
            + "#startedAtEpochMs = :now REMOVE #queueShard, #avoidRunner";

    /** {@code state = RUNNING AND leaseEpoch = <caller's epoch> AND leaseOwner = <caller>}. */
    public static final String HOLDS_LEASE = "#state = :running AND #leaseEpoch = :epoch AND #leaseOwner = :owner";

    /** {@code leaseExpiresAtEpochMs = now + TTL}. */
    public static final String HEARTBEAT_UPDATE = "SET #leaseExpiresAtEpochMs = :expiresAt";

    /**
     * The lease holder ends its attempt: {@link #HOLDS_LEASE}, and the attempt and start time it
     * echoes from its lease answer are the job's (they go into the attempt's history entry).
     */
    public static final String HOLDS_LEASE_FOR_ATTEMPT = HOLDS_LEASE
            + " AND #attempt = :attempt AND #startedAtEpochMs = :startedAt";

    /**
     * {@code state = <final>, exitCode, failureClass, finishedAtEpochMs = now, logChunks, artifactSha256, outputs,
     * history += <this attempt>}; leaseShard is removed so the job leaves the lease-expiry index.
     */
    public static final String COMPLETE_UPDATE = "SET #state = :final, #exitCode = :exitCode, "
            + "#failureClass = :failureClass, #finishedAtEpochMs = :now, #logChunks = :logChunks, "
            + "#artifactSha256 = :artifactSha256, #outputs = :outputs, "
            + "#history = list_append(if_not_exists(#history, :noHistory), :entry) "
            + "REMOVE #leaseShard";

    /** {@code state = RUNNING AND leaseEpoch = <epoch the sweeper saw> AND leaseExpiresAtEpochMs < now - skew}. */
    public static final String LEASE_EXPIRED = "#state = :running AND #leaseEpoch = :epoch AND #leaseExpiresAtEpochMs < :cutoff";

    /**
     * Back to the queue for another attempt: {@code state = QUEUED, leaseEpoch = seen + 1,
     * attempt + 1, <retries counter> + 1, queuedAtEpochMs = enqueuedAtEpochMs = now,
     * queueShard, avoidRunner = <the attempt's runner>, history += <ended attempt>}; the lease
     * fields go. {@code #retries} names {@code infraRetries} or {@code userRetries}:
     * infrastructure failures do not spend the user's retries.
     */
    public static final String REQUEUE_UPDATE = "SET #state = :queued, #leaseEpoch = :newEpoch, "
            + "#attempt = #attempt + :one, #retries = if_not_exists(#retries, :zero) + :one, "
            + "#queuedAtEpochMs = :now, #enqueuedAtEpochMs = :now, #queueShard = :queueShard, "
            + "#avoidRunner = :avoidRunner, "
            + "#history = list_append(if_not_exists(#history, :noHistory), :entry) "
            + "REMOVE #leaseShard, #leaseOwner";

    /**
     * An attempt ends without its runner's report (it went silent, or ignored a stop):
     * {@code state = <final>, failureClass, reason, finishedAtEpochMs = now, history += <ended
     * attempt>}; leaves the lease-expiry index.
     */
    public static final String END_ATTEMPT_UPDATE = "SET #state = :final, #failureClass = :failureClass, "
            + "#reason = :reason, #finishedAtEpochMs = :now, "
            + "#history = list_append(if_not_exists(#history, :noHistory), :entry) REMOVE #leaseShard";

    /** {@code state = QUEUED AND leaseEpoch = <epoch seen> AND enqueuedAtEpochMs < <cutoff>}: its message may be lost. */
    public static final String QUEUED_SINCE_BEFORE = "#state = :queued AND #leaseEpoch = :epoch AND #enqueuedAtEpochMs < :cutoff";

    /** {@code enqueuedAtEpochMs = now}: a fresh message was sent. */
    public static final String REENQUEUE_UPDATE = "SET #enqueuedAtEpochMs = :now";

    /** {@code state = FAILED, failureClass, reason, finishedAtEpochMs = now}; leaves the queued index. */
    public static final String QUEUE_TIMEOUT_UPDATE = "SET #state = :failed, #failureClass = :failureClass, "
            + "#reason = :reason, #finishedAtEpochMs = :now REMOVE #queueShard";

    /** {@code state = BLOCKED}: a dependant may only be queued or skipped from here. */
    public static final String IS_BLOCKED = "#state = :blocked";

    /** {@code state = QUEUED, queuedAtEpochMs = enqueuedAtEpochMs = now, queueShard}; no longer waiting. */
    public static final String PROMOTE_UPDATE = "SET #state = :queued, #queuedAtEpochMs = :now, "
            + "#enqueuedAtEpochMs = :now, #queueShard = :queueShard REMOVE #waitingFor";

    /** {@code state = SKIPPED, reason, finishedAtEpochMs = now}. */
    public static final String SKIP_UPDATE = "SET #state = :skipped, #reason = :reason, #finishedAtEpochMs = :now";

    /** {@code status <> <new> AND status IN (PENDING, RUNNING)}: a finished run never changes again. */
    public static final String RUN_STATUS_CHANGES = "#status <> :status AND #status IN (:pending, :running)";

    /** {@code status = <new>, updatedAtEpochMs = now}. */
    public static final String RUN_STATUS_UPDATE = "SET #status = :status, #updatedAtEpochMs = :now";

    /** As {@link #RUN_STATUS_UPDATE}, for a finished run: its start is over too, out of the unfinished-starts index. */
    public static final String RUN_STATUS_END_UPDATE = "SET #status = :status, #updatedAtEpochMs = :now, "
            + "#materialized = :true REMOVE #queueShard";

    /** Not started, or started but its start not yet marked finished: what the start-marking lease changes. */
    public static final String RUN_NOT_MARKED_STARTED = "#status = :pending OR (#status = :running AND #queueShard = :starting)";

    /**
     * {@code status = RUNNING}, and materialized (out of the unfinished starts, into the live runs of
     * the queue index until it ends): a job is leased only after its message was sent, and a start
     * sends messages only after writing every job.
     */
    public static final String RUN_STARTED_UPDATE = "SET #status = :running, #materialized = :true, "
            + "#updatedAtEpochMs = :now, #queueShard = :live, #enqueuedAtEpochMs = :now";

    /** {@code status = PENDING}: no job of the run has started. */
    public static final String RUN_PENDING = "#status = :pending";

    /** {@code status = FAILED} with the class and reason, and materialized: a redelivery finds it finished. */
    public static final String RUN_FAIL_UNSTARTED_UPDATE = "SET #status = :failed, #failureClass = :failureClass, "
            + "#message = :message, #materialized = :true, #updatedAtEpochMs = :now REMOVE #queueShard";

    /** {@code status IN (PENDING, RUNNING)}: only an unfinished run can be cancelled. */
    public static final String RUN_UNFINISHED = "#status IN (:pending, :running)";

    /** {@code cancelRequestedBy, cancelRequestedAtEpochMs}, set once: the first request is the one recorded. */
    public static final String RUN_CANCEL_UPDATE = "SET #cancelRequestedBy = if_not_exists(#cancelRequestedBy, :by), "
            + "#cancelRequestedAtEpochMs = if_not_exists(#cancelRequestedAtEpochMs, :now)";

    /** {@code state IN (BLOCKED, QUEUED)}: a job that has not started can be cancelled at once. */
    public static final String NOT_STARTED = "#state IN (:blocked, :queued)";

    /** {@code state = CANCELLED, failureClass = cancelled, reason, finishedAtEpochMs}; leaves the queued index. */
    public static final String CANCEL_UPDATE = "SET #state = :cancelled, #failureClass = :cancelledClass, "
            + "#reason = :reason, #finishedAtEpochMs = :now REMOVE #queueShard";

    /** {@code state = RUNNING}. */
    public static final String IS_RUNNING = "#state = :running";

    /** {@code cancelRequestedAtEpochMs}, set once: the runner learns it at its next heartbeat. */
    public static final String REQUEST_STOP_UPDATE =
            "SET #cancelRequestedAtEpochMs = if_not_exists(#cancelRequestedAtEpochMs, :now)";

    /** {@code materialized = true}: out of the unfinished starts, into the live runs of the queue index. */
    public static final String MATERIALIZED_UPDATE = "SET #materialized = :true, #queueShard = :live, "
            + "#enqueuedAtEpochMs = :now";

    /** A live run the sweeper just advanced: looked at again only after it has been idle that long once more. */
    public static final String RUN_LIVE = "#queueShard = :live";

    /** {@code enqueuedAtEpochMs = now}: when the sweeper last advanced a live run. */
    public static final String RUN_LIVE_TOUCH_UPDATE = "SET #enqueuedAtEpochMs = :now";

    // --- concurrency gates (GateStore) ------------------------------------------------------------

    /** {@code version = <version read>}: nobody changed the gate since it was read (optimistic locking). */
    public static final String GATE_UNCHANGED = "#version = :version";

    /** {@code gate = <gate>}, no longer waiting: the job holds it. */
    public static final String GATE_HELD_UPDATE = "SET #gate = :gate REMOVE #waitingFor";

    /** {@code gate = <gate>, waitingFor = <who holds it>}: the job waits in line. */
    public static final String GATE_WAITING_UPDATE = "SET #gate = :gate, #waitingFor = :waitingFor";

    /** {@code waitingFor = <which group, who holds it>}: the job's run waits for its group. */
    public static final String WAITING_UPDATE = "SET #waitingFor = :waitingFor";

    /** The job has let go of its gate. */
    public static final String GATE_CLEAR_UPDATE = "REMOVE #gate, #waitingFor";

    // --- schedules (ScheduleStore) ---------------------------------------------------------------

    /** No entry yet, or one recorded from a push no later than this one. */
    public static final String SCHEDULE_NOT_NEWER = "attribute_not_exists(#pk) OR #pushedAt <= :pushedAt";

    /** The push's commit and crons; the scheduler's mark starts at the push if the entry is new. */
    public static final String SCHEDULE_REGISTER_UPDATE = "SET #repository = :repository, #cloneUrl = :cloneUrl, "
            + "#ref = :ref, #sha = :sha, #crons = :crons, #pushedAt = :pushedAt, "
            + "#checkedUntil = if_not_exists(#checkedUntil, :pushedAt)";

    /** {@code checkedUntil = <mark read>}: no other scheduler tick moved it since. */
    public static final String SCHEDULE_CHECKED_UNTIL = "#checkedUntil = :from";

    /** {@code checkedUntil = now}. */
    public static final String SCHEDULE_CHECKED_UPDATE = "SET #checkedUntil = :to";
}
