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
 */
public record JobSpec(String key, String name, Map<String, String> env, List<String> needs,
                      List<StepSpec> steps, int timeoutMinutes, int queueTimeoutMinutes, RetrySpec retry,
                      String condition, Strategy strategy, MatrixInstance matrix) {

    public static final int DEFAULT_TIMEOUT_MINUTES = 60;
    public static final int DEFAULT_QUEUE_TIMEOUT_MINUTES = 24 * 60;

    public JobSpec {
        env = Map.copyOf(env);
        needs = List.copyOf(needs);
        steps = List.copyOf(steps);
        retry = retry == null ? RetrySpec.NONE : retry;
    }
}
