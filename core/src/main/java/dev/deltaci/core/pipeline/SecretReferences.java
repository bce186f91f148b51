package dev.deltaci.core.pipeline;

import dev.deltaci.core.expr.Expr;
import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.Template;
import java.util.Collection;
import java.util.TreeSet;

/**
 * Which {@code secrets.<NAME>} a job uses (in its env, and its steps' commands and env): only
 * those are fetched for it, and a step receives a value only through what it references.
 */
public final class SecretReferences {

    private SecretReferences() {
    }

    public static TreeSet<String> of(JobSpec job) {
        TreeSet<String> names = new TreeSet<>();
        collect(job.env().values(), names);
        for (StepSpec step : job.steps()) {
            if (step.run() != null) {
                collect(java.util.List.of(step.run()), names);
            }
            collect(step.env().values(), names);
        }
        for (ServiceSpec service : job.services()) {
            collect(service.env().values(), names); // a database's password
        }
        return names;
    }

    private static void collect(Collection<String> templates, TreeSet<String> names) {
        for (String text : templates) {
            try {
                for (Template.Placeholder placeholder : Template.parse(text).placeholders()) {
                    collect(placeholder.expr(), names);
                }
            } catch (ExpressionException e) {
                // checked when the pipeline was read; nothing usable here
            }
        }
    }

    private static void collect(Expr expr, TreeSet<String> names) {
        if (expr instanceof Expr.Path path) {
            if (path.context().equals("secrets") && !path.keys().isEmpty()
                    && path.keys().get(0) instanceof Expr.Literal literal && literal.value() instanceof String name) {
                names.add(name);
            }
            path.keys().forEach(key -> collect(key, names));
        } else if (expr instanceof Expr.Not not) {
            collect(not.operand(), names);
        } else if (expr instanceof Expr.Binary binary) {
            collect(binary.left(), names);
            collect(binary.right(), names);
        } else if (expr instanceof Expr.Call call) {
            call.arguments().forEach(argument -> collect(argument, names));
        }
    }
}
