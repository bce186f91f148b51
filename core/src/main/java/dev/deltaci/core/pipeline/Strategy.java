package dev.deltaci.core.pipeline;

import java.util.List;
import java.util.Map;

/**
 * A job's {@code strategy}: its matrix as written, and how its instances run together.
 *
 * @param axes        {@code matrix} keys and their values, in the order written; each value as the
 *                    entries it puts in a combination: {@code {os: linux}}, or for an object value
 *                    {@code {job.os: linux, job.target: x86}} (see {@link MatrixInstance#context})
 * @param include     {@code matrix.include} entries
 * @param exclude     {@code matrix.exclude} entries
 * @param failFast    one failing instance cancels the others (default true)
 * @param maxParallel most instances queued or running at once, or 0 for no limit
 */
public record Strategy(Map<String, List<Map<String, String>>> axes, List<Map<String, String>> include,
                       List<Map<String, String>> exclude, boolean failFast, int maxParallel) {

    /** GitHub's limit, kept so that a typo cannot create thousands of jobs. */
    public static final int MAX_COMBINATIONS = 256;
}
