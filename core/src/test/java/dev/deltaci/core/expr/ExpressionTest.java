package dev.deltaci.core.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ExpressionTest {

    private static final Scope SCOPE = new Scope(Map.of(
            "delta", Map.of("branch", "main", "ref", "refs/heads/main", "attempt", 2.0),
            "env", Map.of("MODE", "Release", "EMPTY", "", "A-B", "dashed"),
            "needs", Map.of("build", Map.of("result", "success"), "lint", Map.of("result", "failure"))),
            false, true, false);

    private static Object eval(String text) throws ExpressionException {
        return Evaluator.evaluate(ExpressionParser.parse(text), SCOPE);
    }

    @Test
    void evaluate_shouldFollowGitHubsComparisonAndLogic() throws Exception {
        assertThat(eval("delta.branch == 'MAIN'")).isEqualTo(true);
        assertThat(eval("env.mode != 'release'")).isEqualTo(false);
        assertThat(eval("delta.attempt == '2'")).isEqualTo(true);
        assertThat(eval("env.EMPTY || 'fallback'")).isEqualTo("fallback");
        assertThat(eval("env.MODE && 'yes'")).isEqualTo("yes");
        assertThat(eval("!env.missing")).isEqualTo(true);
        assertThat(eval("env['A-B']")).isEqualTo("dashed");
        assertThat(eval("needs.build.result == 'success' && needs.lint.result == 'failure'")).isEqualTo(true);
        assertThat(eval("(true || false) && !false")).isEqualTo(true);
        assertThat(eval("'it''s'")).isEqualTo("it's");
    }

    @Test
    void functions_shouldReportStatusAndMatchText() throws Exception {
        assertThat(eval("success()")).isEqualTo(false);
        assertThat(eval("failure()")).isEqualTo(true);
        assertThat(eval("always()")).isEqualTo(true);
        assertThat(eval("cancelled()")).isEqualTo(false);
        assertThat(eval("contains(delta.ref, 'HEADS')")).isEqualTo(true);
        assertThat(eval("startsWith(delta.ref, 'refs/tags/')")).isEqualTo(false);
    }

    @Test
    void condition_shouldImplySuccess_unlessItCallsAStatusFunction() throws Exception {
        Scope failed = new Scope(Map.of("delta", Map.of("branch", "main")), false, true, false);
        Scope fine = new Scope(Map.of("delta", Map.of("branch", "main")), true, false, false);

        assertThat(Evaluator.condition(ExpressionParser.parse("delta.branch == 'main'"), failed)).isFalse();
        assertThat(Evaluator.condition(ExpressionParser.parse("delta.branch == 'main'"), fine)).isTrue();
        assertThat(Evaluator.condition(ExpressionParser.parse("always() && delta.branch == 'main'"), failed)).isTrue();
        assertThat(Evaluator.condition(ExpressionParser.parse("!cancelled()"), failed)).isTrue();
    }

    @Test
    void parse_shouldSayWhatIsWrongAndWhere() {
        assertThatThrownBy(() -> ExpressionParser.parse("delta.sha ==")).isInstanceOf(ExpressionException.class)
                .hasMessage("expression ends where a value was expected");
        assertThatThrownBy(() -> ExpressionParser.parse("toYAML(env)"))
                .hasMessageStartingWith("unknown function 'toYAML'; functions are: always, cancelled, contains");
        assertThatThrownBy(() -> ExpressionParser.parse("contains('a')")).hasMessage("contains() takes 2 argument(s), found 1");
        assertThatThrownBy(() -> ExpressionParser.parse("'open")).hasMessage("string is not closed with '");
        assertThatThrownBy(() -> ExpressionParser.parse("a b"))
                .satisfies(e -> assertThat(((ExpressionException) e).offset()).isEqualTo(2));
    }

    @Test
    void template_shouldRenderEveryPlaceholder() throws Exception {
        Template template = Template.parse("build ${{ delta.branch }} attempt ${{ delta.attempt }} ${{ env.nope }}!");

        assertThat(template.render(SCOPE)).isEqualTo("build main attempt 2 !");
        assertThat(Template.parse("plain").hasExpressions()).isFalse();
        assertThatThrownBy(() -> Template.parse("x ${{ delta.sha")).hasMessage("'${{' is not closed with '}}'");
    }
}
