package dev.deltaci.core.expr;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Evaluates expressions the way GitHub Actions does where the two overlap: string comparison
 * ignores case, {@code ==} between different types compares them as numbers, {@code &&} and
 * {@code ||} return one of their operands, and {@code false, 0, '', null} are falsy. Names in
 * contexts are looked up ignoring case; a missing one is {@code null}.
 */
public final class Evaluator {

    private Evaluator() {
    }

    public static Object evaluate(Expr expr, Scope scope) {
        if (expr instanceof Expr.Literal literal) {
            return literal.value();
        }
        if (expr instanceof Expr.Path path) {
            return resolve(path, scope);
        }
        if (expr instanceof Expr.Not not) {
            return !truthy(evaluate(not.operand(), scope));
        }
        if (expr instanceof Expr.Binary binary) {
            return binary(binary, scope);
        }
        if (expr instanceof Expr.Member member) {
            return keys(evaluate(member.target(), scope), member.keys(), scope);
        }
        if (expr instanceof Expr.Call call) {
            return call(call, scope);
        }
        throw new IllegalStateException("'*' is a key, not a value");
    }

    public static boolean test(Expr expr, Scope scope) {
        return truthy(evaluate(expr, scope));
    }

    /**
     * An {@code if:} as GitHub reads it: a condition that calls none of the status functions
     * ({@code success() failure() always() cancelled()}) holds only when {@code success()} does too.
     */
    public static boolean condition(Expr expr, Scope scope) {
        boolean implicitSuccess = !callsStatusFunction(expr);
        return (!implicitSuccess || (scope.success() && !scope.cancelled())) && test(expr, scope);
    }

    private static boolean callsStatusFunction(Expr expr) {
        if (expr instanceof Expr.Call call) {
            return List.of("success", "failure", "always", "cancelled").contains(call.function())
                    || call.arguments().stream().anyMatch(Evaluator::callsStatusFunction);
        }
        if (expr instanceof Expr.Not not) {
            return callsStatusFunction(not.operand());
        }
        if (expr instanceof Expr.Binary binary) {
            return callsStatusFunction(binary.left()) || callsStatusFunction(binary.right());
        }
        if (expr instanceof Expr.Path path) {
            return path.keys().stream().anyMatch(Evaluator::callsStatusFunction);
        }
        if (expr instanceof Expr.Member member) {
            return callsStatusFunction(member.target()) || member.keys().stream().anyMatch(Evaluator::callsStatusFunction);
        }
        return false;
    }

    public static boolean truthy(Object value) {
        if (value == null) {
            return false;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof Double d) {
            return d != 0 && !d.isNaN();
        }
        if (value instanceof String s) {
            return !s.isEmpty();
        }
        return true;
    }

