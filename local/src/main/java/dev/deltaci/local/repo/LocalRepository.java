package dev.deltaci.local.repo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The commit a local run builds. A git work tree's top level is used as it is (its HEAD, or
 * {@code --ref}); any other directory, such as {@code examples/hello}, is copied into a
 * throwaway repository and committed, so it can be cloned like any repository.
 *
 * @param cloneUrl  what runners clone: a local path
 * @param sha       the commit
 * @param ref       the full ref name, e.g. {@code refs/heads/main}
 * @param name      a repository name for the run, e.g. {@code local/hello}
 * @param throwaway the scratch repository to delete afterwards, or null
 * @param warning   something the user should know (uncommitted changes), or null
 */
public record LocalRepository(String cloneUrl, String sha, String ref, String name, String message, Path throwaway,
                              String warning) implements AutoCloseable {

    /** The path cannot be run: not a directory, unknown ref, or git failed. */
    public static final class RepositoryException extends Exception {
        public RepositoryException(String message) {
            super(message);
        }
    }

    public static LocalRepository resolve(Path path, String ref) throws RepositoryException {
        return resolve(path, ref, null);
    }

    /**
     * As {@link #resolve(Path, String)}, but a directory that is not a git repository is committed
     * into a snapshot repository kept under {@code snapshots} (one per source directory, a commit
     * per call) instead of a throwaway one: a long-running control plane ({@code delta dev}) can
     * then read the commit again later, for a rerun. Null: a throwaway commit.
     */
    public static LocalRepository resolve(Path path, String ref, Path snapshots) throws RepositoryException {
        Path dir = path.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new RepositoryException(path + " is not a directory");
        }
        String name = "local/" + (dir.getFileName() == null ? "root" : dir.getFileName().toString());
        Git.Result top = Git.run(dir, "rev-parse", "--show-toplevel");
        boolean isTopLevel = top.ok() && Path.of(top.out().strip()).toAbsolutePath().normalize().equals(dir);
        if (isTopLevel) {
            return fromWorkTree(dir, ref, name);
        }
        if (ref != null) {
            throw new RepositoryException("--ref needs a git repository; " + path
                    + " is not the top of one (it is copied into a throwaway commit instead)");
        }
        return snapshots == null ? throwawayCommit(dir, name) : keptSnapshot(dir, name, snapshots);
    }

    private static LocalRepository keptSnapshot(Path source, String name, Path snapshots) throws RepositoryException {
        String id = (source.getFileName() == null ? "root" : source.getFileName().toString()).replaceAll("[^A-Za-z0-9_.-]", "_")
                + "-" + dev.deltaci.functions.security.HashedTokens.hex(source.toString()).substring(0, 10);
        Path repo = snapshots.resolve(id);
        try {
            if (!Files.isDirectory(repo.resolve(".git"))) {
                Files.createDirectories(repo);
                git(repo, source, "init", "--quiet", "--initial-branch=main");
            }
            // the work tree becomes the source as it is now: files gone from it go from the next commit too
            try (Stream<Path> entries = Files.list(repo)) {
                for (Path entry : (Iterable<Path>) entries::iterator) {
                    if (!entry.getFileName().toString().equals(".git")) {
                        deleteTree(entry);
                    }
                }
            }
            copyTree(source, repo);
            git(repo, source, "add", "--all");
            git(repo, source, "-c", "user.name=Delta CI", "-c", "user.email=delta@localhost", "commit", "--quiet",
                    "--no-gpg-sign", "--allow-empty", "-m", "delta run " + source);
            String sha = Git.run(repo, "rev-parse", "HEAD").out().strip();
            return new LocalRepository(repo.toString(), sha, "refs/heads/main", name, "delta run " + source, null, null);
        } catch (IOException e) {
            throw new RepositoryException("cannot copy " + source + " into " + repo + ": " + e.getMessage());
        }
    }

    private static void git(Path repo, Path source, String... args) throws RepositoryException {
        Git.Result result = Git.run(repo, args);
        if (!result.ok()) {
            throw new RepositoryException("git " + args[0] + " failed in the snapshot of " + source + " (" + repo + "): "
                    + result.out().strip());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    private static LocalRepository fromWorkTree(Path dir, String ref, String name) throws RepositoryException {
        String wanted = ref == null ? "HEAD" : ref;
        Git.Result sha = Git.run(dir, "rev-parse", "--verify", "--quiet", wanted + "^{commit}");
        if (!sha.ok()) {
            throw new RepositoryException(ref == null ? dir + " has no commits yet"
                    : "'" + ref + "' is not a branch, tag or commit in " + dir);
        }
        String fullRef;
        Git.Result symbolic = Git.run(dir, "rev-parse", "--symbolic-full-name", wanted);
        fullRef = symbolic.ok() && symbolic.out().strip().startsWith("refs/") ? symbolic.out().strip() : "refs/heads/detached";
        String warning = null;
        if (ref == null && !Git.run(dir, "status", "--porcelain", "--untracked-files=no").out().isBlank()) {
            warning = "uncommitted changes in " + dir + " are not part of this run; it builds HEAD";
        }
        String message = Git.run(dir, "log", "-1", "--format=%s", sha.out().strip()).out().strip();
        return new LocalRepository(dir.toString(), sha.out().strip(), fullRef, name, message, null, warning);
    }

    private static LocalRepository throwawayCommit(Path source, String name) throws RepositoryException {
        try {
            Path scratch = Files.createTempDirectory("delta-repo-");
            copyTree(source, scratch);
            for (String[] args : List.of(new String[] {"init", "--quiet", "--initial-branch=main"},
                    new String[] {"add", "--all"},
                    new String[] {"-c", "user.name=Delta CI", "-c", "user.email=delta@localhost", "commit",
                            "--quiet", "--no-gpg-sign", "-m", "delta run " + source})) {
                Git.Result result = Git.run(scratch, args);
                if (!result.ok()) {
                    throw new RepositoryException("git " + args[0] + " failed in a throwaway copy of " + source + ": "
                            + result.out().strip());
                }
            }
            String sha = Git.run(scratch, "rev-parse", "HEAD").out().strip();
            return new LocalRepository(scratch.toString(), sha, "refs/heads/main", name, "delta run " + source,
                    scratch, null);
        } catch (IOException e) {
            throw new RepositoryException("cannot copy " + source + ": " + e.getMessage());
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path rel = from.relativize(p);
                if (rel.toString().equals(".git") || rel.startsWith(".git")) {
                    continue;
                }
                Path target = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    @Override
    public void close() {
        if (throwaway == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(throwaway)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp space
        }
    }

    /** Minimal git runner for the CLI. */
    static final class Git {
        record Result(int code, String out) {
            boolean ok() {
                return code == 0;
            }
        }

        static Result run(Path dir, String... args) {
            List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
            command.addAll(List.of(args));
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                p.getOutputStream().close();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new Result(-1, "git timed out");
                }
                return new Result(p.exitValue(), out);
            } catch (IOException e) {
                return new Result(-1, "cannot run git: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(-1, "interrupted");
            }
        }
    }
}
