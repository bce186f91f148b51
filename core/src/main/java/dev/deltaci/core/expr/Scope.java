package dev.deltaci.core.expr;

import java.util.List;
import java.util.Map;

/**
 * What an expression can see: contexts by name (nested maps of strings, numbers, booleans)
 * and the state the status functions report.
 *
 * @param success   what {@code success()} returns: nothing before has failed
 * @param failure   what {@code failure()} returns: something before has failed
 * @param cancelled what {@code cancelled()} returns: the run was cancelled
 */
public record Scope(Map<String, Object> contexts, boolean success, boolean failure, boolean cancelled, Files files) {

    /** What {@code hashFiles()} reads: the workspace of a job, where a runner evaluates. */
    @FunctionalInterface
    public interface Files {
        /** The hash of the files the patterns match, as hex; empty text when none matches. */
        String hash(List<String> patterns);
    }

    /** Outside a job's workspace (the control plane): hashFiles() has nothing to read. */
    public static final Files NO_FILES = patterns -> {
        throw new IllegalArgumentException("hashFiles() reads a job's workspace; it is available only in steps");
    };

    public Scope {
        contexts = Map.copyOf(contexts);
        files = files == null ? NO_FILES : files;
    }

    public Scope(Map<String, Object> contexts, boolean success, boolean failure, boolean cancelled) {
        this(contexts, success, failure, cancelled, NO_FILES);
    }
}
