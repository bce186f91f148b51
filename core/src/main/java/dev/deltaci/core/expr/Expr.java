package dev.deltaci.core.expr;

import java.util.List;

/** The syntax tree of a {@code ${{ }}} expression. */
public sealed interface Expr {

    /** A string, number, boolean or null literal. */
    record Literal(Object value) implements Expr {
    }

    /** {@code context.name.more} or {@code context['name']}: a context and the keys below it. */
    record Path(String context, List<Expr> keys, int offset) implements Expr {
    }

    record Not(Expr operand) implements Expr {
    }

    /** {@code ==}, {@code !=}, {@code &&} or {@code ||}. */
    record Binary(String operator, Expr left, Expr right) implements Expr {
    }

    record Call(String function, List<Expr> arguments, int offset) implements Expr {
    }

    /** {@code fromJSON(x).name} or {@code (a || b)[0]}: keys looked up in a computed value. */
    record Member(Expr target, List<Expr> keys) implements Expr {
    }

    /**
     * {@code *} as a key: GitHub's object filter, {@code labels.*.name} is the {@code name} of
     * every item of {@code labels}; keys after it apply to each item.
     */
    record Star() implements Expr {
    }
}
