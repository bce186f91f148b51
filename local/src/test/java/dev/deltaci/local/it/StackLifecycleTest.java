package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deltaci.local.stack.EmbeddedStack;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The embedded stack leaves no process behind: not on close, not when its JVM is SIGKILLed. */
class StackLifecycleTest {

    /** Run in a child JVM: starts a stack, says where dynalite is, waits to be killed. */
    public static final class StackHolder {
        public static void main(String[] args) throws Exception {
            EmbeddedStack stack = EmbeddedStack.start(null);
            System.out.println("dynalite-pid " + stack.dynaliteProcess().pid());
            System.out.println("ready-ms " + stack.startMillis());
            Thread.sleep(Duration.ofMinutes(5).toMillis());
        }
    }

    @Test
    void close_shouldStopDynalite() {
        EmbeddedStack stack = EmbeddedStack.start(null);
        ProcessHandle dynalite = stack.dynaliteProcess();
        assertThat(dynalite.isAlive()).isTrue();

        stack.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> !dynalite.isAlive());
    }

    @Test
    void sigkillOfTheJvm_shouldTakeDynaliteWithIt() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process holder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                StackHolder.class.getName())).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long dynalitePid;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertThat(line).as("child JVM output").startsWith("dynalite-pid ");
            dynalitePid = Long.parseLong(line.substring("dynalite-pid ".length()));
            assertThat(ProcessHandle.of(dynalitePid)).get().matches(ProcessHandle::isAlive);

            holder.destroyForcibly(); // SIGKILL: no shutdown hooks run
            holder.waitFor();
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.of(dynalitePid).map(p -> !p.isAlive()).orElse(true));
    }
}
