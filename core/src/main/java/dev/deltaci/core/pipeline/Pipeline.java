package dev.deltaci.core.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parsed, validated pipeline: its jobs form a DAG through {@code needs}.
 *
 * @param push which pushes run it ({@code on: push}); {@link PushTrigger#ALL} without {@code on}
 */
public record Pipeline(String name, Map<String, String> env, Map<String, JobSpec> jobs, PushTrigger push) {

    public Pipeline {
        env = Map.copyOf(env);
        jobs = Collections.unmodifiableMap(new LinkedHashMap<>(jobs));
    }
}
