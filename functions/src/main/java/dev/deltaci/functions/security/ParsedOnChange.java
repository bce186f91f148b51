package dev.deltaci.functions.security;

import java.util.function.Function;
import java.util.function.Supplier;

/** A configuration parsed from secret text, parsed again only when the text changes (a rotation). */
public final class ParsedOnChange<T> implements Supplier<T> {

    private record Parsed<T>(String text, T value) {
    }

    private final Supplier<String> text;
    private final Function<String, T> parser;
    private volatile Parsed<T> last;

    public ParsedOnChange(Supplier<String> text, Function<String, T> parser) {
        this.text = text;
        this.parser = parser;
    }

    @Override
    public T get() {
        String current = text.get();
        Parsed<T> parsed = last;
        if (parsed == null || !parsed.text().equals(current)) {
            parsed = new Parsed<>(current, parser.apply(current));
            last = parsed;
        }
        return parsed.value();
    }
}
