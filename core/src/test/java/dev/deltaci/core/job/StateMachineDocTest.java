package dev.deltaci.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/architecture/state-machines.md must give the transition tables exactly as the code defines them. */
class StateMachineDocTest {

    private static final Path DOC = Path.of("..", "docs", "architecture", "state-machines.md");

    /** The rows of the markdown table under {@code heading}, as "FROM | TO | cause". */
    private static List<String> tableUnder(String heading) throws IOException {
        List<String> rows = new ArrayList<>();
        boolean inSection = false;
        boolean pastHeader = false;
        for (String line : Files.readAllLines(DOC)) {
            if (line.startsWith("## ")) {
                inSection = line.equals("## " + heading);
                pastHeader = false;
                continue;
            }
            if (inSection && line.startsWith("|---")) {
                pastHeader = true;
            } else if (inSection && pastHeader && line.startsWith("| ")) {
                String[] cells = line.substring(1, line.length() - 1).split("\\|");
                rows.add(cells[0].strip() + " | " + cells[1].strip() + " | " + cells[2].strip());
            }
        }
        return rows;
    }

    @Test
    void jobTable_shouldMatchJobTransitions() throws IOException {
        List<String> code = JobTransitions.TABLE.stream()
                .map(t -> t.from() + " | " + t.to() + " | " + t.cause()).toList();

        assertThat(tableUnder("Job")).containsExactlyElementsOf(code);
    }

    @Test
    void runTable_shouldMatchRunStateTransitions() throws IOException {
        List<String> code = RunState.TRANSITIONS.stream()
                .map(t -> t.from() + " | " + t.to() + " | " + t.cause()).toList();

        assertThat(tableUnder("Run")).containsExactlyElementsOf(code);
    }

    @Test
    void failureClassTable_shouldNameEveryClass() throws IOException {
        List<String> documented = tableUnder("Failure classes").stream()
                .map(row -> row.substring(0, row.indexOf(' ')).replace("`", "")).toList();

        assertThat(documented).containsExactlyInAnyOrderElementsOf(
                java.util.Arrays.stream(FailureClass.values()).map(FailureClass::wireName).toList());
    }
}
