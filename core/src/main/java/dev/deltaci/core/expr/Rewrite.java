package dev.deltaci.core.expr;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Rewrites the expressions in a text, for inlining a composite action or a reusable workflow
 * into the file that uses it: each context path the {@code replace} function answers for is
 * replaced by the expression it gives ({@code inputs.version} by what the caller's {@code with:}
 * says), and the text is written back with the expressions printed as source.
 */
public final class Rewrite {

    private Rewrite() {
    }

    /** The text with each matching path replaced; text without {@code ${{ }}} comes back as it is. */
    public static String template(String text, Function<Expr.Path, Optional<Expr>> replace) throws ExpressionException {
        if (!text.contains("${{")) {
            return text;
        }
        StringBuilder out = new StringBuilder();
        for (Object part : Template.parse(text).parts()) {
            if (part instanceof Template.Placeholder placeholder) {
                out.append("${{ ").append(print(expr(placeholder.expr(), replace))).append(" }}");
            } else {
                out.append(part);
            }
        }
        return out.toString();
    }

    /** An {@code if:} (bare or in {@code ${{ }}}) with its paths replaced, bare. */
    public static String condition(String text, Function<Expr.Path, Optional<Expr>> replace) throws ExpressionException {
        String bare = text.strip();
        if (bare.startsWith("${{") && bare.endsWith("}}")) {
            bare = bare.substring(3, bare.length() - 2);
        }
        return print(expr(ExpressionParser.parse(bare), replace));
    }

    /**
     * What a {@code with:} value stands for inside the inlined file: text alone is a string, one
     * {@code ${{ e }}} is {@code e}, text with expressions is {@code format('v{0}', e)}.
     */
    public static Expr valueOf(String text) throws ExpressionException {
        Template template = Template.parse(text);
        if (!template.hasExpressions()) {
            return new Expr.Literal(text);
        }
        if (template.parts().size() == 1) {
            return ((Template.Placeholder) template.parts().get(0)).expr();
        }
        StringBuilder pattern = new StringBuilder();
        List<Expr> arguments = new ArrayList<>();
        arguments.add(null);
        for (Object part : template.parts()) {
            if (part instanceof Template.Placeholder placeholder) {
                pattern.append('{').append(arguments.size() - 1).append('}');
                arguments.add(placeholder.expr());
            } else {
                pattern.append(part.toString().replace("{", "{{").replace("}", "}}"));
            }
        }
        arguments.set(0, new Expr.Literal(pattern.toString()));
        return new Expr.Call("format", arguments, 0);
    }

    static Expr expr(Expr expr, Function<Expr.Path, Optional<Expr>> replace) {
        if (expr instanceof Expr.Path path) {
            Optional<Expr> replaced = replace.apply(path);
            if (replaced.isPresent()) {
                return replaced.get();
            }
            return new Expr.Path(path.context(), path.keys().stream().map(k -> expr(k, replace)).toList(), path.offset());
        }
        if (expr instanceof Expr.Not not) {
            return new Expr.Not(expr(not.operand(), replace));
        }
        if (expr instanceof Expr.Binary binary) {
            return new Expr.Binary(binary.operator(), expr(binary.left(), replace), expr(binary.right(), replace));
        }
        if (expr instanceof Expr.Call call) {
            return new Expr.Call(call.function(), call.arguments().stream().map(a -> expr(a, replace)).toList(), call.offset());
        }
        if (expr instanceof Expr.Member member) {
            return new Expr.Member(expr(member.target(), replace), member.keys().stream().map(k -> expr(k, replace)).toList());
        }
        return expr;
    }

    /** An expression as source text that parses back to the same tree (operands in parentheses). */
    public static String print(Expr expr) {
        if (expr instanceof Expr.Literal literal) {
            Object value = literal.value();
            if (value == null) {
                return "null";
            }
            if (value instanceof String text) {
                return "'" + text.replace("'", "''") + "'";
            }
            return Evaluator.asText(value);
        }
        if (expr instanceof Expr.Path path) {
            return path.context() + keys(path.keys());
        }
        if (expr instanceof Expr.Not not) {
            return "!(" + print(not.operand()) + ")";
        }
        if (expr instanceof Expr.Binary binary) {
            return "(" + print(binary.left()) + ") " + binary.operator() + " (" + print(binary.right()) + ")";
        }
        if (expr instanceof Expr.Call call) {
            return call.function() + "(" + String.join(", ", call.arguments().stream().map(Rewrite::print).toList()) + ")";
        }
        if (expr instanceof Expr.Member member) {
            return "(" + print(member.target()) + ")" + keys(member.keys());
        }
        return "*";
    }

    private static String keys(List<Expr> keys) {
        StringBuilder out = new StringBuilder();
        for (Expr key : keys) {
            if (key instanceof Expr.Star) {
                out.append(".*");
            } else if (key instanceof Expr.Literal literal && literal.value() instanceof String name
                    && name.matches("[A-Za-z_][A-Za-z0-9_-]*")) {
                out.append('.').append(name);
            } else {
                out.append('[').append(print(key)).append(']');
            }
        }
        return out.toString();
    }
}
