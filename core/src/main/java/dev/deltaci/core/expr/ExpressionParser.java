package dev.deltaci.core.expr;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parses the expression language of {@code ${{ }}}, a documented subset of GitHub Actions':
 * literals ({@code 'text'} with {@code ''} for a quote, numbers, {@code true}, {@code false},
 * {@code null}), context paths ({@code delta.sha}, {@code env.NAME}, {@code needs.build.result},
 * {@code env['A-B']}), {@code !}, {@code < <= > >=}, {@code ==}, {@code !=}, {@code &&}, {@code ||},
 * parentheses, and the functions {@code success() failure() always() cancelled() contains(a, b)
 * startsWith(a, b) endsWith(a, b) format(text, values...) join(array, separator) toJSON(value)
 * fromJSON(text) hashFiles(patterns...)}, keys after a call or parentheses
 * ({@code fromJSON(x).name}) and the object filter {@code items.*.name}. Precedence, highest first: {@code !},
 * then {@code < <= > >=}, then {@code == !=}, then {@code &&}, then {@code ||}.
 */
public final class ExpressionParser {

    public static final Set<String> FUNCTIONS = Set.of("success", "failure", "always", "cancelled", "contains",
            "startsWith", "endsWith", "format", "join", "toJSON", "fromJSON", "hashFiles");

    private final String text;
    private int pos;

    private ExpressionParser(String text) {
        this.text = text;
    }

    public static Expr parse(String text) throws ExpressionException {
        ExpressionParser parser = new ExpressionParser(text);
        Expr expr = parser.or();
        parser.skipSpaces();
        if (parser.pos < text.length()) {
            throw new ExpressionException(parser.pos, "unexpected '" + text.substring(parser.pos) + "'");
        }
        return expr;
    }

    private Expr or() throws ExpressionException {
        Expr left = and();
        while (accept("||")) {
            left = new Expr.Binary("||", left, and());
        }
        return left;
    }

    private Expr and() throws ExpressionException {
        Expr left = equality();
        while (accept("&&")) {
            left = new Expr.Binary("&&", left, equality());
        }
        return left;
    }

    private Expr equality() throws ExpressionException {
        Expr left = comparison();
        while (true) {
            if (accept("==")) {
                left = new Expr.Binary("==", left, comparison());
            } else if (accept("!=")) {
                left = new Expr.Binary("!=", left, comparison());
            } else {
                return left;
            }
        }
    }

    /** {@code < <= > >=}, above {@code == !=} as in GitHub Actions. */
    private Expr comparison() throws ExpressionException {
        Expr left = unary();
        while (true) {
            String operator = accept("<=") ? "<=" : accept(">=") ? ">=" : accept("<") ? "<" : accept(">") ? ">" : null;
            if (operator == null) {
                return left;
            }
            left = new Expr.Binary(operator, left, unary());
        }
    }

    private Expr unary() throws ExpressionException {
        if (accept("!")) {
            return new Expr.Not(unary());
        }
        return primary();
    }

    private Expr primary() throws ExpressionException {
        skipSpaces();
        if (pos >= text.length()) {
            throw new ExpressionException(pos, "expression ends where a value was expected");
        }
        char c = text.charAt(pos);
        if (c == '(') {
            pos++;
            Expr inner = or();
            expect(")");
            return members(inner);
        }
        if (c == '\'') {
            return new Expr.Literal(string());
        }
        if (Character.isDigit(c) || (c == '-' && pos + 1 < text.length() && Character.isDigit(text.charAt(pos + 1)))) {
            return new Expr.Literal(number());
        }
        if (Character.isLetter(c) || c == '_') {
            int start = pos;
            String name = identifier();
            switch (name) {
                case "true" -> {
                    return new Expr.Literal(Boolean.TRUE);
                }
                case "false" -> {
                    return new Expr.Literal(Boolean.FALSE);
                }
                case "null" -> {
                    return new Expr.Literal(null);
                }
                default -> {
                    // a name alone, a call, or the start of a context path
                }
            }
            skipSpaces();
            if (pos < text.length() && text.charAt(pos) == '(') {
                return members(call(name, start));
            }
            return path(name, start);
        }
        throw new ExpressionException(pos, "unexpected '" + c + "'");
    }

