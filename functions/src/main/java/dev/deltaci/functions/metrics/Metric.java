package dev.deltaci.functions.metrics;

/**
 * Every metric the control plane emits: CloudWatch (EMF) in the cloud, Prometheus text locally.
 * The names are the runbook's vocabulary; docs name them exactly as written here.
 */
public enum Metric {
    LEASE_ACQUIRED("LeaseAcquired", Unit.COUNT, "leases granted to runners"),
    LEASE_RENEWED("LeaseRenewed", Unit.COUNT, "heartbeats that renewed a lease"),
    LEASE_EXPIRED("LeaseExpired", Unit.COUNT, "leases the sweeper found expired, by outcome (requeued, failed, timed_out, cancelled)"),
    DISPATCH_LATENCY("DispatchLatency", Unit.MILLISECONDS, "time from queued to leased"),
    JOB_FINISHED("JobFinished", Unit.COUNT, "attempts that ended, by result"),
    JOB_DURATION("JobDuration", Unit.MILLISECONDS, "duration of ended attempts, by result"),
    JOB_RETRIED("JobRetried", Unit.COUNT, "attempts sent back to the queue, by failure class"),
    DYNAMODB_WRITE_LATENCY("DynamoDbWriteLatency", Unit.MILLISECONDS, "DynamoDB write calls, retries included, by operation"),
    CONDITIONAL_CHECK_FAILED("ConditionalCheckFailed", Unit.COUNT, "conditional writes whose condition did not hold, by operation");

    /** CloudWatch units this facade uses. */
    public enum Unit {
        COUNT, MILLISECONDS
    }

    private final String metricName;
    private final Unit unit;
    private final String help;

    Metric(String metricName, Unit unit, String help) {
        this.metricName = metricName;
        this.unit = unit;
        this.help = help;
    }

    public String metricName() {
        return metricName;
    }

    public Unit unit() {
        return unit;
    }

    public String help() {
        return help;
    }
}
