package dev.deltaci.local.stack;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the template became on a local stack: each resource's {@code Ref} value (table name,
 * queue URL, bucket name) and ARN. Resolves the intrinsics in function environments, so a
 * function gets the same variables locally as in Lambda.
 */
public record ProvisionedStack(CloudFormationTemplate template, Map<String, String> refs, Map<String, String> arns) {

    public String ref(String logicalId) {
        String value = refs.get(logicalId);
        if (value == null) {
            throw new IllegalArgumentException("the template has no provisioned resource " + logicalId);
        }
        return value;
    }

    /**
     * A function's environment as Lambda would see it: the global variables, then the
     * function's own, with {@code !Ref} and {@code !GetAtt} resolved. Parameters resolve to
     * their defaults; a variable that cannot be resolved locally is left out.
     */
    @SuppressWarnings("unchecked")
    public Map<String, String> functionEnvironment(String functionLogicalId) {
        Map<String, String> env = new LinkedHashMap<>();
        template.globalFunctionEnvironment().forEach((name, value) -> putResolved(env, name, value));
        Map<String, Object> props = CloudFormationTemplate.properties(template.resources().get(functionLogicalId));
        Map<String, Object> environment = (Map<String, Object>) props.getOrDefault("Environment", Map.of());
        ((Map<String, Object>) environment.getOrDefault("Variables", Map.of()))
                .forEach((name, value) -> putResolved(env, name, value));
        return env;
    }

    private void putResolved(Map<String, String> env, String name, Object value) {
        String resolved = resolve(value);
        if (resolved != null) {
            env.put(name, resolved);
        }
    }

    @SuppressWarnings("unchecked")
    String resolve(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Map<?, ?> map && map.containsKey("Ref")) {
            String id = (String) map.get("Ref");
            if (refs.containsKey(id)) {
                return refs.get(id);
            }
            Map<String, Object> parameters = (Map<String, Object>) template.root().getOrDefault("Parameters", Map.of());
            Map<String, Object> parameter = (Map<String, Object>) parameters.get(id);
            return parameter == null || parameter.get("Default") == null ? null : String.valueOf(parameter.get("Default"));
        }
        if (value instanceof Map<?, ?> map && map.containsKey("Fn::GetAtt")) {
            List<String> path = (List<String>) map.get("Fn::GetAtt");
            return "Arn".equals(path.get(1)) ? arns.get(path.get(0)) : null;
        }
        return null;
    }

    /** The logical id a {@code !Ref X} or {@code !GetAtt X.Attr} points at, or null. */
    @SuppressWarnings("unchecked")
    public static String referencedId(Object value) {
        if (value instanceof Map<?, ?> map && map.containsKey("Ref")) {
            return (String) map.get("Ref");
        }
        if (value instanceof Map<?, ?> map && map.containsKey("Fn::GetAtt")) {
            return ((List<String>) map.get("Fn::GetAtt")).get(0);
        }
        return null;
    }
}
