package dev.deltaci.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The line format of $GITHUB_ENV and $GITHUB_OUTPUT: NAME=value, or NAME<<DELIMITER … DELIMITER. */
class StepFilesTest {

    private static final Pattern NAMES = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

    @Test
    void pairsAndHeredocs_shouldBeRead_withCrLfAndEqualsInValues() {
        Map<String, String> read = new LinkedHashMap<>();
        Optional<String> problem = StepFiles.pairs("a=1\r\nurl=https://x/?q=1&b=2\n\nnotes<<END\nfirst\n\nsecond=2\nEND\n"
                + "empty=\n", "GITHUB_OUTPUT", NAMES, read);
        assertThat(problem).isEmpty();
        assertThat(read).containsExactly(Map.entry("a", "1"), Map.entry("url", "https://x/?q=1&b=2"),
                Map.entry("notes", "first\n\nsecond=2"), Map.entry("empty", ""));
    }

    @Test
    void anUnendedHeredoc_orABadName_shouldSayWhichLine() {
        assertThat(StepFiles.pairs("ok=1\nlong<<EOF\nno end\n", "GITHUB_ENV", NAMES, new LinkedHashMap<>()))
                .contains("$GITHUB_ENV line 2: no line 'EOF' ends the value of long");
        assertThat(StepFiles.pairs("1bad=x\n", "GITHUB_ENV", Pattern.compile("[A-Za-z_][A-Za-z0-9_]*"), new LinkedHashMap<>()))
                .contains("$GITHUB_ENV line 1: '1bad' is not a name (letters, digits, '_')");
        assertThat(StepFiles.pairs("=x\n", "GITHUB_OUTPUT", NAMES, new LinkedHashMap<>()))
                .contains("$GITHUB_OUTPUT line 1: '=x' is neither NAME=value nor NAME<<DELIMITER");
    }
}
