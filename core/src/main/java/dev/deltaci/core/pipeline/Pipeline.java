package dev.deltaci.core.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed, validated pipeline: its jobs form a DAG through {@code needs}.
 *
 * @param on          which events run it ({@code on:}); {@link Triggers#DEFAULT} without {@code on}
 * @param concurrency the pipeline's {@code concurrency:} (one run of the group at a time), or null
 * @param notes       what {@code delta lint} tells beside a valid file: what Delta CI takes differently
 *                    from GitHub Actions (an event it does not receive, a timeout above its limit)
 */
public record Pipeline(String name, Map<String, String> env, Map<String, JobSpec> jobs, Triggers on,
                       Concurrency concurrency, List<ConfigProblem> notes) {

    public Pipeline {
        env = Map.copyOf(env);
        jobs = Collections.unmodifiableMap(new LinkedHashMap<>(jobs));
        notes = notes == null ? List.of() : List.copyOf(notes);
    }

    public Pipeline(String name, Map<String, String> env, Map<String, JobSpec> jobs, Triggers on, Concurrency concurrency) {
        this(name, env, jobs, on, concurrency, List.of());
    }

    Pipeline withNotes(List<ConfigProblem> newNotes) {
        return new Pipeline(name, env, jobs, on, concurrency, newNotes);
    }
}
