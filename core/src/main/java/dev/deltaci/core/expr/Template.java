package dev.deltaci.core.expr;

import java.util.ArrayList;
import java.util.List;

/** Text with {@code ${{ expression }}} parts, such as a {@code run:} command or an {@code env} value. */
public record Template(List<Object> parts) {

    /** A part of a template: literal text, or an expression and where it starts in the text. */
    public record Placeholder(Expr expr, int offset) {
    }

    public static Template parse(String text) throws ExpressionException {
        List<Object> parts = new ArrayList<>();
        int pos = 0;
        while (true) {
            int open = text.indexOf("${{", pos);
            if (open < 0) {
                if (pos < text.length()) {
                    parts.add(text.substring(pos));
                }
                return new Template(parts);
            }
            int close = text.indexOf("}}", open + 3);
            if (close < 0) {
                throw new ExpressionException(open, "'${{' is not closed with '}}'");
            }
            if (open > pos) {
                parts.add(text.substring(pos, open));
            }
            try {
                parts.add(new Placeholder(ExpressionParser.parse(text.substring(open + 3, close)), open));
            } catch (ExpressionException e) {
                throw new ExpressionException(open + 3 + e.offset(), e.getMessage());
            }
            pos = close + 2;
        }
    }

    public boolean hasExpressions() {
        return parts.stream().anyMatch(Placeholder.class::isInstance);
    }

    public String render(Scope scope) {
        StringBuilder out = new StringBuilder();
        for (Object part : parts) {
            out.append(part instanceof Placeholder p ? Evaluator.asText(Evaluator.evaluate(p.expr(), scope)) : part);
        }
        return out.toString();
    }

    /** Every expression in the template, for checking the names it uses. */
    public List<Placeholder> placeholders() {
        return parts.stream().filter(Placeholder.class::isInstance).map(Placeholder.class::cast).toList();
    }
}
