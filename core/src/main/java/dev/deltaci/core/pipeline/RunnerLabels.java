package dev.deltaci.core.pipeline;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Runner labels: a job runs only on a runner that has every label the job lists. A job's label
 * set is stored as one key ({@code gpu,linux}); a runner offers the keys of all subsets of its own
 * labels, so the lease condition is one {@code IN} over at most 2^6 keys.
 */
public final class RunnerLabels {

    public static final Pattern LABEL = Pattern.compile("[a-z0-9._-]{1,32}");
    /** Keeps a runner's subsets (2^6 = 64) within DynamoDB's 100 operands of IN. */
    public static final int MAX_LABELS = 6;

    private RunnerLabels() {
    }

    /** {@code [linux, GPU]} → {@code gpu,linux}; empty for no labels. */
    public static String key(Collection<String> labels) {
        TreeSet<String> sorted = new TreeSet<>();
        labels.forEach(l -> sorted.add(l.toLowerCase(Locale.ROOT)));
        return String.join(",", sorted);
    }

    /** Whether a runner with {@code offered} labels may run a job that needs {@code needed}. */
    public static boolean satisfies(Collection<String> offered, Collection<String> needed) {
        return offered.stream().map(l -> l.toLowerCase(Locale.ROOT)).toList()
                .containsAll(needed.stream().map(l -> l.toLowerCase(Locale.ROOT)).toList());
    }

    /** The keys of every non-empty subset of a runner's labels: the job label sets it can run. */
    public static List<String> subsetKeys(Collection<String> offered) {
        List<String> labels = new ArrayList<>(new TreeSet<>(offered.stream().map(l -> l.toLowerCase(Locale.ROOT)).toList()));
        if (labels.size() > MAX_LABELS) {
            throw new IllegalArgumentException("a runner has at most " + MAX_LABELS + " labels, got " + labels.size());
        }
        List<String> keys = new ArrayList<>();
        for (int mask = 1; mask < 1 << labels.size(); mask++) {
            List<String> subset = new ArrayList<>();
            for (int i = 0; i < labels.size(); i++) {
                if ((mask & 1 << i) != 0) {
                    subset.add(labels.get(i));
                }
            }
            keys.add(String.join(",", subset));
        }
        return keys;
    }
}
