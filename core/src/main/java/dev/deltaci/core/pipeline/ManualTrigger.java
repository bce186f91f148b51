package dev.deltaci.core.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code on: workflow_dispatch}: runs started by hand ({@code POST /runs}, {@code delta trigger})
 * with the {@code inputs} it declares, which steps and conditions read as {@code inputs.<name>}.
 */
public record ManualTrigger(Map<String, Input> inputs) {

    public static final int MAX_INPUTS = 25;
    public static final int MAX_VALUE_LENGTH = 4096;
    public static final List<String> TYPES = List.of("string", "boolean", "choice");

    /** One declared input; {@code defaultValue} null means none, {@code options} only for {@code choice}. */
    public record Input(String name, String description, boolean required, String defaultValue, String type,
                        List<String> options) {
        public Input {
            options = options == null ? List.of() : List.copyOf(options);
        }
    }

    public ManualTrigger {
        inputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    }

    /** The values a run gets: those given, checked, and defaults for the rest. */
    public record Resolution(Map<String, String> values, List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    public Resolution resolve(Map<String, String> given) {
        List<String> problems = new ArrayList<>();
        for (String name : given.keySet()) {
            if (!inputs.containsKey(name)) {
                problems.add("unknown input '" + name + "'; the pipeline declares: "
                        + (inputs.isEmpty() ? "none" : String.join(", ", inputs.keySet())));
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Input input : inputs.values()) {
            String value = given.containsKey(input.name()) ? given.get(input.name()) : input.defaultValue();
            if (value == null) {
                if (input.required()) {
                    problems.add("input '" + input.name() + "' is required"
                            + (input.description() == null ? "" : " (" + input.description() + ")"));
                }
                continue;
            }
            if (value.length() > MAX_VALUE_LENGTH) {
                problems.add("input '" + input.name() + "' is longer than " + MAX_VALUE_LENGTH + " characters");
            } else if (input.type().equals("boolean") && !value.equals("true") && !value.equals("false")) {
                problems.add("input '" + input.name() + "' is a boolean: use true or false, not '" + value + "'");
            } else if (input.type().equals("choice") && !input.options().contains(value)) {
                problems.add("input '" + input.name() + "' must be one of " + input.options() + ", not '" + value + "'");
            } else {
                values.put(input.name(), value);
            }
        }
        return new Resolution(values, problems);
    }
}
