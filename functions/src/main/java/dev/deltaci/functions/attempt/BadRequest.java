package dev.deltaci.functions.attempt;

/** A runner request is malformed; answered with 400 and no state change. */
final class BadRequest extends Exception {
    BadRequest(String message) {
        super(message);
    }
}
