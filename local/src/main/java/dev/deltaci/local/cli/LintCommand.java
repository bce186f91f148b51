package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.pipeline.ConfigProblem;
import dev.deltaci.core.pipeline.Pipeline;
import dev.deltaci.core.pipeline.PipelineException;
import dev.deltaci.core.pipeline.PipelineParser;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code delta lint}: checks a pipeline file without running it, with the parser the webhook uses. */
@Command(name = "lint", mixinStandardHelpOptions = true,
        description = {"Validate a pipeline file (.delta/pipeline.yml, or a GitHub Actions workflow) without "
                + "running it. Each problem is reported as file:line:column: what was found and what was expected.",
                "Notes (file:line:column: note: ...) say what Delta CI takes differently from GitHub Actions in a "
                        + "valid file, such as an event it does not receive; see docs/coming-from-github-actions.md."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:every file is valid",
                "1:a file has problems",
                "2:usage error, or a file cannot be read"})
public final class LintCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "FILE",
            description = "The pipeline files (default: " + PipelineParser.DEFAULT_PATH + ", or without it each "
                    + ".github/workflows/*.yml, as the control plane reads them).")
    List<Path> files;

    @Option(names = "--json", description = "One JSON object per file, a line each, for editors: {file, valid, jobs, "
            + "problems: [{line, column, message}], notes: [...]}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<Path> toLint = files == null || files.isEmpty() ? defaultFiles() : files;
        int exit = ExitCodes.SUCCEEDED;
        for (Path file : toLint) {
            int code = lint(file);
            exit = Math.max(exit, code); // a file that cannot be read (2) outranks one with problems (1)
        }
        return exit;
    }

    /** What the control plane would run: .delta/pipeline.yml, or else the repository's workflows. */
    private static List<Path> defaultFiles() throws IOException {
        Path pipeline = Path.of(PipelineParser.DEFAULT_PATH);
        Path workflows = Path.of(".github", "workflows");
        if (Files.exists(pipeline) || !Files.isDirectory(workflows)) {
            return List.of(pipeline);
        }
        try (java.util.stream.Stream<Path> listing = Files.list(workflows)) {
            List<Path> found = listing.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
                    .sorted().toList();
            return found.isEmpty() ? List.of(pipeline) : found;
        }
    }

    private int lint(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (MalformedInputException e) {
            spec.commandLine().getErr().println("error: " + file + " is not UTF-8 text");
            return ExitCodes.USAGE_OR_CONFIG;
        } catch (java.nio.file.NoSuchFileException e) {
            spec.commandLine().getErr().println("error: no such file: " + file);
            return ExitCodes.USAGE_OR_CONFIG;
        } catch (IOException e) {
            spec.commandLine().getErr().println("error: cannot read " + file + ": " + e.getMessage());
            return ExitCodes.USAGE_OR_CONFIG;
        }
        List<ConfigProblem> problems;
        List<ConfigProblem> notes = List.of();
        List<String> jobs = List.of();
        try {
            // the control plane's own limits, set by the same variables
            Path root = repositoryRoot(file);
            Pipeline pipeline = PipelineParser.parse(file.toString(), text, new PipelineParser.Settings(
                    dev.deltaci.core.pipeline.PipelineLimits.fromEnvironment(System.getenv()),
                    dev.deltaci.core.pipeline.HostedRunners.fromEnvironment(System.getenv()),
                    path -> readInRepository(root, path)));
            jobs = List.copyOf(pipeline.jobs().keySet());
            notes = pipeline.notes();
            problems = List.of();
        } catch (PipelineException e) {
            problems = e.problems();
        } catch (dev.deltaci.core.pipeline.RepositoryFiles.Unreadable e) {
            spec.commandLine().getErr().println("error: " + file + ": " + e.getMessage());
            return ExitCodes.USAGE_OR_CONFIG;
        }
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("file", file.toString());
            result.put("valid", problems.isEmpty());
            result.put("jobs", jobs);
            result.put("problems", problems.stream().map(LintCommand::problemJson).toList());
            result.put("notes", notes.stream().map(LintCommand::problemJson).toList());
            spec.commandLine().getOut().println(new ObjectMapper().writeValueAsString(result));
        } else if (problems.isEmpty()) {
            // what Delta takes differently from GitHub Actions: the file is valid, and these say how
            notes.forEach(n -> spec.commandLine().getOut().println(n));
            spec.commandLine().getOut().println(file + ": valid, " + jobs.size() + " job(s): " + String.join(", ", jobs));
        } else {
            problems.forEach(p -> spec.commandLine().getOut().println(p));
            spec.commandLine().getOut().println(problems.size() + " problem(s) in " + file);
        }
        return problems.isEmpty() ? ExitCodes.SUCCEEDED : ExitCodes.RUN_FAILED;
    }

    /**
     * The top of the repository a pipeline file is in, where the actions and workflows it uses are
     * read from: above {@code .github/workflows/} or {@code .delta/}, else the current directory.
     */
    static Path repositoryRoot(Path file) {
        Path dir = file.toAbsolutePath().normalize().getParent();
        if (dir != null && dir.getFileName() != null && dir.getFileName().toString().equals(".delta")) {
            return dir.getParent();
        }
        if (dir != null && dir.getFileName() != null && dir.getFileName().toString().equals("workflows")
                && dir.getParent() != null && dir.getParent().getFileName().toString().equals(".github")) {
            return dir.getParent().getParent();
        }
        return Path.of("").toAbsolutePath();
    }

    private static java.util.Optional<String> readInRepository(Path root, String path) {
        Path target = root.resolve(path).normalize();
        if (!target.startsWith(root) || !Files.isRegularFile(target)) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(Files.readString(target));
        } catch (IOException e) {
            throw new dev.deltaci.core.pipeline.RepositoryFiles.Unreadable("cannot read " + target + ": " + e.getMessage());
        }
    }

    private static Map<String, Object> problemJson(ConfigProblem problem) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("line", problem.line());
        json.put("column", problem.column());
        json.put("message", problem.message());
        return json;
    }
}
