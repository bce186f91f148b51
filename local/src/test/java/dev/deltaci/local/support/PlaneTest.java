package dev.deltaci.local.support;

import dev.deltaci.functions.store.JobStore;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.stack.AwsStack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Base of integration tests that get a fresh stack and control plane for every test. */
public abstract class PlaneTest {

    protected PlaneFixture fixture;
    protected AwsStack stack;
    protected LocalControlPlane plane;
    protected JobStore store;

    /** The control plane's options for this class; the defaults run the sweeper every second. */
    protected LocalControlPlane.Options options(LocalControlPlane.Options defaults) {
        return defaults;
    }

    @BeforeEach
    void startPlane() throws Exception {
        fixture = PlaneFixture.start(this::options);
        stack = fixture.stack;
        plane = fixture.plane;
        store = fixture.store;
    }

    @AfterEach
    void stopPlane() {
        fixture.close();
    }

    protected String pushRun(String pipeline) throws Exception {
        return fixture.pushRun(pipeline);
    }

    /** Pushes a run of this pipeline and runs it to its end on {@code runners} runner processes. */
    protected String runToTheEnd(String pipeline, int runners, java.time.Duration atMost) throws Exception {
        String runId = pushRun(pipeline);
        runToTheEnd(java.util.List.of(runId), runners, atMost);
        return runId;
    }

    /** Runs these runs to their end on {@code runners} runner processes, each within {@code atMost}. */
    protected void runToTheEnd(java.util.List<String> runIds, int runners, java.time.Duration atMost) throws Exception {
        try (dev.deltaci.local.host.RunnerPool pool = dev.deltaci.local.host.RunnerPool.start(runners, plane.runnerTarget(),
                java.nio.file.Files.createTempDirectory("delta-runners-"))) {
            for (String runId : runIds) {
                org.awaitility.Awaitility.await().atMost(atMost)
                        .until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
            }
        }
    }

    /** A job's log, as stored for its last attempt. */
    protected String jobLog(String runId, String job) {
        var logs = plane.plane().logStore();
        long epoch = store.getJob(runId, job).orElseThrow().lease().epoch();
        return String.join("", logs.listChunks(runId, job, epoch).stream().map(logs::read).toList());
    }
}
