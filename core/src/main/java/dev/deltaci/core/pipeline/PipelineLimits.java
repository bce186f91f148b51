package dev.deltaci.core.pipeline;

import java.util.Map;

/**
 * How big a pipeline may be. Each limit keeps a run within what the control plane can write
 * well inside GitHub's 10-second webhook budget and DynamoDB's 400 KB item size; past one the
 * run fails as {@code config_error}, naming the limit, the number found and the setting that
 * raises it. The same limits apply to {@code delta lint}.
 *
 * @param maxFileBytes    the pipeline file's size in bytes
 * @param maxJobs         jobs in one run, after matrix expansion
 * @param maxJobSpecBytes one job's definition, counted as the text of its keys and values with
 *                        every YAML alias expanded (what is stored for it)
 * @param maxAliases      YAML aliases ({@code *name}) in the file
 */
public record PipelineLimits(int maxFileBytes, int maxJobs, int maxJobSpecBytes, int maxAliases) {

    public static final PipelineLimits DEFAULTS = new PipelineLimits(256 * 1024, 1000, 64 * 1024, 50);

    /** The environment variables that set them (function configuration, and {@code delta lint}'s). */
    public static final String MAX_FILE_BYTES = "DELTA_MAX_PIPELINE_BYTES";
    public static final String MAX_JOBS = "DELTA_MAX_JOBS_PER_RUN";
    public static final String MAX_JOB_SPEC_BYTES = "DELTA_MAX_JOB_SPEC_BYTES";
    public static final String MAX_ALIASES = "DELTA_MAX_YAML_ALIASES";

    /** No setting may go past what the store can hold: a job item is at most 400 KB in DynamoDB. */
    private static final int CEILING_JOB_SPEC_BYTES = 300 * 1024;

    public PipelineLimits {
        if (maxFileBytes < 1 || maxJobs < 1 || maxJobSpecBytes < 1 || maxAliases < 0) {
            throw new IllegalArgumentException("pipeline limits must be positive");
        }
        if (maxJobSpecBytes > CEILING_JOB_SPEC_BYTES) {
            throw new IllegalArgumentException(MAX_JOB_SPEC_BYTES + " may be at most " + CEILING_JOB_SPEC_BYTES
                    + " (a job is stored as one DynamoDB item, at most 400 KB)");
        }
    }

    /** The defaults, with any of the four variables set in {@code env} instead. */
    public static PipelineLimits fromEnvironment(Map<String, String> env) {
        return new PipelineLimits(read(env, MAX_FILE_BYTES, DEFAULTS.maxFileBytes), read(env, MAX_JOBS, DEFAULTS.maxJobs),
                read(env, MAX_JOB_SPEC_BYTES, DEFAULTS.maxJobSpecBytes), read(env, MAX_ALIASES, DEFAULTS.maxAliases));
    }

    private static int read(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, found '" + value + "'");
        }
    }
}
