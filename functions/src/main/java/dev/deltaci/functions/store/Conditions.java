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

    /** {@code state = QUEUED AND leaseEpoch = <epoch the queue message carries>}. */
    public static final String LEASE = "#state = :queued AND #leaseEpoch = :expectedEpoch";

    /**
     * {@code state = RUNNING, leaseEpoch = expected + 1, leaseOwner = runner,
     * leaseExpiresAtEpochMs = now + TTL, leaseShard = <shard>, startedAtEpochMs = now}.
     */
    public static final String LEASE_UPDATE = "SET #state = :running, #leaseEpoch = :newEpoch, "
            + "#leaseOwner = :owner, #leaseExpiresAtEpochMs = :expiresAt, #leaseShard = :shard, "
            + "#startedAtEpochMs = :now";

    /** {@code state = RUNNING AND leaseEpoch = <caller's epoch> AND leaseOwner = <caller>}. */
    public static final String HOLDS_LEASE = "#state = :running AND #leaseEpoch = :epoch AND #leaseOwner = :owner";

    /** {@code leaseExpiresAtEpochMs = now + TTL}. */
    public static final String HEARTBEAT_UPDATE = "SET #leaseExpiresAtEpochMs = :expiresAt";

    /**
     * {@code state = <final>, exitCode, failureClass, finishedAtEpochMs = now, logChunks};
     * leaseShard is removed so the job leaves the lease-expiry index.
     */
    public static final String COMPLETE_UPDATE = "SET #state = :final, #exitCode = :exitCode, "
            + "#failureClass = :failureClass, #finishedAtEpochMs = :now, #logChunks = :logChunks "
            + "REMOVE #leaseShard";

    /** {@code state = BLOCKED}: a dependant may only be queued or skipped from here. */
    public static final String IS_BLOCKED = "#state = :blocked";

    /** {@code state = QUEUED, queuedAtEpochMs = now}. */
    public static final String PROMOTE_UPDATE = "SET #state = :queued, #queuedAtEpochMs = :now";

    /** {@code state = SKIPPED, reason, finishedAtEpochMs = now}. */
    public static final String SKIP_UPDATE = "SET #state = :skipped, #reason = :reason, #finishedAtEpochMs = :now";

    /** {@code status <> <new> AND status IN (PENDING, RUNNING)}: a finished run never changes again. */
    public static final String RUN_STATUS_CHANGES = "#status <> :status AND #status IN (:pending, :running)";

    /** {@code status = <new>, updatedAtEpochMs = now}. */
    public static final String RUN_STATUS_UPDATE = "SET #status = :status, #updatedAtEpochMs = :now";

    /** {@code materialized = true}. */
    public static final String MATERIALIZED_UPDATE = "SET #materialized = :true";
}
