package dev.deltaci.functions.store;

/**
 * What a conditional transition came to: it took effect, or its condition no longer held
 * (someone moved first: another runner, the sweeper, a cancel), and nothing changed.
 */
public sealed interface Written {

    Written APPLIED = new Applied();

    record Applied() implements Written {
    }

    /** @param condition the condition expression that did not hold (one of {@link Conditions}) */
    record ConditionFailed(String condition) implements Written {
    }

    default boolean applied() {
        return this instanceof Applied;
    }
}
