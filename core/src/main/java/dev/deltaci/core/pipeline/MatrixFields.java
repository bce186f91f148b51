package dev.deltaci.core.pipeline;

import dev.deltaci.core.expr.Evaluator;
import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.ExpressionParser;
import dev.deltaci.core.expr.Scope;
import dev.deltaci.core.expr.Template;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fields of a matrix job that name {@code ${{ matrix.* }}} and so differ from instance to
 * instance ({@code runs-on: ${{ matrix.os }}}, {@code continue-on-error: ${{ matrix.experimental }}}):
 * as written, and worked out for each instance when the matrix is expanded. GitHub's hosted
 * names in {@code runs-on} become labels through {@link HostedRunners}, as everywhere else.
 *
 * @param runsOn          the {@code runs-on} names as written, or null when they use no matrix value
 * @param continueOnError the {@code continue-on-error} expression, or null when it is a plain boolean
 */
public record MatrixFields(List<String> runsOn, HostedRunners hosted, String continueOnError) {

    public MatrixFields {
        runsOn = runsOn == null ? null : List.copyOf(runsOn);
    }

    /** The labels of the instance with these matrix values; throws when a rendered name is not a label. */
    public List<String> labels(Map<String, String> matrix) {
        Scope scope = scope(matrix);
        List<String> labels = new ArrayList<>();
        for (String name : runsOn) {
            String rendered;
            try {
                rendered = Template.parse(name).render(scope).strip();
            } catch (ExpressionException e) {
                throw new IllegalArgumentException("'" + name + "': " + e.getMessage());
            }
            for (String label : hosted.labelsFor(rendered).orElse(List.of(rendered))) {
                String normalized = label.toLowerCase(Locale.ROOT);
                if (!RunnerLabels.LABEL.matcher(normalized).matches()) {
                    throw new IllegalArgumentException("'" + name + "' is '" + rendered + "' for matrix " + matrix
                            + ", which is not a label (letters, digits, '.', '_', '-'; at most 32)");
                }
                if (!labels.contains(normalized)) {
                    labels.add(normalized);
                }
            }
        }
        if (labels.size() > RunnerLabels.MAX_LABELS) {
            throw new IllegalArgumentException("for matrix " + matrix + " it lists " + labels.size() + " labels; at most "
                    + RunnerLabels.MAX_LABELS);
        }
        return labels.stream().sorted().toList();
    }

    /** Whether the instance with these matrix values continues on error (GitHub's truthiness). */
    public boolean continuesOnError(Map<String, String> matrix) {
        try {
            String bare = continueOnError.strip();
            if (bare.startsWith("${{") && bare.endsWith("}}")) {
                bare = bare.substring(3, bare.length() - 2);
            }
            return Evaluator.truthy(Evaluator.evaluate(ExpressionParser.parse(bare), scope(matrix)));
        } catch (ExpressionException e) {
            throw new IllegalArgumentException("'" + continueOnError + "': " + e.getMessage());
        }
    }

    private static Scope scope(Map<String, String> matrix) {
        return new Scope(Map.of("matrix", MatrixInstance.context(matrix)), true, false, false);
    }
}
