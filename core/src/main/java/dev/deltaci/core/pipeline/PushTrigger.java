package dev.deltaci.core.pipeline;

import java.util.List;
import java.util.Optional;

/**
 * {@code on: push} and its filters, with GitHub's meaning: with no branch or tag filter every
 * push runs; with only branch filters, tag pushes do not, and the other way round. Path filters
 * look at the files the push changed.
 */
public record PushTrigger(List<String> branches, List<String> branchesIgnore, List<String> tags,
                          List<String> tagsIgnore, List<String> paths, List<String> pathsIgnore) {

    /** Every push runs. */
    public static final PushTrigger ALL = new PushTrigger(null, null, null, null, null, null);

    /** Empty if the push runs; otherwise why it does not. */
    public Optional<String> rejects(String ref, List<String> changedFiles) {
        boolean refFiltered = branches != null || branchesIgnore != null || tags != null || tagsIgnore != null;
        if (ref.startsWith("refs/heads/")) {
            String branch = ref.substring("refs/heads/".length());
            if (refFiltered && branches == null && branchesIgnore == null) {
                return Optional.of("branch pushes do not run: 'on.push' filters only tags");
            }
            if (branches != null && !Glob.matchesAny(branches, branch)) {
                return Optional.of("branch '" + branch + "' matches none of 'on.push.branches' " + branches);
            }
            if (branchesIgnore != null && Glob.matchesAny(branchesIgnore, branch)) {
                return Optional.of("branch '" + branch + "' matches 'on.push.branches-ignore' " + branchesIgnore);
            }
        } else if (ref.startsWith("refs/tags/")) {
            String tag = ref.substring("refs/tags/".length());
            if (refFiltered && tags == null && tagsIgnore == null) {
                return Optional.of("tag pushes do not run: 'on.push' filters only branches");
            }
            if (tags != null && !Glob.matchesAny(tags, tag)) {
                return Optional.of("tag '" + tag + "' matches none of 'on.push.tags' " + tags);
            }
            if (tagsIgnore != null && Glob.matchesAny(tagsIgnore, tag)) {
                return Optional.of("tag '" + tag + "' matches 'on.push.tags-ignore' " + tagsIgnore);
            }
        }
        return new PathFilter(paths, pathsIgnore).rejects(changedFiles, "on.push");
    }

    /** Whether deciding needs the list of changed files (a git diff). */
    public boolean filtersPaths() {
        return new PathFilter(paths, pathsIgnore).filters();
    }
}
