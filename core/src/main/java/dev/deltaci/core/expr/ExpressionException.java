package dev.deltaci.core.expr;

/** An expression that cannot be parsed or refers to something unknown; {@code offset} is 0-based within it. */
public final class ExpressionException extends Exception {

    private final int offset;

    public ExpressionException(int offset, String message) {
        super(message);
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }
}
