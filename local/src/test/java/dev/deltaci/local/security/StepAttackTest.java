package dev.deltaci.local.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.logs.LogStore;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.runner.JobUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Attacks from where a pipeline step stands: arbitrary code, started by the runner, hunting for
 * the runner's registration token so that it can register and act as a runner itself.
 */
class StepAttackTest extends PlaneTest {

    /** Distinctive, so that a step can look for it without being told it. */
    private static final String TOKEN = "steal-me-" + "7".repeat(40);

    /**
     * Prints FOUND:<token> for every copy of a registration-token-shaped string it can read: in any
     * process's environment or command line, or in the runner's work and log directories above its workspace.
     */
    private static final String HUNT = String.join("\n",
            "echo hunting",
            "for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do",
            "  grep -a -o -E 'steal-me-[0-9]{40}' \"$f\" 2>/dev/null | sed \"s|^|FOUND:$f:|\" || true",
            "done",
            "for d in \"$DELTA_WORKSPACE/..\" \"$DELTA_WORKSPACE/../..\"; do",
            "  timeout 20 grep -r -a -o -s -E 'steal-me-[0-9]{40}' \"$d\" 2>/dev/null | sed 's/^/FOUND:/' || true",
            "done",
            "echo hunted");

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options o) {
        LocalControlPlane.Credentials generated = LocalControlPlane.Credentials.generate();
        return o.withCredentials(new LocalControlPlane.Credentials(TOKEN, generated.signingKey(), generated.apiKey()));
    }

    @Test
    void aStepHuntingProcAndTheDirectoriesAboveItsWorkspace_shouldFindNoRegistrationToken() throws Exception {
        String runId = pushRun("jobs:\n  hunt:\n    steps:\n      - run: |\n"
                + HUNT.lines().map(l -> "          " + l).reduce((a, b) -> a + "\n" + b).orElseThrow() + "\n");

        String log = runWithPool(runId, "hunt", List.of(), Files.createTempDirectory("delta-hunt-"));

        assertThat(log).contains("hunting").contains("hunted").doesNotContain("FOUND:").doesNotContain(TOKEN);
    }

    @Test
    void aStepOfARootRunnerWithAJobUser_shouldNotReadTheRunnersProcFilesOrOtherWorkspaces() throws Exception {
        assumeTrue(JobUser.runningAsRoot(), "steps run as another user only under a root runner; this test runs as "
                + "an ordinary user");
        Path top = Files.createTempDirectory("delta-jobuser-");
        Files.setPosixFilePermissions(top, PosixFilePermissions.fromString("rwx--x--x"));
        // a file only the runner's user may read, as the token file of an instance is
        Path secret = Files.writeString(top.resolve("runner-secret"), TOKEN);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Files.createDirectories(top.resolve("workspaces/another-job"));
        String runId = pushRun("jobs:\n  snoop:\n    steps:\n      - run: |\n"
                + "          echo \"uid=$(id -u)\"\n"
                + "          cat /proc/$PPID/environ >/dev/null 2>&1 && echo READ:environ || echo denied:environ\n"
                + "          cat " + secret + " 2>/dev/null && echo READ:secret || echo denied:secret\n"
                + "          ls \"$DELTA_WORKSPACE/..\" >/dev/null 2>&1 && echo READ:workroot || echo denied:workroot\n"
                + "          kill -0 $PPID 2>/dev/null && echo CAN:signal || echo denied:signal\n"
                + "          touch \"$DELTA_WORKSPACE/mine\" && echo wrote:workspace\n");

        String log;
        try {
            log = runWithPool(runId, "snoop", List.of("--job-user", "nobody"), top);
        } finally {
            dev.deltaci.local.support.Fixtures.deleteTree(top);
        }

        assertThat(log).contains("uid=" + JobUser.lookUp("nobody").uid())
                .contains("denied:environ", "denied:secret", "denied:workroot", "denied:signal", "wrote:workspace")
                .doesNotContain("READ:").doesNotContain("CAN:").doesNotContain(TOKEN);
    }

    private String runWithPool(String runId, String job, List<String> runnerArgs, Path workDir) throws Exception {
        try (RunnerPool pool = RunnerPool.start(1, plane.runnerTarget(), workDir, runnerArgs)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
        }
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        LogStore logs = plane.plane().logStore();
        return String.join("", logs.listChunks(runId, job, 1).stream().map(logs::read).toList());
    }
}
