package dev.deltaci.core.pipeline;

/**
 * The events that run a pipeline ({@code on:}); a null trigger means that event does not run it.
 * Without {@code on}, every push runs the pipeline and pull requests do not.
 */
public record Triggers(PushTrigger push, PullRequestTrigger pullRequest) {

    public static final Triggers DEFAULT = new Triggers(PushTrigger.ALL, null);

    /** The events listed, for messages: "push, pull_request". */
    public String listed() {
        return push != null && pullRequest != null ? "push, pull_request" : push != null ? "push" : "pull_request";
    }
}
