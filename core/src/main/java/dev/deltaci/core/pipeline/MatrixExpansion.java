package dev.deltaci.core.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns jobs with a {@code strategy.matrix} into one job per combination, as GitHub Actions
 * does: the cross product of the axes, minus {@code exclude} entries (an entry matches a
 * combination when all its keys agree), then each {@code include} entry either adds its extra
 * keys to the combinations it agrees with or, agreeing with none, becomes a combination of its
 * own. Instance keys are {@code <job>.<n>} (a dot never occurs in a written job id), names are
 * {@code <name> (<value>, <value>)}, and a job that needs a matrix job needs all its instances.
 */
public final class MatrixExpansion {

    private MatrixExpansion() {
    }

    public static Map<String, JobSpec> expand(Pipeline pipeline) {
        Map<String, List<String>> instancesOf = new LinkedHashMap<>();
        Map<String, List<JobSpec>> expanded = new LinkedHashMap<>();
        for (JobSpec job : pipeline.jobs().values()) {
            if (job.strategy() == null) {
                expanded.put(job.key(), List.of(job));
                instancesOf.put(job.key(), List.of(job.key()));
                continue;
            }
            List<Map<String, String>> combinations = combinations(job.strategy());
            List<JobSpec> instances = new ArrayList<>();
            for (int i = 0; i < combinations.size(); i++) {
                Map<String, String> values = combinations.get(i);
                String key = job.key() + "." + (i + 1);
                String name = job.name() + " (" + String.join(", ", values.values()) + ")";
                instances.add(job.asInstance(key, name,
                        new MatrixInstance(job.key(), values, job.strategy().failFast(), job.strategy().maxParallel())));
            }
            expanded.put(job.key(), instances);
            instancesOf.put(job.key(), instances.stream().map(JobSpec::key).toList());
        }
        Map<String, JobSpec> jobs = new LinkedHashMap<>();
        for (List<JobSpec> group : expanded.values()) {
            for (JobSpec job : group) {
                List<String> needs = job.needs().stream().flatMap(n -> instancesOf.get(n).stream()).toList();
                jobs.put(job.key(), job.withNeeds(needs));
            }
        }
        return jobs;
    }

    /** The combinations of a matrix, in order; throws if there are more than {@link Strategy#MAX_COMBINATIONS}. */
    public static List<Map<String, String>> combinations(Strategy strategy) {
        List<Map<String, String>> combinations = new ArrayList<>();
        combinations.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<Map<String, String>>> axis : strategy.axes().entrySet()) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> partial : combinations) {
                for (Map<String, String> value : axis.getValue()) {
                    Map<String, String> combination = new LinkedHashMap<>(partial);
                    combination.putAll(value);
                    next.add(combination);
                }
            }
            combinations = next;
            if (combinations.size() > Strategy.MAX_COMBINATIONS) {
                throw new IllegalArgumentException("matrix has more than " + Strategy.MAX_COMBINATIONS + " combinations");
            }
        }
        if (strategy.axes().isEmpty()) {
            combinations.clear();
        }
        combinations.removeIf(c -> strategy.exclude().stream().anyMatch(e -> agrees(e, c, e.keySet())));
        for (Map<String, String> include : strategy.include()) {
            boolean extended = false;
            for (Map<String, String> combination : combinations) {
                List<String> shared = include.keySet().stream()
                        .filter(key -> strategy.axes().containsKey(MatrixInstance.topKey(key))).toList();
                if (!shared.isEmpty() && agrees(include, combination, shared)) {
                    include.forEach(combination::putIfAbsent);
                    extended = true;
                }
            }
            if (!extended) {
                combinations.add(new LinkedHashMap<>(include));
            }
        }
        if (combinations.size() > Strategy.MAX_COMBINATIONS) {
            throw new IllegalArgumentException("matrix has more than " + Strategy.MAX_COMBINATIONS + " combinations");
        }
        return combinations;
    }

    private static boolean agrees(Map<String, String> entry, Map<String, String> combination, Iterable<String> keys) {
        for (String key : keys) {
            if (!entry.get(key).equals(combination.get(key))) { // an object value agrees entry by entry
                return false;
            }
        }
        return true;
    }
}
