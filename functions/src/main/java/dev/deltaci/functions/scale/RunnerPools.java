package dev.deltaci.functions.scale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.pipeline.RunnerLabels;
import dev.deltaci.core.scale.PoolSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The pools the scaler manages, from {@code RUNNER_POOLS}: a JSON list of
 * {@code {"name", "group", "labels", "min", "max", "jobsPerInstance", "idleTimeoutSeconds",
 * "launchTimeoutSeconds", "ephemeral", "instanceRole", "fallbackGroup", "spotFallbackSeconds"}}, where {@code group} is the pool's Auto Scaling
 * group (or, locally, the runner processes the CLI starts), {@code instanceRole} the name of its
 * instances' IAM role (whose signed identity registers a runner without a token), and
 * {@code fallbackGroup} an on-demand group that gets what a spot group cannot get within
 * {@code spotFallbackSeconds}. Empty when unset: no pool is autoscaled.
 */
public record RunnerPools(List<Pool> pools) {

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String ENV = "RUNNER_POOLS";

    /**
     * A pool, the group whose size it sets, its instances' role (null: its runners register with a
     * token), and its on-demand fallback group (null: none).
     */
    public record Pool(PoolSpec spec, String group, String instanceRole, String fallbackGroup) {

        /** The groups whose instances are the pool's. */
        public List<String> groups() {
            return fallbackGroup == null ? List.of(group) : List.of(group, fallbackGroup);
        }
    }

    public RunnerPools {
        pools = List.copyOf(pools);
    }

    public static RunnerPools none() {
        return new RunnerPools(List.of());
    }

    public static RunnerPools fromEnvironment(Map<String, String> env) {
        String json = env.get(ENV);
        return json == null || json.isBlank() ? none() : parse(json);
    }

    public static RunnerPools parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(ENV + " is not JSON: " + e.getMessage());
        }
        if (!root.isArray()) {
            throw new IllegalStateException(ENV + " must be a JSON list of pools");
        }
        List<Pool> pools = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (JsonNode node : root) {
            String name = node.path("name").asText("");
            String group = node.path("group").asText("");
            if (name.isEmpty() || group.isEmpty()) {
                throw new IllegalStateException(ENV + ": every pool needs a 'name' and a 'group'");
            }
            if (!names.add(name)) {
                throw new IllegalStateException(ENV + ": pool '" + name + "' is named twice");
            }
            List<String> labels = new ArrayList<>();
            for (JsonNode label : node.path("labels")) {
                String text = label.asText().strip().toLowerCase(java.util.Locale.ROOT);
                if (!RunnerLabels.LABEL.matcher(text).matches()) {
                    throw new IllegalStateException(ENV + ": pool '" + name + "' has label '" + text
                            + "', which is not a label (a-z, 0-9, '._-', at most 32)");
                }
                labels.add(text);
            }
            try {
                pools.add(new Pool(new PoolSpec(name, labels, node.path("min").asInt(0), node.path("max").asInt(1),
                        node.path("jobsPerInstance").asInt(1),
                        Duration.ofSeconds(node.path("idleTimeoutSeconds").asLong(PoolSpec.DEFAULT_IDLE_TIMEOUT.toSeconds())),
                        Duration.ofSeconds(node.path("launchTimeoutSeconds").asLong(PoolSpec.DEFAULT_LAUNCH_TIMEOUT.toSeconds())),
                        node.path("ephemeral").asBoolean(false),
                        Duration.ofSeconds(node.path("spotFallbackSeconds").asLong(0))), group,
                        node.hasNonNull("instanceRole") ? node.get("instanceRole").asText() : null,
                        node.path("fallbackGroup").asText("").isEmpty() ? null : node.get("fallbackGroup").asText()));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(ENV + ": " + e.getMessage());
            }
        }
        return new RunnerPools(pools);
    }

    public Optional<Pool> named(String name) {
        return pools.stream().filter(p -> p.spec().name().equals(name)).findFirst();
    }

    /** The pool whose instances have this role. */
    public Optional<Pool> withInstanceRole(String roleName) {
        return pools.stream().filter(p -> roleName.equals(p.instanceRole())).findFirst();
    }

    public List<PoolSpec> specs() {
        return pools.stream().map(Pool::spec).toList();
    }

    public boolean isEmpty() {
        return pools.isEmpty();
    }
}
