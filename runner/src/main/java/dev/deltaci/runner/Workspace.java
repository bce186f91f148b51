package dev.deltaci.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A job's workspace: a fresh checkout of its commit, handed to the job user with a home of its own, then deleted. */
final class Workspace {

    private static final Logger LOG = LoggerFactory.getLogger(Workspace.class);

    private Workspace() {
    }

    /** A job user's own home for this job, beside the workspace (the runner's HOME is not theirs to read). */
    static Path home(Path workspace) {
        return workspace.resolveSibling(workspace.getFileName() + ".home");
    }

    /** The checked-out (and unpacked) workspace and a fresh home become the job user's, 0700. */
    static void handOver(Path workspace, JobUser jobUser) throws IOException {
        Path home = home(workspace);
        deleteTree(home);
        Files.createDirectories(home);
        jobUser.own(workspace);
        jobUser.own(home);
    }

    static String checkout(LeasedJob job, Path workspace, LogStreamer log) throws IOException {
        Files.createDirectories(workspace.getParent());
        deleteTree(workspace);
        log.line("::delta:: checkout " + job.sha() + " (" + job.ref() + ")");
        ProcessResult clone = runGit(workspace.getParent(), credentials(job), "clone", "--quiet", "--no-checkout",
                job.cloneUrl(), workspace.toString());
        if (clone.exitCode != 0) {
            return "git clone " + job.cloneUrl() + ": " + clone.output.strip();
        }
        ProcessResult checkout = runGit(workspace, Map.of(), "-c", "advice.detachedHead=false", "checkout", "--quiet",
                "--detach", job.sha());
        return checkout.exitCode == 0 ? null : "git checkout " + job.sha() + ": " + checkout.output.strip();
    }

    /**
     * The job's checkout token as git configuration in the clone's own environment
     * ({@code GIT_CONFIG_COUNT}, git 2.31+): an {@code Authorization} header, as GitHub's
     * checkout action sends it. Never in the URL, the command line, {@code .git/config} or a
     * step's environment; the clone asks no questions (a refusal fails it at once).
     */
    static Map<String, String> credentials(LeasedJob job) {
        if (job.checkoutToken() == null) {
            return Map.of("GIT_TERMINAL_PROMPT", "0");
        }
        String basic = Base64.getEncoder().encodeToString(("x-access-token:" + job.checkoutToken())
                .getBytes(StandardCharsets.UTF_8));
        return Map.of("GIT_TERMINAL_PROMPT", "0", "GIT_CONFIG_COUNT", "1", "GIT_CONFIG_KEY_0", "http.extraHeader",
                "GIT_CONFIG_VALUE_0", "Authorization: basic " + basic);
    }

    private record ProcessResult(int exitCode, String output) {
    }

    private static ProcessResult runGit(Path dir, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                return new ProcessResult(-1, "timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during git", e);
        }
        return new ProcessResult(process.exitValue(), output);
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not delete workspace " + dir + ": " + e.getMessage());
        }
    }
}
