package dev.deltaci.core.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * The events that run a pipeline ({@code on:}); a null trigger means that event does not run it.
 * Without {@code on}, every push runs the pipeline; pull requests, manual runs and schedules do not.
 * What {@code on:} lists that Delta CI does not receive is a note of the pipeline ({@link Pipeline#notes}).
 */
public record Triggers(PushTrigger push, PullRequestTrigger pullRequest, ManualTrigger manual,
                       ScheduleTrigger schedule) {

    public static final Triggers DEFAULT = new Triggers(PushTrigger.ALL, null, null, null);

    /** The events listed, for messages: "push, pull_request". */
    public String listed() {
        List<String> events = new ArrayList<>();
        if (push != null) {
            events.add("push");
        }
        if (pullRequest != null) {
            events.add("pull_request");
        }
        if (manual != null) {
            events.add("workflow_dispatch");
        }
        if (schedule != null) {
            events.add("schedule");
        }
        return String.join(", ", events);
    }
}
