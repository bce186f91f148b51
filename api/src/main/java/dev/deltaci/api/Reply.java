package dev.deltaci.api;

/** An answer of the runner API. Its HTTP status follows from what it is, never the other way round. */
public interface Reply {
    int httpStatus();
}
