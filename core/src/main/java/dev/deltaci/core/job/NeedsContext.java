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
     * @param name     the job's key as written ({@code test} for the instance {@code test.2})
     * @param outputs  what its {@code outputs:} rendered to when it ended (empty if it did not succeed)
     * @param call     for a job of a reusable workflow, who called it and which of its outputs are the
     *                 workflow's; null otherwise
     */
    public record Need(String name, JobState state, Map<String, String> outputs,
                       dev.deltaci.core.pipeline.WorkflowCall call) {
        public Need {
            outputs = outputs == null ? Map.of() : outputs;
        }

        public Need(String name, JobState state, Map<String, String> outputs) {
            this(name, state, outputs, null);
        }

        /**
         * As a job sees it: within the same called workflow, by its own name; from outside, as the
         * job that called the workflow, with only the workflow's outputs.
         */
        Need seenFrom(dev.deltaci.core.pipeline.WorkflowCall consumer) {
            if (call == null || consumer != null && consumer.caller().equals(call.caller())) {
                return this;
            }
            Map<String, String> shown = new LinkedHashMap<>(outputs);
            shown.keySet().retainAll(call.outputs());
            return new Need(call.caller(), state, shown, null);
        }
    }

    public static Map<String, Object> of(List<Need> needs) {
        return of(needs, null);
    }

    /** The context of a job that is itself of a reusable workflow ({@code consumer}: its call), or of none (null). */
    public static Map<String, Object> of(List<Need> needs, dev.deltaci.core.pipeline.WorkflowCall consumer) {
        Map<String, List<Need>> byName = new LinkedHashMap<>();
        needs.stream().map(need -> need.seenFrom(consumer))
                .forEach(need -> byName.computeIfAbsent(need.name(), n -> new java.util.ArrayList<>()).add(need));
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