    private Expr call(String written, int start) throws ExpressionException {
        // function names ignore case, as GitHub's do: toJson, fromJson and startswith are toJSON, fromJSON, startsWith
        String name = FUNCTIONS.stream().filter(f -> f.equalsIgnoreCase(written)).findFirst().orElse(written);
        if (!FUNCTIONS.contains(name)) {
            throw new ExpressionException(start, "unknown function '" + name + "'; functions are: "
                    + String.join(", ", FUNCTIONS.stream().sorted().toList()));
        }
        pos++; // (
        List<Expr> arguments = new ArrayList<>();
        skipSpaces();
        if (!accept(")")) {
            do {
                arguments.add(or());
            } while (accept(","));
            expect(")");
        }
        if (name.equals("format")) {
            if (arguments.isEmpty()) {
                throw new ExpressionException(start, "format() takes a format string and its values, found no argument");
            }
            if (arguments.get(0) instanceof Expr.Literal literal && literal.value() instanceof String pattern) {
                java.util.regex.Matcher index = java.util.regex.Pattern.compile("(?<!\\{)\\{(\\d{1,6})}").matcher(
                        pattern.replace("{{", "").replace("}}", ""));
                while (index.find()) {
                    if (Integer.parseInt(index.group(1)) >= arguments.size() - 1) {
                        throw new ExpressionException(start, "format(): '{" + index.group(1) + "}' names no value; "
                                + "it is given " + (arguments.size() - 1));
                    }
                }
            }
            return new Expr.Call(name, arguments, start);
        }
        if (name.equals("hashFiles")) {
            if (arguments.isEmpty()) {
                throw new ExpressionException(start, "hashFiles() takes one or more file patterns, found no argument");
            }
            return new Expr.Call(name, arguments, start);
        }
        if (name.equals("join") && (arguments.size() == 1 || arguments.size() == 2)) {
            return new Expr.Call(name, arguments, start);
        }
        int wanted = switch (name) {
            case "contains", "startsWith", "endsWith", "join" -> 2;
            case "toJSON", "fromJSON" -> 1;
            default -> 0;
        };
        if (arguments.size() != wanted) {
            throw new ExpressionException(start, name + "() takes " + wanted + " argument(s), found " + arguments.size());
        }
        return new Expr.Call(name, arguments, start);
    }

    private Expr path(String context, int start) throws ExpressionException {
        return new Expr.Path(context, keys(), start);
    }

    /** A computed value and the keys after it, if any. */
    private Expr members(Expr target) throws ExpressionException {
        List<Expr> keys = keys();
        return keys.isEmpty() ? target : new Expr.Member(target, keys);
    }

    /** {@code .name}, {@code .*}, {@code [expr]} or {@code [*]}, as many as follow. */
    private List<Expr> keys() throws ExpressionException {
        List<Expr> keys = new ArrayList<>();
        while (true) {
            if (pos < text.length() && text.charAt(pos) == '.') {
                pos++;
                if (pos < text.length() && text.charAt(pos) == '*') {
                    pos++;
                    keys.add(new Expr.Star());
                    continue;
                }
                if (pos >= text.length() || !(Character.isLetter(text.charAt(pos)) || text.charAt(pos) == '_')) {
                    throw new ExpressionException(pos, "a name or '*' must follow '.'");
                }
                keys.add(new Expr.Literal(identifier()));
            } else if (pos < text.length() && text.charAt(pos) == '[') {
                pos++;
                skipSpaces();
                if (pos < text.length() && text.charAt(pos) == '*') {
                    pos++;
                    keys.add(new Expr.Star());
                } else {
                    keys.add(or());
                }
                expect("]");
            } else {
                return keys;
            }
        }
    }

    private String identifier() {
        int start = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_'
                || text.charAt(pos) == '-')) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private String string() throws ExpressionException {
        int start = pos;
        pos++; // opening quote
        StringBuilder value = new StringBuilder();
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '\'') {
                if (pos < text.length() && text.charAt(pos) == '\'') {
                    value.append('\'');
                    pos++;
                } else {
                    return value.toString();
                }
            } else {
                value.append(c);
            }
        }
        throw new ExpressionException(start, "string is not closed with '");
    }

    private Double number() throws ExpressionException {
        int start = pos;
        if (text.charAt(pos) == '-') {
            pos++;
        }
        while (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
            pos++;
        }
        try {
            return Double.valueOf(text.substring(start, pos));
        } catch (NumberFormatException e) {
            throw new ExpressionException(start, "not a number: '" + text.substring(start, pos) + "'");
        }
    }

    private boolean accept(String token) {
        skipSpaces();
        if (text.startsWith(token, pos)) {
            // '!' must not swallow the first character of '!='
            if (token.equals("!") && text.startsWith("!=", pos)) {
                return false;
            }
            pos += token.length();
            return true;
        }
        return false;
    }

    private void expect(String token) throws ExpressionException {
        if (!accept(token)) {
            throw new ExpressionException(pos, "expected '" + token + "'");
        }
    }

    private void skipSpaces() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }
}
