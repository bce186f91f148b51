package dev.deltaci.core.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parsed, validated pipeline: its jobs form a DAG through {@code needs}.
 *
 * @param on          which events run it ({@code on:}); {@link Triggers#DEFAULT} without {@code on}
 * @param concurrency the pipeline's {@code concurrency:} (one run of the group at a time), or null
 */
public record Pipeline(String name, Map<String, String> env, Map<String, JobSpec> jobs, Triggers on,
                       Concurrency concurrency) {

    public Pipeline {
        env = Map.copyOf(env);
        jobs = Collections.unmodifiableMap(new LinkedHashMap<>(jobs));
    }
}
