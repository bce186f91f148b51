package dev.deltaci.core.job;

import java.util.Arrays;
import java.util.Locale;

/** Why a job attempt ended without success; retry policy is decided by class, never by guess. */
public enum FailureClass {
    /** A step exited non-zero. */
    SCRIPT_FAILURE,
    /** The job ran past its timeout. */
    TIMEOUT,
    /** The runner stopped heartbeating and its lease expired. */
    RUNNER_LOST,
    /** The runner could not prepare or report the job (checkout, upload, API). */
    INFRA_ERROR,
    /** The pipeline file is invalid; retrying cannot help. */
    CONFIG_ERROR,
    /** Someone cancelled the run. */
    CANCELLED;

    /** The name used on the wire and in stored items, e.g. {@code script_failure}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static FailureClass fromWireName(String name) {
        return Arrays.stream(values())
                .filter(c -> c.wireName().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown failure class '" + name + "'"));
    }

    /** The job state an attempt ending with this class leads to. */
    public JobState terminalState() {
        return switch (this) {
            case TIMEOUT -> JobState.TIMED_OUT;
            case CANCELLED -> JobState.CANCELLED;
            default -> JobState.FAILED;
        };
    }
}
