package dev.deltaci.core.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CodePointsTest {

    @Test
    void problem_shouldNameTheLoneSurrogate_whenHalfAPairStandsAlone() {
        assertThat(CodePoints.problem("main\uD800")).contains("a lone surrogate U+D800 at character 5");
        assertThat(CodePoints.problem("\uDC00x")).contains("a lone surrogate U+DC00 at character 1");
    }

    @Test
    void problem_shouldRefuseNulAndNoncharacters() {
        assertThat(CodePoints.problem("a\u0000")).contains("the invalid code point U+0000 at character 2");
        assertThat(CodePoints.problem("\uFFFE")).contains("the invalid code point U+FFFE at character 1");
        assertThat(CodePoints.problem("x\uFDD0")).isPresent();
    }

    @Test
    void problem_shouldBeEmpty_forValidTextIncludingPairsAndAccents() {
        assertThat(CodePoints.problem("déploiement 🚀 부서 \t tab")).isEmpty();
        assertThat(CodePoints.problem("")).isEmpty();
    }

    @Test
    void printable_shouldEscapeExactlyWhatProblemRefuses_andCut() {
        assertThat(CodePoints.printable("a\uD800b\uFDD0🚀", 10)).isEqualTo("a\\uD800b\\uFDD0🚀");
        assertThat(CodePoints.printable("abcdef", 3)).isEqualTo("abc");
    }
}
