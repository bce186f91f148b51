package dev.deltaci.core.pipeline;

import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.Scope;
import dev.deltaci.core.expr.Template;

/**
 * A {@code concurrency:} setting of a pipeline or job: at most one holder of {@code group} at a
 * time within a repository; the others wait in arrival order, or, with {@code cancelInProgress},
 * the newcomer cancels the holder and those waiting before it.
 *
 * @param group the group's name as written; may contain {@code ${{ }}} (e.g. {@code deploy-${{ delta.branch }}})
 */
public record Concurrency(String group, boolean cancelInProgress) {

    public static final int MAX_GROUP_LENGTH = 200;

    /** The group's name for one run (and matrix instance): expressions evaluated, length bounded. */
    public String render(Scope scope) {
        try {
            String rendered = Template.parse(group).render(scope);
            return rendered.length() > MAX_GROUP_LENGTH ? rendered.substring(0, MAX_GROUP_LENGTH) : rendered;
        } catch (ExpressionException e) {
            // checked at parse time; a group that cannot be rendered still serialises its holders
            return group;
        }
    }
}
