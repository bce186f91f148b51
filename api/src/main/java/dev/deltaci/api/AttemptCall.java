package dev.deltaci.api;

/**
 * A call about one attempt of a job: it names the job, the runner and the lease epoch, and the
 * control plane acts on it only if all three are the lease's (else {@link LeaseLost}, nothing changed).
 */
public interface AttemptCall {
    String runId();

    String jobKey();

    String runnerId();

    long epoch();
}
