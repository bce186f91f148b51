package dev.deltaci.local.host;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Child processes (runners, dynalite) started in a session of their own, through util-linux
 * {@code setsid} where it is installed: Ctrl-C in a terminal signals the whole foreground process
 * group, and it is for the CLI to decide what an interrupt means (cancel the run, let the steps
 * have their stop grace, stop the stack last), not for each child to die on its own. The children
 * still end with the CLI: they watch a pipe from it. Without {@code setsid} (macOS) the command is
 * left as it is.
 */
public final class OwnSession {

    private static final boolean AVAILABLE = Arrays.stream(System.getenv().getOrDefault("PATH", "")
            .split(File.pathSeparator)).anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, "setsid")));

    private OwnSession() {
    }

    /** {@code command}, to be started in a new session where that is possible (its pid stays the program's). */
    public static List<String> of(List<String> command) {
        if (!AVAILABLE) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(command.size() + 1);
        wrapped.add("setsid");
        wrapped.addAll(command);
        return wrapped;
    }
}
