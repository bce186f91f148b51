package dev.deltaci.core.expr;

import java.util.Map;

/**
 * What an expression can see: contexts by name (nested maps of strings, numbers, booleans)
 * and the state the status functions report.
 *
 * @param success   what {@code success()} returns: nothing before has failed
 * @param failure   what {@code failure()} returns: something before has failed
 * @param cancelled what {@code cancelled()} returns: the run was cancelled
 */
public record Scope(Map<String, Object> contexts, boolean success, boolean failure, boolean cancelled) {

    public Scope {
        contexts = Map.copyOf(contexts);
    }
}
