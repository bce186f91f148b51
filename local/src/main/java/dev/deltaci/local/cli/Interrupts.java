package dev.deltaci.local.cli;

import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C while a command follows a run: the first SIGINT starts {@code onFirst} (on a thread of its
 * own) and lets the command go on to its normal end, so that it can report and exit with a code
 * that means something; a second SIGINT exits at once (130, as a shell reports an interrupt).
 * Handled as a signal, not a shutdown hook: by the time shutdown hooks run, the JVM's exit status
 * is already fixed and the code following the run cannot finish.
 */
final class Interrupts implements AutoCloseable {

    private static final Signal INT = new Signal("INT");

    private final SignalHandler previous;

    private Interrupts(Runnable onFirst) {
        AtomicInteger seen = new AtomicInteger();
        previous = Signal.handle(INT, signal -> {
            if (seen.incrementAndGet() == 1) {
                Thread action = new Thread(onFirst, "on-interrupt");
                action.setDaemon(true);
                action.start();
            } else {
                Runtime.getRuntime().halt(130);
            }
        });
    }

    static Interrupts onFirst(Runnable onFirst) {
        return new Interrupts(onFirst);
    }

    @Override
    public void close() {
        Signal.handle(INT, previous);
    }
}
