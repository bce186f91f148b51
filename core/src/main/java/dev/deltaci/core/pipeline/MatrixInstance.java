package dev.deltaci.core.pipeline;

import java.util.Map;

/**
 * One job of an expanded matrix.
 *
 * @param group       the key of the job as written, e.g. {@code test} for {@code test.2}
 * @param values      this instance's {@code matrix} context, e.g. {@code {os: linux, jdk: 17}}
 * @param failFast    whether a failure of this instance cancels its siblings
 * @param maxParallel most siblings queued or running at once, or 0 for no limit
 */
public record MatrixInstance(String group, Map<String, String> values, boolean failFast, int maxParallel) {

    public MatrixInstance {
        values = Map.copyOf(values);
    }
}
