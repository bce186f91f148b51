package dev.deltaci.local;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Delta CI checkout the CLI runs from: where {@code infra/template.yaml} and the embedded
 * stack's Node.js side live. Set by the {@code delta} launcher ({@code -Ddelta.home}); otherwise
 * found by walking up from the working directory.
 */
public final class DeltaHome {

    private DeltaHome() {
    }

    public static Path locate() {
        String configured = System.getProperty("delta.home", System.getenv("DELTA_HOME"));
        if (configured != null && !configured.isBlank()) {
            return checked(Path.of(configured).toAbsolutePath().normalize());
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("infra/template.yaml")) && Files.isDirectory(dir.resolve("local"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the Delta CI checkout (infra/template.yaml); "
                + "run from inside it or set DELTA_HOME");
    }

    public static Path template() {
        return locate().resolve("infra/template.yaml");
    }

    private static Path checked(Path home) {
        if (!Files.isRegularFile(home.resolve("infra/template.yaml"))) {
            throw new IllegalStateException("DELTA_HOME " + home + " has no infra/template.yaml");
        }
        return home;
    }
}