    /** How a value reads when put into text: whole numbers without ".0", null as nothing. */
    public static String asText(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
            return Long.toString(d.longValue());
        }
        return value.toString();
    }

    private static Object binary(Expr.Binary binary, Scope scope) {
        Object left = evaluate(binary.left(), scope);
        return switch (binary.operator()) {
            case "&&" -> truthy(left) ? evaluate(binary.right(), scope) : left;
            case "||" -> truthy(left) ? left : evaluate(binary.right(), scope);
            case "==" -> looselyEqual(left, evaluate(binary.right(), scope));
            case "!=" -> !looselyEqual(left, evaluate(binary.right(), scope));
            case "<", "<=", ">", ">=" -> compare(binary.operator(), left, evaluate(binary.right(), scope));
            default -> throw new IllegalStateException("operator " + binary.operator());
        };
    }

    /**
     * GitHub Actions' ordering: two strings compare as text ignoring case, anything else as
     * numbers (a text that is not a number is NaN, and NaN is neither smaller nor larger).
     */
    private static boolean compare(String operator, Object a, Object b) {
        int order;
        if (a instanceof String x && b instanceof String y) {
            order = x.compareToIgnoreCase(y);
        } else {
            double x = number(a);
            double y = number(b);
            if (Double.isNaN(x) || Double.isNaN(y)) {
                return false;
            }
            order = Double.compare(x, y);
        }
        return switch (operator) {
            case "<" -> order < 0;
            case "<=" -> order <= 0;
            case ">" -> order > 0;
            default -> order >= 0;
        };
    }

    private static boolean looselyEqual(Object a, Object b) {
        if (a instanceof String x && b instanceof String y) {
            return x.equalsIgnoreCase(y);
        }
        if (a == null && b == null) {
            return true;
        }
        if (a instanceof Map || b instanceof Map || a instanceof List || b instanceof List) {
            return a == b;
        }
        double x = number(a);
        double y = number(b);
        return x == y;
    }

    private static double number(Object value) {
        if (value == null) {
            return 0;
        }
        if (value instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (value instanceof Double d) {
            return d;
        }
        String text = value.toString().strip();
        if (text.isEmpty()) {
            return 0;
        }
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static Object call(Expr.Call call, Scope scope) {
        return switch (call.function()) {
            case "success" -> scope.success() && !scope.cancelled();
            case "failure" -> scope.failure();
            case "always" -> true;
            case "cancelled" -> scope.cancelled();
            case "contains" -> asText(evaluate(call.arguments().get(0), scope)).toLowerCase(Locale.ROOT)
                    .contains(asText(evaluate(call.arguments().get(1), scope)).toLowerCase(Locale.ROOT));
            case "startsWith" -> asText(evaluate(call.arguments().get(0), scope)).toLowerCase(Locale.ROOT)
                    .startsWith(asText(evaluate(call.arguments().get(1), scope)).toLowerCase(Locale.ROOT));
            case "endsWith" -> asText(evaluate(call.arguments().get(0), scope)).toLowerCase(Locale.ROOT)
                    .endsWith(asText(evaluate(call.arguments().get(1), scope)).toLowerCase(Locale.ROOT));
            case "format" -> format(call, scope);
            case "join" -> join(evaluate(call.arguments().get(0), scope),
                    call.arguments().size() > 1 ? asText(evaluate(call.arguments().get(1), scope)) : ",");
            case "toJSON" -> Json.write(evaluate(call.arguments().get(0), scope));
            case "fromJSON" -> Json.read(asText(evaluate(call.arguments().get(0), scope)));
            case "hashFiles" -> scope.files().hash(call.arguments().stream().map(a -> asText(evaluate(a, scope))).toList());
            default -> throw new IllegalStateException("function " + call.function());
        };
    }

    /** {@code join(array, sep)}: the items as text between separators; a value that is not an array, as text. */
    private static String join(Object value, String separator) {
        if (value instanceof List<?> items) {
            return String.join(separator, items.stream().map(Evaluator::asText).toList());
        }
        return asText(value);
    }

    /** {@code format('{0} v{1}', a, b)}: {@code {N}} is the N-th value, {@code {{} and {@code }}} are braces. */
    private static String format(Expr.Call call, Scope scope) {
        String pattern = asText(evaluate(call.arguments().get(0), scope));
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if ((c == '{' || c == '}') && i + 1 < pattern.length() && pattern.charAt(i + 1) == c) {
                out.append(c);
                i++;
            } else if (c == '{') {
                int close = pattern.indexOf('}', i);
                String index = close < 0 ? "" : pattern.substring(i + 1, close);
                if (!index.matches("\\d{1,3}") || Integer.parseInt(index) + 1 >= call.arguments().size()) {
                    out.append(c); // checked when the text is a literal (ExpressionParser); a computed one stays as it is
                    continue;
                }
                out.append(asText(evaluate(call.arguments().get(Integer.parseInt(index) + 1), scope)));
                i = close;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static Object resolve(Expr.Path path, Scope scope) {
        return keys(lookup(scope.contexts(), path.context()), path.keys(), scope);
    }

    /**
     * Looks the keys up one after the other: a name in an object, a number in an array; after a
     * {@code *}, in each item (the result is the array of what each gives, missing ones left out).
     */
    private static Object keys(Object value, List<Expr> keys, Scope scope) {
        boolean filtered = false;
        for (Expr key : keys) {
            if (key instanceof Expr.Star) {
                List<Object> items = new java.util.ArrayList<>();
                for (Object item : filtered ? (List<?>) value : List.of(value == null ? List.of() : value)) {
                    if (item instanceof Map<?, ?> map) {
                        items.addAll(map.values());
                    } else if (item instanceof List<?> list) {
                        items.addAll(list);
                    }
                }
                value = items;
                filtered = true;
            } else if (filtered) {
                String name = asText(evaluate(key, scope));
                List<Object> items = new java.util.ArrayList<>();
                for (Object item : (List<?>) value) {
                    Object found = member(item, name);
                    if (found != null) {
                        items.add(found);
                    }
                }
                value = items;
            } else {
                value = member(value, asText(evaluate(key, scope)));
            }
        }
        return value;
    }

    private static Object member(Object value, String name) {
        if (value instanceof Map<?, ?> map) {
            return lookup(map, name);
        }
        if (value instanceof List<?> list && name.matches("\\d{1,9}")) {
            int index = Integer.parseInt(name);
            return index < list.size() ? list.get(index) : null;
        }
        return null;
    }

    private static Object lookup(Map<?, ?> map, String name) {
        Object exact = map.get(name);
        if (exact != null) {
            return exact;
        }
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (entry.getKey().toString().equalsIgnoreCase(name)) {
                return entry.getValue();
            }
        }
        return null;
    }
}
