package dev.deltaci.core.pipeline;

import java.util.List;
import java.util.Optional;

/** {@code paths} / {@code paths-ignore} of a trigger, with GitHub's meaning. */
record PathFilter(List<String> paths, List<String> pathsIgnore) {

    boolean filters() {
        return paths != null || pathsIgnore != null;
    }

    /** Empty if the changed files let the event run; otherwise why not ({@code where} names the trigger). */
    Optional<String> rejects(List<String> changedFiles, String where) {
        if (paths != null && changedFiles.stream().noneMatch(f -> Glob.matchesAny(paths, f))) {
            return Optional.of("no changed file matches '" + where + ".paths' " + paths);
        }
        if (pathsIgnore != null && !changedFiles.isEmpty()
                && changedFiles.stream().allMatch(f -> Glob.matchesAny(pathsIgnore, f))) {
            return Optional.of("every changed file matches '" + where + ".paths-ignore' " + pathsIgnore);
        }
        return Optional.empty();
    }
}
