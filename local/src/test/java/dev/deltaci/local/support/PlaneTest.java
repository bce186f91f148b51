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
}
