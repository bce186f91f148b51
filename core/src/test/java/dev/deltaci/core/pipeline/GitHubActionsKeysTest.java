package dev.deltaci.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.core.expr.Evaluator;
import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.ExpressionParser;
import dev.deltaci.core.expr.Scope;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What real GitHub Actions workflows carry that used to stop them, and the errors that confused
 * people moving over: hyphenated matrix keys, container:, comparisons, endsWith and format,
 * keys Delta does not take yet named as such, problems in file order.
 */
class GitHubActionsKeysTest {

    private static List<String> problems(String yaml) {
        return ParserProblems.of(yaml);
    }

    private static Object eval(String expression) throws ExpressionException {
        return Evaluator.evaluate(ExpressionParser.parse(expression), new Scope(Map.of("env",
                Map.of("COUNT", "7", "NAME", "delta-ci")), true, false, false));
    }

    @Test
    void aHyphenatedMatrixKey_shouldBeTaken_andContainerBeTheJobsImage() throws Exception {
        Pipeline pipeline = PipelineParser.parse(".delta/pipeline.yml", """
                jobs:
                  test:
                    container: node:${{ matrix.node-version }}
                    strategy:
                      matrix:
                        node-version: [18, 20]
                    steps: [{run: 'node --version; echo ${{ matrix.node-version }}'}]
                  lint:
                    container: {image: 'python:3.12'}
                    steps: [{run: ruff .}]
                """);
        assertThat(pipeline.jobs().get("test").strategy().axes()).containsKey("node-version");
        assertThat(pipeline.jobs().get("test").image()).isEqualTo("node:${{ matrix.node-version }}");
        assertThat(pipeline.jobs().get("lint").image()).isEqualTo("python:3.12");
        assertThat(problems("""
                jobs:
                  t:
                    container: {image: x, ports: [80]}
                    image: y
                    steps: [{run: 'true'}]
                """)).containsExactly(
                "3: job 't' has both 'container' and 'image', which both name the image its steps run in; keep one");
        assertThat(problems("""
                jobs:
                  t:
                    container: {image: x, ports: [80]}
                    steps: [{run: 'true'}]
                """)).containsExactly("3: job 't' 'container' has unknown key 'ports'; expected one of: image");
    }

    @Test
    void aRefusedMatrixKey_shouldNotBeFollowedByProblemsThatContradictTheFile() {
        assertThat(problems("""
                jobs:
                  t:
                    strategy:
                      matrix:
                        '1st': [a]
                    steps: [{run: 'echo ${{ matrix.first }}'}]
                """)).containsExactly("5: job 't' matrix key '1st' is invalid: use letters, digits, '_' and '-', "
                + "starting with a letter or '_'");
    }

    @Test
    void comparisonsEndsWithAndFormat_shouldWorkAsInGitHubActions() throws Exception {
        assertThat(eval("env.COUNT > 5")).isEqualTo(true);
        assertThat(eval("env.COUNT <= 6")).isEqualTo(false);
        assertThat(eval("'abc' < 'ABD'")).as("text, ignoring case").isEqualTo(true);
        assertThat(eval("'x' < 5")).as("NaN is neither smaller nor larger").isEqualTo(false);
        assertThat(eval("1 < 2 == true")).as("< binds tighter than ==").isEqualTo(true);
        assertThat(eval("endsWith(env.NAME, '-CI')")).isEqualTo(true);
        assertThat(eval("format('{0} v{1} {{literal}}', env.NAME, 2)")).isEqualTo("delta-ci v2 {literal}");
        assertThat(eval("format('{99999999999}', 1)")).as("no index that large: left as written").isEqualTo("{99999999999}");
        assertThat(problems("""
                jobs:
                  t:
                    steps: [{run: "echo ${{ format('{0}{1}', 'only one') }}"}]
                """)).singleElement().asString().contains("format(): '{1}' names no value; it is given 1");
    }

    @Test
    void aProblemInAnEnvValue_shouldBeReportedAtThatValue_notTheBlocksFirstKey() {
        assertThat(problems("""
                env:
                  FINE: ok
                  BAD: ${{ nope.x }}
                jobs:
                  t:
                    env:
                      A: 1
                      B: ${{ matrix.x }}
                    steps:
                      - env:
                          C: c
                          D: ${{ steps.none.outputs.y }}
                        run: 'true'
                """)).extracting(p -> p.substring(0, p.indexOf(':'))).containsExactly("3", "8", "12");
    }

    @Test
    void keysDeltaDoesNotTakeYet_shouldSaySo_andProblemsComeInFileOrder() {
        List<String> problems = problems("""
                jobs:
                  deploy:
                    environment: production
                    steps: [{run: ./deploy}]
                  app:
                    services: {db: {image: postgres, volumes: ['/:/host']}}
                    outputs: {v: x}
                    steps:
                      - bogus: 1
                        run: 'true'
                """);
        assertThat(problems).extracting(p -> p.substring(0, p.indexOf(':'))).containsExactly("3", "6", "9");
        assertThat(problems.get(0)).contains("deployment 'environment's (their own secrets and required approvals) are "
                + "not supported yet");
        assertThat(problems.get(1)).contains("a service's 'volumes' are not taken");
        assertThat(problems.get(2)).contains("unknown key 'bogus'");
    }
}
