package dev.deltaci.core.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * What GitHub's hosted runner names in {@code runs-on} mean on this Delta CI: the runner labels
 * each stands for. By default {@code ubuntu-*} is any runner (the default pool: no label),
 * {@code windows-*} needs a runner labelled {@code windows} and {@code macos-*} one labelled
 * {@code macos}; {@code self-hosted} adds nothing. {@code DELTA_HOSTED_RUNNER_LABELS} (a JSON
 * object of names to label lists, e.g. {@code {"ubuntu-latest": ["linux", "x64"]}}) says
 * otherwise for the names it lists.
 */
public record HostedRunners(Map<String, List<String>> overrides) {

    public static final String VARIABLE = "DELTA_HOSTED_RUNNER_LABELS";
    public static final HostedRunners DEFAULTS = new HostedRunners(Map.of());

    public HostedRunners {
        overrides = Map.copyOf(overrides);
    }

    /** The labels a {@code runs-on} name stands for, or empty when it is not a hosted runner's name (a label, then). */
    public Optional<List<String>> labelsFor(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (overrides.containsKey(lower)) {
            return Optional.of(overrides.get(lower));
        }
        if (lower.equals("self-hosted") || lower.startsWith("ubuntu-")) {
            return Optional.of(List.of());
        }
        if (lower.startsWith("windows-")) {
            return Optional.of(List.of("windows"));
        }
        if (lower.startsWith("macos-")) {
            return Optional.of(List.of("macos"));
        }
        return Optional.empty();
    }

    /** The defaults, with {@link #VARIABLE}'s names instead where it is set. */
    public static HostedRunners fromEnvironment(Map<String, String> env) {
        String json = env.get(VARIABLE);
        if (json == null || json.isBlank()) {
            return DEFAULTS;
        }
        Object parsed;
        try {
            parsed = new Load(LoadSettings.builder().build()).loadFromString(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(VARIABLE + " is not JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(VARIABLE + " must be a JSON object of runner names to label lists");
        }
        Map<String, List<String>> overrides = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            List<String> labels = new ArrayList<>();
            if (entry.getValue() instanceof List<?> list) {
                for (Object label : list) {
                    String text = String.valueOf(label).strip().toLowerCase(java.util.Locale.ROOT);
                    if (!RunnerLabels.LABEL.matcher(text).matches()) {
                        throw new IllegalArgumentException(VARIABLE + ": '" + label + "' (for " + entry.getKey()
                                + ") is not a label");
                    }
                    labels.add(text);
                }
            } else {
                throw new IllegalArgumentException(VARIABLE + ": the labels of " + entry.getKey() + " must be a list");
            }
            overrides.put(String.valueOf(entry.getKey()).toLowerCase(java.util.Locale.ROOT), labels.stream().sorted().toList());
        }
        return new HostedRunners(overrides);
    }
}
