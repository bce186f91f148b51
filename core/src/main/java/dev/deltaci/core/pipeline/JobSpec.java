package dev.deltaci.core.pipeline;

import java.util.List;
import java.util.Map;

/**
 * One job of a pipeline as written in {@code .delta/pipeline.yml}.
 *
 * @param key            the job's id under {@code jobs:}, unique in the pipeline
 * @param name           display name; defaults to the key
 * @param env            job environment, merged over the pipeline's
 * @param needs          keys of the jobs that must succeed first
 * @param steps          the shell steps, run in order
 * @param timeoutMinutes wall-clock limit for one attempt of the job, enforced by runner and sweeper
 * @param queueTimeoutMinutes how long the job may wait in the queue for a runner before it fails
 * @param retry          the job's {@code retry:}, or {@link RetrySpec#NONE}
 * @param condition      the job's {@code if:} expression, or null for {@code success()}
 * @param strategy       the job's {@code strategy} as written, or null (expanded jobs have none)
 * @param matrix         for one job of an expanded matrix, which one; otherwise null
 * @param continueOnError whether the run and its dependants treat this job's failure as success
 * @param concurrency    the job's {@code concurrency:}, or null
 * @param artifacts      workspace paths kept after the job succeeds and handed to its dependants
 * @param labels         what a runner must have (all of them, lower case) to run this job; empty: any runner
 * @param image          the container image its steps run in (may use {@code ${{ matrix.* }}}), or null
 * @param outputs        its {@code outputs:}, name to template, rendered by the runner when the job ends
 * @param matrixFields   its {@code runs-on} and {@code continue-on-error} where they use {@code matrix.*},
 *                       worked out into {@code labels} and {@code continueOnError} for each instance; or null
 * @param call           for a job of a reusable workflow, the job that called it; otherwise null
 * @param services       containers started beside the job ({@code services:}), by name order as written
 */
public record JobSpec(String key, String name, Map<String, String> env, List<String> needs,
                      List<StepSpec> steps, int timeoutMinutes, int queueTimeoutMinutes, RetrySpec retry,
                      String condition, Strategy strategy, MatrixInstance matrix, boolean continueOnError,
                      Concurrency concurrency, List<String> artifacts, List<String> labels, String image,
                      Map<String, String> outputs, MatrixFields matrixFields, WorkflowCall call,
                      List<ServiceSpec> services) {

    public static final int DEFAULT_TIMEOUT_MINUTES = 60;
    public static final int DEFAULT_QUEUE_TIMEOUT_MINUTES = 24 * 60;

    public JobSpec {
        env = Map.copyOf(env);
        needs = List.copyOf(needs);
        steps = List.copyOf(steps);
        retry = retry == null ? RetrySpec.NONE : retry;
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
        labels = labels == null ? List.of() : List.copyOf(labels);
        outputs = outputs == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(outputs));
        services = services == null ? List.of() : List.copyOf(services);
    }

    /** A job with only the essentials, as tests and benchmarks write them. */
    public static JobSpec simple(String key, List<String> needs, List<StepSpec> steps) {
        return new JobSpec(key, key, Map.of(), needs, steps, DEFAULT_TIMEOUT_MINUTES, DEFAULT_QUEUE_TIMEOUT_MINUTES,
                RetrySpec.NONE, null, null, null, false, null, List.of(), List.of(), null, Map.of(), null, null, List.of());
    }

    public JobSpec withEnv(Map<String, String> newEnv) {
        return new JobSpec(key, name, newEnv, needs, steps, timeoutMinutes, queueTimeoutMinutes, retry, condition,
                strategy, matrix, continueOnError, concurrency, artifacts, labels, image, outputs, matrixFields, call, services);
    }

    public JobSpec withNeeds(List<String> newNeeds) {
        return new JobSpec(key, name, env, newNeeds, steps, timeoutMinutes, queueTimeoutMinutes, retry, condition,
                strategy, matrix, continueOnError, concurrency, artifacts, labels, image, outputs, matrixFields, call, services);
    }

    /** One instance of this job's matrix: its own key and name, no strategy. */
    public JobSpec asInstance(String instanceKey, String instanceName, MatrixInstance instance) {
        return new JobSpec(instanceKey, instanceName, env, needs, steps, timeoutMinutes, queueTimeoutMinutes, retry,
                condition, null, instance,
                matrixFields == null || matrixFields.continueOnError() == null ? continueOnError
                        : matrixFields.continuesOnError(instance.values()), concurrency, artifacts,
                matrixFields == null || matrixFields.runsOn() == null ? labels : matrixFields.labels(instance.values()),
                image, outputs, null, call, services);
    }

    /** This job as one of a reusable workflow's, called by another. */
    public JobSpec withCall(WorkflowCall newCall) {
        return new JobSpec(key, name, env, needs, steps, timeoutMinutes, queueTimeoutMinutes, retry, condition,
                strategy, matrix, continueOnError, concurrency, artifacts, labels, image, outputs, matrixFields, newCall, services);
    }
}
