package dev.deltaci.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The files a step writes for the steps after it, as GitHub Actions has them: {@code $GITHUB_ENV}
 * (variables), {@code $GITHUB_PATH} (directories put first on {@code PATH}), {@code $GITHUB_OUTPUT}
 * (the step's outputs, {@code steps.<id>.outputs.<name>}) and {@code $GITHUB_STEP_SUMMARY}
 * (Markdown, printed with the job's log). Each step gets four fresh empty files beside the
 * workspace (not in it: they are not the repository's), read after it ends. A line is
 * {@code NAME=value} or {@code NAME<<DELIMITER}, the value's lines, then {@code DELIMITER}.
 */
final class StepFiles {

    /** A file bigger than this is not read: the step fails, saying so (GitHub allows 1 MiB of outputs a job). */
    static final long MAX_FILE_BYTES = 1024 * 1024;
    static final List<String> NAMES = List.of("GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern OUTPUT_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

    private final Path dir;
    private final JobUser jobUser;
    /** Variables set by earlier steps, for the steps after them. */
    private final Map<String, String> env = new LinkedHashMap<>();
    /** Directories earlier steps put on PATH, the latest first. */
    private final List<String> path = new ArrayList<>();
    /** {@code steps.<id>}: outputs, outcome and conclusion of each earlier step with an id. */
    private final Map<String, Object> steps = new LinkedHashMap<>();

    StepFiles(Path dir, JobUser jobUser) {
        this.dir = dir;
        this.jobUser = jobUser;
    }

    /** Where a job's step files live: beside its workspace, not in it (they are not the repository's). */
    static Path dirFor(Path workspace) {
        return workspace.resolveSibling(workspace.getFileName() + ".files");
    }

    /** The directory the files live in (mounted at the same path into a container step). */
    Path dir() {
        return dir;
    }

    /** Makes the step's four empty files; their paths, by variable name, for its environment. */
    Map<String, String> prepare(int index) throws IOException {
        Files.createDirectories(dir);
        Map<String, String> files = new LinkedHashMap<>();
        for (String name : NAMES) {
            Path file = file(index, name);
            Files.deleteIfExists(file);
            Files.createFile(file);
            files.put(name, file.toString());
        }
        if (jobUser != null) {
            jobUser.own(dir);
        }
        return files;
    }

    /**
     * Reads what the step wrote. {@code id} null: its outputs are not kept (nothing can name
     * them). Returns why the files cannot be taken (the step then fails), or empty.
     */
    Optional<String> collect(int index, String id, LogStreamer log) throws IOException {
        Map<String, String> text = new LinkedHashMap<>();
        for (String name : NAMES) {
            Path file = file(index, name);
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                continue; // deleted by the step: nothing written
            }
            // the runner may be root and the step not: a link the step put in the file's place (to /etc/shadow,
            // say) must not be read on its behalf, nor a second name of a file it cannot read
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                    || ((Number) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).intValue() != 1) {
                return Optional.of("$" + name + " is no longer the plain file the runner made (a link?); it is not read");
            }
            if (Files.size(file) > MAX_FILE_BYTES) {
                return Optional.of("$" + name + " holds " + Files.size(file) + " bytes; at most " + MAX_FILE_BYTES + " are read");
            }
            try (java.io.InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                text.put(name, new String(in.readNBytes((int) MAX_FILE_BYTES + 1), StandardCharsets.UTF_8));
            }
        }
        Map<String, String> newEnv = new LinkedHashMap<>();
        Optional<String> problem = pairs(text.getOrDefault("GITHUB_ENV", ""), "GITHUB_ENV", NAME, newEnv);
        if (problem.isPresent()) {
            return problem;
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        problem = pairs(text.getOrDefault("GITHUB_OUTPUT", ""), "GITHUB_OUTPUT", OUTPUT_NAME, outputs);
        if (problem.isPresent()) {
            return problem;
        }
        env.putAll(newEnv);
        for (String line : text.getOrDefault("GITHUB_PATH", "").split("\n")) {
            if (!line.isBlank()) {
                path.add(0, line.strip());
            }
        }
        String summary = text.getOrDefault("GITHUB_STEP_SUMMARY", "");
        if (!summary.isBlank()) {
            log.line("::delta:: step summary:");
            summary.lines().forEach(line -> log.line("::delta::   " + line));
        }
        if (id != null) {
            steps.put(id, new LinkedHashMap<>(Map.of("outputs", Map.copyOf(outputs))));
        }
        return Optional.empty();
    }

    /** How the step with this id went: {@code success}, {@code failure} or {@code skipped}, before and after continue-on-error. */
    void ended(String id, String outcome, String conclusion) {
        if (id == null) {
            return;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> step = (Map<String, Object>) steps.computeIfAbsent(id,
                k -> new LinkedHashMap<>(Map.of("outputs", Map.of())));
        step.put("outcome", outcome);
        step.put("conclusion", conclusion);
    }

    /** Variables earlier steps set, and {@code PATH} with their directories first. */
    Map<String, String> environment(String basePath) {
        Map<String, String> all = new LinkedHashMap<>(env);
        if (!path.isEmpty()) {
            all.put("PATH", String.join(":", path) + (basePath == null || basePath.isEmpty() ? "" : ":" + basePath));
        }
        return all;
    }

    /** Variables earlier steps set (the {@code env} context of later steps includes them). */
    Map<String, String> env() {
        return Map.copyOf(env);
    }

    /** The {@code steps} context of the next step. */
    Map<String, Object> stepsContext() {
        return Map.copyOf(steps);
    }

    private Path file(int index, String name) {
        return dir.resolve("step" + (index + 1) + "-" + name.toLowerCase(java.util.Locale.ROOT).replace("github_", ""));
    }

    /** {@code NAME=value} and {@code NAME<<DELIMITER} … {@code DELIMITER} lines into {@code into}. */
    static Optional<String> pairs(String text, String file, Pattern names, Map<String, String> into) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank()) {
                continue;
            }
            int heredoc = line.indexOf("<<");
            int equals = line.indexOf('=');
            if (heredoc > 0 && (equals < 0 || heredoc < equals)) {
                String name = line.substring(0, heredoc);
                String delimiter = line.substring(heredoc + 2);
                if (!names.matcher(name).matches() || delimiter.isEmpty()) {
                    return Optional.of("$" + file + " line " + (i + 1) + ": '" + line + "' is not NAME<<DELIMITER");
                }
                List<String> value = new ArrayList<>();
                int end = i + 1;
                while (end < lines.length && !stripCr(lines[end]).equals(delimiter)) {
                    value.add(stripCr(lines[end]));
                    end++;
                }
                if (end == lines.length) {
                    return Optional.of("$" + file + " line " + (i + 1) + ": no line '" + delimiter + "' ends the value of "
                            + name);
                }
                into.put(name, String.join("\n", value));
                i = end;
            } else if (equals > 0) {
                String name = line.substring(0, equals);
                if (!names.matcher(name).matches()) {
                    return Optional.of("$" + file + " line " + (i + 1) + ": '" + name + "' is not a name (letters, digits, '_'"
                            + (names == OUTPUT_NAME ? ", '-'" : "") + ")");
                }
                into.put(name, line.substring(equals + 1));
            } else {
                return Optional.of("$" + file + " line " + (i + 1) + ": '" + line + "' is neither NAME=value nor NAME<<DELIMITER");
            }
        }
        return Optional.empty();
    }

    private static String stripCr(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }
}
