package dev.deltaci.functions.metrics;

/**
 * Every metric the control plane emits: CloudWatch (EMF) in the cloud, Prometheus text locally.
 * The names are the runbook's vocabulary; docs name them exactly as written here.
 */
public enum Metric {
    LEASE_ACQUIRED("LeaseAcquired", Kind.COUNTER, "leases granted to runners"),
    LEASE_RENEWED("LeaseRenewed", Kind.COUNTER, "heartbeats that renewed a lease"),
    LEASE_EXPIRED("LeaseExpired", Kind.COUNTER, "leases the sweeper found expired, by outcome (requeued, failed, timed_out, cancelled)"),
    DISPATCH_LATENCY("DispatchLatency", Kind.TIMER, "time from queued to leased"),
    JOB_FINISHED("JobFinished", Kind.COUNTER, "jobs that ended (their last attempt), by result"),
    JOB_DURATION("JobDuration", Kind.TIMER, "duration of a job's last attempt, by result"),
    JOB_RETRIED("JobRetried", Kind.COUNTER, "attempts sent back to the queue, by failure class"),
    RUN_DURATION("RunDuration", Kind.TIMER, "time from a run's creation to its end, by result"),
    DYNAMODB_WRITE_LATENCY("DynamoDbWriteLatency", Kind.TIMER, "DynamoDB write calls, retries included, by operation"),
    CONDITIONAL_CHECK_FAILED("ConditionalCheckFailed", Kind.COUNTER, "conditional writes whose condition did not hold, by operation"),
    FUNCTION_LATENCY("FunctionLatency", Kind.TIMER, "time a function took to answer, by function"),
    FUNCTION_ERRORS("FunctionErrors", Kind.COUNTER, "invocations that failed or answered 5xx, by function"),
    STORAGE_ERRORS("StorageErrors", Kind.COUNTER, "S3 calls of the runner API that failed, by operation (runners retry them)"),
    WEBHOOKS_REDELIVERED("WebhooksRedelivered", Kind.COUNTER, "pushes and pull requests GitHub failed to deliver that the sweeper had it deliver again (as a GitHub App)"),
    WEBHOOKS_KEPT("WebhooksKept", Kind.COUNTER, "pushes and pull requests kept because GitHub could not be read when they came, by outcome (kept, started, given_up)"),
    CHECK_REPORTS("CheckReports", Kind.COUNTER, "jobs reported to GitHub as check runs or commit statuses, by outcome (reported, retried, gave_up, abandoned)"),
    QUEUE_DEPTH("QueueDepth", Kind.GAUGE, "job messages waiting in the queue (visible and delayed), each sweep"),
    QUEUE_IN_FLIGHT("QueueInFlight", Kind.GAUGE, "job messages received by a runner and not yet deleted, each sweep"),
    QUEUE_OLDEST_AGE("QueueOldestAgeSeconds", Kind.GAUGE, "seconds the longest-waiting queued job has waited (re-sent messages do not reset it), each sweep"),
    DEAD_LETTER_DEPTH("DeadLetterDepth", Kind.GAUGE, "messages in the dead-letter queue, each sweep"),
    RUNNERS_REGISTERED("RunnersRegistered", Kind.GAUGE, "runners seen in the last presence window, each sweep"),
    RUNNERS_IDLE("RunnersIdle", Kind.GAUGE, "registered runners waiting for work, each sweep"),
    RUNNERS_BUSY("RunnersBusy", Kind.GAUGE, "registered runners running a job, each sweep"),
    POOL_DESIRED("PoolDesired", Kind.GAUGE, "a runner pool's desired instance count after the scaler's pass, by pool"),
    POOL_IN_SERVICE("PoolInService", Kind.GAUGE, "a pool's instances whose runner registered and is not drained, by pool"),
    POOL_LAUNCHING("PoolLaunching", Kind.GAUGE, "a pool's instances asked for or starting, no runner registered yet, by pool"),
    POOL_DRAINING("PoolDraining", Kind.GAUGE, "a pool's drained instances not yet terminated (finishing a job, or about to go), by pool"),
    POOL_QUEUED("PoolQueued", Kind.GAUGE, "queued jobs the scaler assigned to a pool, by pool"),
    SCALE_DECISIONS("ScaleDecisions", Kind.COUNTER, "the scaler's actions, by pool and action (scale_out, on_demand_fallback, drain, terminate); each is logged with its reason"),
    JOBS_UNSERVABLE("JobsUnservable", Kind.GAUGE, "queued jobs whose labels no runner pool offers (they fail at their queue timeout), each scaler pass");

    /** How a metric adds up: counters sum, timers are summaries in milliseconds, gauges keep the last value. */
    public enum Kind {
        COUNTER, TIMER, GAUGE
    }

    private final String metricName;
    private final Kind kind;
    private final String help;

    Metric(String metricName, Kind kind, String help) {
        this.metricName = metricName;
        this.kind = kind;
        this.help = help;
    }

    public String metricName() {
        return metricName;
    }

    public Kind kind() {
        return kind;
    }

    public String help() {
        return help;
    }

    /** The Prometheus name: {@code delta_lease_expired_total}, {@code delta_job_duration_milliseconds}, {@code delta_queue_depth}. */
    public String prometheusName() {
        String base = "delta_" + camelToSnake(metricName);
        return switch (kind) {
            case COUNTER -> base + "_total";
            case TIMER -> base + "_milliseconds";
            case GAUGE -> base;
        };
    }

    static String camelToSnake(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
