package dev.deltaci.local.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.repo.LocalRepository;
import dev.deltaci.local.stack.AwsStack;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A stack from {@link TestStacks} with a local control plane on it, and the repositories a
 * test pushes: everything an integration test starts, closed together.
 */
public final class PlaneFixture implements AutoCloseable {

    public static final String SECRET = "test-secret";

    public final AwsStack stack;
    public final LocalControlPlane plane;
    public final JobStore store;
    private final List<LocalRepository> repos = new ArrayList<>();

    private PlaneFixture(AwsStack stack, LocalControlPlane plane) {
        this.stack = stack;
        this.plane = plane;
        this.store = plane.plane().jobStore();
    }

    /** @param options adjusts the defaults (webhook secret {@link #SECRET}, sweeper every second) */
    public static PlaneFixture start(UnaryOperator<LocalControlPlane.Options> options) throws Exception {
        AwsStack stack = TestStacks.start();
        try {
            return new PlaneFixture(stack, new LocalControlPlane(stack,
                    options.apply(LocalControlPlane.Options.defaults(SECRET))));
        } catch (Exception | Error e) {
            stack.close();
            throw e;
        }
    }

    /** Commits a repository with this pipeline, sends its push webhook, and returns the new run's id. */
    public String pushRun(String pipeline) throws Exception {
        return push(repository(pipeline));
    }

    /** A repository with this pipeline, which lives until the fixture closes (runners clone it). */
    public LocalRepository repository(String pipeline) throws Exception {
        LocalRepository repo = Fixtures.repoWithPipeline(pipeline);
        repos.add(repo);
        return repo;
    }

    /** A repository of these files (path to text), which lives until the fixture closes. */
    public LocalRepository repositoryOf(java.util.Map<String, String> files) throws Exception {
        LocalRepository repo = Fixtures.repoWithFiles(files);
        repos.add(repo);
        return repo;
    }

    /** Sends a new push delivery for the repository's commit and returns the new run's id. */
    public String push(LocalRepository repo) throws Exception {
        GitHubPush.Delivery delivery = GitHubPush.send(plane.apiUrl(), SECRET, GitHubPush.payload(repo));
        assertThat(delivery.status()).as(delivery.body()).isEqualTo(201);
        return new ObjectMapper().readTree(delivery.body()).get("runId").asText();
    }

    /** Sends a push delivery and returns the whole answer (a repository of workflows starts several runs). */
    public com.fasterxml.jackson.databind.JsonNode pushAnswer(LocalRepository repo) throws Exception {
        GitHubPush.Delivery delivery = GitHubPush.send(plane.apiUrl(), SECRET, GitHubPush.payload(repo));
        assertThat(delivery.status()).as(delivery.body()).isLessThan(300);
        return new ObjectMapper().readTree(delivery.body());
    }

    /** A JSON body, parsed. */
    public static com.fasterxml.jackson.databind.JsonNode json(String body) throws java.io.IOException {
        return new ObjectMapper().readTree(body);
    }

    @Override
    public void close() {
        repos.forEach(LocalRepository::close);
        plane.close();
        stack.close();
    }
}
