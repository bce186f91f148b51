package dev.deltaci.local.cli;

/** What {@code delta} exit codes mean; scripts may rely on them. */
final class ExitCodes {
    static final int SUCCEEDED = 0;
    static final int RUN_FAILED = 1;
    static final int USAGE_OR_CONFIG = 2;
    static final int INTERNAL = 3;

    private ExitCodes() {
    }
}
