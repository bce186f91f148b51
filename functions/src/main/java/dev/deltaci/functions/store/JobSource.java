package dev.deltaci.functions.store;

import java.util.Map;

/**
 * What a job was given by its run, copied onto the job so that a lease answer needs no second
 * read: the commit to check out, the repository, the event that started the run, a manual run's
 * inputs, and whether it is a pull request from a fork (whose jobs get no secrets).
 */
public record JobSource(String cloneUrl, String sha, String ref, String repository, String event,
                        Map<String, String> inputs, boolean fork) {

    public JobSource {
        inputs = inputs == null ? Map.of() : Map.copyOf(inputs);
    }

    static JobSource of(RunRecord run) {
        return new JobSource(run.cloneUrl(), run.sha(), run.ref(), run.repository(), run.trigger(), run.inputs(),
                run.fork());
    }

    static final class Builder {
        String cloneUrl;
        String sha;
        String ref;
        String repository;
        String event;
        Map<String, String> inputs;
        boolean fork;

        JobSource build() {
            return new JobSource(cloneUrl, sha, ref, repository, event, inputs, fork);
        }
    }
}
