package dev.deltaci.core.job;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code needs} context of a job: for each job it needs, as written ({@code needs.test},
 * even when {@code test} is a matrix of instances), its {@code result} and {@code outputs}. As
 * on GitHub, a matrix's result is {@code failure} if one instance failed, else {@code cancelled}
 * if one was, else {@code success} if one succeeded, else {@code skipped}; its outputs are its
 * instances' merged in order, a later instance's value over an earlier one's.
 */
public final class NeedsContext {

    private NeedsContext() {
    }

    /**
     * A finished job that another needs.
     *
     * @param name    the job's key as written ({@code test} for the instance {@code test.2})
     * @param outputs what its {@code outputs:} rendered to when it ended (empty if it did not succeed)
     */
    public record Need(String name, JobState state, Map<String, String> outputs) {
        public Need {
            outputs = outputs == null ? Map.of() : outputs;
        }
    }

    public static Map<String, Object> of(List<Need> needs) {
        Map<String, List<Need>> byName = new LinkedHashMap<>();
        needs.forEach(need -> byName.computeIfAbsent(need.name(), n -> new java.util.ArrayList<>()).add(need));
        Map<String, Object> context = new LinkedHashMap<>();
        byName.forEach((name, instances) -> {
            Map<String, String> outputs = new LinkedHashMap<>();
            instances.forEach(instance -> outputs.putAll(instance.outputs()));
            context.put(name, Map.of("result", result(instances), "outputs", outputs));
        });
        return context;
    }

    private static String result(List<Need> instances) {
        List<String> results = instances.stream().map(need -> result(need.state())).toList();
        for (String worst : List.of("failure", "cancelled", "success")) {
            if (results.contains(worst)) {
                return worst;
            }
        }
        return "skipped";
    }

    /** A finished job's result as {@code needs.<job>.result} gives it (GitHub's words). */
    public static String result(JobState state) {
        return switch (state) {
            case SUCCEEDED -> "success";
            case FAILED, TIMED_OUT -> "failure";
            case CANCELLED -> "cancelled";
            default -> "skipped";
        };
    }
}
