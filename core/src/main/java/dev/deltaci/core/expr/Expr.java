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
}
