package dev.deltaci.functions.repo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.functions.github.GitHubException;
import dev.deltaci.functions.github.GitHubHttp;
import dev.deltaci.functions.github.InstallationTokens;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads pipelines over GitHub's REST API as the App, so no {@code git} is needed (Lambda has
 * none): the file at the exact commit (contents API), the files a push or pull request changed
 * (compare API, or the commit's own files for a new branch or a {@code before} GitHub no longer
 * has), and branches and tags (git refs API). The App's installation on a repository is looked
 * up once and kept; each call uses that installation's token.
 *
 * <p>The compare API lists at most 300 files: past that, the files of each compared commit are
 * read instead (each commit lists up to 3000, a page of 100 at a time), for up to
 * {@value #MAX_COMMITS} commits.
 */
public final class GitHubPipelineSource implements PipelineSource {

    static final int MAX_COMMITS = 250;
    private static final int COMPARE_FILE_LIMIT = 300;
    private static final int PAGE = 100;
    private static final int MAX_FILE_PAGES = 30;
    private static final Pattern REPOSITORY = Pattern.compile("^(?:https?://[^/]+/|git@[^:]+:)([^/]+/[^/]+?)(?:\\.git)?/?$");
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");

    private final GitHubHttp http;
    private final InstallationTokens tokens;
    private final Duration patience;

    /** @param patience how long one read may wait for GitHub in all (the webhook answers within GitHub's 10 s) */
    public GitHubPipelineSource(GitHubHttp http, InstallationTokens tokens, Duration patience) {
        this.http = http;
        this.tokens = tokens;
        this.patience = patience;
    }

    /** {@code owner/name} of a GitHub clone URL ({@code https://github.com/o/r.git}, GHES, or {@code git@host:o/r.git}). */
    public static Optional<String> repositoryOf(String cloneUrl) {
        Matcher m = REPOSITORY.matcher(cloneUrl == null ? "" : cloneUrl);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static void requireSha(String sha) {
        if (!SHA.matcher(sha).matches()) {
            throw new IllegalArgumentException("not a full commit sha: '" + sha + "'");
        }
    }

    @Override
    public Optional<String> read(String cloneUrl, String sha, String path) throws RepositoryUnavailableException {
        requireSha(sha);
        String repository = repository(cloneUrl);
        try {
            GitHubHttp.Response file = http.send("GET", "repos/" + repository + "/contents/" + encodePath(path)
                    + "?ref=" + sha, token(repository), null, patience, "application/vnd.github.raw");
            return Optional.of(file.body());
        } catch (GitHubException e) {
            if (e.status() == 404) {
                return Optional.empty(); // no such file at that commit
            }
            throw unavailable(repository, e);
        }
    }

    @Override
    public List<String> list(String cloneUrl, String sha, String directory) throws RepositoryUnavailableException {
        requireSha(sha);
        String repository = repository(cloneUrl);
        try {
            JsonNode entries = http.send("GET", "repos/" + repository + "/contents/" + encodePath(directory) + "?ref=" + sha,
                    token(repository), null, patience).json();
            List<String> files = new java.util.ArrayList<>();
            for (JsonNode entry : entries) {
                if ("file".equals(entry.path("type").asText())) {
                    files.add(entry.path("path").asText());
                }
            }
            return files.stream().sorted().toList();
        } catch (GitHubException e) {
            if (e.status() == 404) {
                return List.of(); // no such directory at that commit
            }
            throw unavailable(repository, e);
        }
    }

    @Override
    public List<String> changedFiles(String cloneUrl, String before, String after) throws RepositoryUnavailableException {
        return changed(repository(cloneUrl), before, after);
    }

    @Override
    public List<String> changedInPullRequest(String cloneUrl, String base, String head)
            throws RepositoryUnavailableException {
        // GitHub's compare is three-dot already: from the merge base, as a pull request's diff is
        return changed(repository(cloneUrl), base, head);
    }

    private List<String> changed(String repository, String before, String after) throws RepositoryUnavailableException {
        String token = token(repository);
        try {
            if (before == null || !SHA.matcher(before).matches() || before.matches("0{40}")) {
                return commitFiles(repository, after, token); // a new branch: what its commit changed
            }
            JsonNode compare;
            try {
                compare = http.send("GET", "repos/" + repository + "/compare/" + before + "..." + after
                        + "?per_page=" + PAGE, token, null, patience).json();
            } catch (GitHubException e) {
                if (e.status() == 404) {
                    return commitFiles(repository, after, token); // force-pushed away: GitHub no longer has before
                }
                throw e;
            }
            List<String> files = names(compare.path("files"));
            if (files.size() < COMPARE_FILE_LIMIT) {
                return files;
            }
            return filesOfEachCommit(repository, before, after, compare, token);
        } catch (GitHubException e) {
            throw unavailable(repository, e);
        }
    }

    /** Past the compare API's 300 files: the union of each compared commit's own files. */
    private List<String> filesOfEachCommit(String repository, String before, String after, JsonNode firstPage,
                                           String token) throws GitHubException {
        Set<String> files = new LinkedHashSet<>();
        List<String> commits = new ArrayList<>();
        firstPage.path("commits").forEach(c -> commits.add(c.path("sha").asText()));
        int total = firstPage.path("total_commits").asInt(commits.size());
        for (int page = 2; commits.size() < Math.min(total, MAX_COMMITS); page++) {
            JsonNode next = http.send("GET", "repos/" + repository + "/compare/" + before + "..." + after + "?per_page="
                    + PAGE + "&page=" + page, token, null, patience).json();
            if (next.path("commits").isEmpty()) {
                break;
            }
            next.path("commits").forEach(c -> commits.add(c.path("sha").asText()));
        }
        for (String sha : commits.subList(0, Math.min(commits.size(), MAX_COMMITS))) {
            files.addAll(commitFiles(repository, sha, token));
        }
        return List.copyOf(files);
    }

    private List<String> commitFiles(String repository, String sha, String token) throws GitHubException {
        List<String> files = new ArrayList<>();
        for (int page = 1; page <= MAX_FILE_PAGES; page++) {
            JsonNode commit = http.send("GET", "repos/" + repository + "/commits/" + sha + "?per_page=" + PAGE + "&page="
                    + page, token, null, patience).json();
            List<String> names = names(commit.path("files"));
            files.addAll(names);
            if (names.size() < PAGE) {
                break;
            }
        }
        return files;
    }

    /** Changed paths of a compare or commit: renamed files count under both names. */
    private static List<String> names(JsonNode files) {
        List<String> names = new ArrayList<>();
        files.forEach(f -> {
            names.add(f.path("filename").asText());
            if (f.hasNonNull("previous_filename")) {
                names.add(f.get("previous_filename").asText());
            }
        });
        return names;
    }

    @Override
    public Optional<ResolvedRef> resolve(String cloneUrl, String ref) throws RepositoryUnavailableException {
        String repository = repository(cloneUrl);
        String token = token(repository);
        List<String> candidates = ref.startsWith("refs/") ? List.of(ref) : List.of("refs/heads/" + ref, "refs/tags/" + ref);
        try {
            for (String candidate : candidates) {
                JsonNode found;
                try {
                    found = http.send("GET", "repos/" + repository + "/git/ref/"
                            + encodePath(candidate.substring("refs/".length())), token, null, patience).json();
                } catch (GitHubException e) {
                    if (e.status() == 404) {
                        continue;
                    }
                    throw e;
                }
                JsonNode object = found.path("object");
                String sha = object.path("sha").asText();
                if ("tag".equals(object.path("type").asText())) {
                    // an annotated tag: the commit is what the tag object points at
                    sha = http.send("GET", "repos/" + repository + "/git/tags/" + sha, token, null, patience).json()
                            .path("object").path("sha").asText();
                }
                return Optional.of(new ResolvedRef(candidate, sha));
            }
            return Optional.empty();
        } catch (GitHubException e) {
            throw unavailable(repository, e);
        }
    }

    private String repository(String cloneUrl) throws RepositoryUnavailableException {
        return repositoryOf(cloneUrl).orElseThrow(() -> new RepositoryUnavailableException(
                "'" + cloneUrl + "' is not a GitHub repository URL (https://HOST/owner/name.git)"));
    }

    /** The installation's token for the repository; the App's installation on it is looked up once. */
    private String token(String repository) throws RepositoryUnavailableException {
        try {
            return tokens.forInstallation(tokens.installationOf(repository)).value();
        } catch (GitHubException e) {
            if (e.status() == 404) {
                throw new RepositoryUnavailableException("the GitHub App is not installed on " + repository
                        + " (or cannot see it): install it there, with contents: read");
            }
            throw unavailable(repository, e);
        }
    }

    private static RepositoryUnavailableException unavailable(String repository, GitHubException e) {
        return new RepositoryUnavailableException("GitHub could not be read for " + repository + ": " + e.getMessage()
                + (e.retryAt() == null ? "" : " (try again after " + e.retryAt() + ")"));
    }

    private static String encodePath(String path) {
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            parts.add(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return String.join("/", parts);
    }
}
