package dev.deltaci.core.pipeline;

import java.util.List;
import java.util.Optional;

/**
 * {@code on: pull_request} and its filters, with GitHub's meaning: {@code types} are the PR
 * actions that run (default opened, synchronize, reopened); {@code branches} match the PR's
 * base branch; path filters look at the files the PR changes (base...head).
 */
public record PullRequestTrigger(List<String> types, List<String> branches, List<String> branchesIgnore,
                                 List<String> paths, List<String> pathsIgnore) {

    /** The actions Delta CI runs on; others (closed, labeled, …) are answered 202 without reading the repository. */
    public static final List<String> SUPPORTED_TYPES = List.of("opened", "synchronize", "reopened");
    /** GitHub's pull request activities; those not in {@link #SUPPORTED_TYPES} are noted by lint, not refused. */
    public static final List<String> GITHUB_TYPES = List.of("assigned", "unassigned", "labeled", "unlabeled", "opened",
            "edited", "closed", "reopened", "synchronize", "converted_to_draft", "ready_for_review", "locked", "unlocked",
            "review_requested", "review_request_removed", "auto_merge_enabled", "auto_merge_disabled", "milestoned",
            "demilestoned", "enqueued", "dequeued");

    /** Every opened, synchronized or reopened pull request runs. */
    public static final PullRequestTrigger ALL = new PullRequestTrigger(SUPPORTED_TYPES, null, null, null, null);

    public PullRequestTrigger {
        types = types == null ? SUPPORTED_TYPES : List.copyOf(types);
    }

    /** Empty if the pull request event runs; otherwise why it does not. */
    public Optional<String> rejects(String action, String baseBranch, List<String> changedFiles) {
        if (!types.contains(action)) {
            return Optional.of("pull_request action '" + action + "' is not in 'on.pull_request.types' " + types);
        }
        if (branches != null && !Glob.matchesAny(branches, baseBranch)) {
            return Optional.of("base branch '" + baseBranch + "' matches none of 'on.pull_request.branches' " + branches);
        }
        if (branchesIgnore != null && Glob.matchesAny(branchesIgnore, baseBranch)) {
            return Optional.of("base branch '" + baseBranch + "' matches 'on.pull_request.branches-ignore' "
                    + branchesIgnore);
        }
        return new PathFilter(paths, pathsIgnore).rejects(changedFiles, "on.pull_request");
    }

    public boolean filtersPaths() {
        return new PathFilter(paths, pathsIgnore).filters();
    }
}
