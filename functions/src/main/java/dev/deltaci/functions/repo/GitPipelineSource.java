package dev.deltaci.functions.repo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Reads files with the {@code git} command. A local path (or {@code file://} URL) is read in
 * place; any other URL is fetched shallowly at the one commit into a scratch repository.
 */
final class GitPipelineSource implements PipelineSource {

    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");
    private static final long GIT_TIMEOUT_SECONDS = 60;

    private final String executable;

    /** @param executable the git command: {@code git} from the PATH, or a path to it */
    GitPipelineSource(String executable) {
        this.executable = executable;
    }

    @Override
    public Optional<String> read(String cloneUrl, String sha, String path) throws RepositoryUnavailableException {
        return atCommit(cloneUrl, sha, repo -> show(repo, sha, path));
    }

    @Override
    public List<String> list(String cloneUrl, String sha, String directory) throws RepositoryUnavailableException {
        return atCommit(cloneUrl, sha, repo -> {
            Result tree = git(repo, "ls-tree", "--name-only", sha, directory.replaceAll("/+$", "") + "/");
            if (tree.exitCode() != 0) {
                requireCommit(repo, sha); // says so if the commit is what is missing
                throw new RepositoryUnavailableException("cannot list " + directory + " at " + sha + ": " + tree.output());
            }
            return tree.output().lines().filter(line -> !line.isBlank()).sorted().toList();
        });
    }

    private interface AtCommit<T> {
        T read(Path repo) throws RepositoryUnavailableException;
    }

    /** Reads from a repository that holds the commit: a local one in place, a remote one fetched one commit deep. */
    private <T> T atCommit(String cloneUrl, String sha, AtCommit<T> reader) throws RepositoryUnavailableException {
        if (!SHA.matcher(sha).matches()) {
            throw new IllegalArgumentException("not a full commit sha: '" + sha + "'");
        }
        Path local = localPath(cloneUrl);
        if (local != null) {
            // one git process in the usual case: a reader asks whether the commit is there only when
            // its own call failed (a webhook used to fork four per file read)
            return reader.read(local);
        }
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("delta-fetch-");
            git(scratch, "init", "--quiet", "--bare");
            Result fetch = git(scratch, "fetch", "--quiet", "--depth", "1", cloneUrl, sha);
            if (fetch.exitCode() != 0) {
                throw new RepositoryUnavailableException("cannot fetch " + sha + " from " + cloneUrl + ": " + fetch.output());
            }
            return reader.read(scratch);
        } catch (IOException e) {
            throw new RepositoryUnavailableException("cannot read " + cloneUrl + ": " + e.getMessage());
        } finally {
            deleteQuietly(scratch);
        }
    }

    private void requireCommit(Path repo, String sha) throws RepositoryUnavailableException {
        if (git(repo, "cat-file", "-e", sha + "^{commit}").exitCode() != 0) {
            throw new RepositoryUnavailableException("commit " + sha + " is not in " + repo);
        }
    }

    @Override
    public List<String> changedFiles(String cloneUrl, String before, String after) throws RepositoryUnavailableException {
        return changed(cloneUrl, before, after, "..");
    }

    @Override
    public List<String> changedInPullRequest(String cloneUrl, String base, String head)
            throws RepositoryUnavailableException {
        return changed(cloneUrl, base, head, "...");
    }

    /** {@code dots}: ".." compares the two commits, "..." the merge base with {@code after}. */
    private List<String> changed(String cloneUrl, String before, String after, String dots)
            throws RepositoryUnavailableException {
        Path local = localPath(cloneUrl);
        if (local == null) {
            // remote repositories are fetched one commit deep: report that commit's files
            Path scratch = null;
            try {
                scratch = Files.createTempDirectory("delta-fetch-");
                git(scratch, "init", "--quiet", "--bare");
                Result fetch = git(scratch, "fetch", "--quiet", "--depth", "1", cloneUrl, after);
                if (fetch.exitCode() != 0) {
                    throw new RepositoryUnavailableException("cannot fetch " + after + " from " + cloneUrl);
                }
                return lines(git(scratch, "diff-tree", "--no-commit-id", "--name-only", "-r", "--root", after));
            } catch (IOException e) {
                throw new RepositoryUnavailableException("cannot read " + cloneUrl + ": " + e.getMessage());
            } finally {
                deleteQuietly(scratch);
            }
        }
        boolean beforeKnown = before != null && SHA.matcher(before).matches()
                && git(local, "cat-file", "-e", before + "^{commit}").exitCode() == 0;
        Result diff = beforeKnown
                ? git(local, "diff", "--name-only", before + dots + after)
                : git(local, "diff-tree", "--no-commit-id", "--name-only", "-r", "--root", after);
        if (diff.exitCode() != 0) {
            throw new RepositoryUnavailableException("cannot list the files changed by " + after + ": " + diff.output());
        }
        return lines(diff);
    }

    @Override
    public Optional<ResolvedRef> resolve(String cloneUrl, String ref) throws RepositoryUnavailableException {
        List<String> candidates = ref.startsWith("refs/") ? List.of(ref) : List.of("refs/heads/" + ref, "refs/tags/" + ref);
        Path local = localPath(cloneUrl);
        if (local != null) {
            for (String candidate : candidates) {
                Result parsed = git(local, "rev-parse", "--verify", "--quiet", candidate + "^{commit}");
                if (parsed.exitCode() == 0) {
                    return Optional.of(new ResolvedRef(candidate, parsed.output().strip()));
                }
            }
            return Optional.empty();
        }
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("delta-ls-remote-");
            Result listed = git(scratch, "ls-remote", cloneUrl, candidates.get(0));
            if (listed.exitCode() != 0) {
                throw new RepositoryUnavailableException("cannot list the refs of " + cloneUrl + ": " + listed.output().strip());
            }
            for (String candidate : candidates) {
                Result one = candidate.equals(candidates.get(0)) ? listed : git(scratch, "ls-remote", cloneUrl, candidate);
                Optional<String> sha = one.output().lines().filter(l -> l.endsWith("\t" + candidate))
                        .map(l -> l.substring(0, l.indexOf('\t'))).findFirst();
                if (sha.isPresent()) {
                    return Optional.of(new ResolvedRef(candidate, sha.get()));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new RepositoryUnavailableException("cannot read " + cloneUrl + ": " + e.getMessage());
        } finally {
            deleteQuietly(scratch);
        }
    }

    private static List<String> lines(Result result) {
        return result.output().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    private static Path localPath(String cloneUrl) {
        String candidate = cloneUrl.startsWith("file://") ? cloneUrl.substring("file://".length()) : cloneUrl;
        return candidate.startsWith("/") ? Path.of(candidate) : null;
    }

    /** The file's bytes as committed; empty when the commit (which must be there) has no such file. */
    private Optional<String> show(Path repo, String sha, String path) throws RepositoryUnavailableException {
        Result blob = git(repo, "cat-file", "blob", sha + ":" + path);
        if (blob.exitCode() == 0) {
            return Optional.of(blob.output());
        }
        requireCommit(repo, sha); // the commit is there, so the file is not
        return Optional.empty();
    }

    private record Result(int exitCode, String output) {
    }

    private Result git(Path dir, String... args) throws RepositoryUnavailableException {
        List<String> command = new ArrayList<>(List.of(executable, "-C", dir.toString()));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(GIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new RepositoryUnavailableException("git " + args[0] + " timed out in " + dir);
            }
            return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new RepositoryUnavailableException("cannot run " + executable + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RepositoryUnavailableException("interrupted while running git");
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // scratch space in the temp directory; the OS reclaims it
        }
    }
}
