package dev.deltaci.local.bench;

import java.lang.management.ManagementFactory;

/**
 * Main of the child JVM in {@code delta bench coldstart}: loads one handler class and builds it
 * with its no-argument constructor, as Lambda's Java runtime does in the init phase, then runs
 * what the handler registered to prime its SnapStart snapshot, twice, and prints
 * {@code {"initMs": …, "jvmMs": …, "primeMs": …, "primedAgainMs": …}} — the handler's init
 * alone, the JVM's uptime when it was ready, the priming (what the first request after a
 * restore no longer pays) and the same work once primed (-1 for both: nothing registered).
 * Only the JDK is used here (the priming is called by reflection), so nothing but the handler's
 * own classes is loaded for it.
 */
public final class HandlerInit {

    private static final String PRIMING = "dev.deltaci.functions.handlers.SnapStartPriming";

    private HandlerInit() {
    }

    public static void main(String[] args) throws Exception {
        long began = System.nanoTime();
        Class.forName(args[0]).getConstructor().newInstance();
        long initMs = (System.nanoTime() - began) / 1_000_000;
        long jvmMs = ManagementFactory.getRuntimeMXBean().getUptime();
        long primeMs = prime();
        long primedAgainMs = prime();
        System.out.println("{\"initMs\": " + initMs + ", \"jvmMs\": " + jvmMs + ", \"primeMs\": " + primeMs
                + ", \"primedAgainMs\": " + primedAgainMs + "}");
        System.exit(0);
    }

    /** Runs the registered priming; its duration in ms, or -1 when the handler registered none. */
    private static long prime() throws ReflectiveOperationException {
        java.util.Optional<?> primed = (java.util.Optional<?>) Class.forName(PRIMING).getMethod("primeRegistered").invoke(null);
        if (primed.isEmpty()) {
            return -1;
        }
        Object report = primed.get();
        java.util.List<?> failures = (java.util.List<?>) report.getClass().getMethod("failures").invoke(report);
        if (!failures.isEmpty()) {
            throw new IllegalStateException("priming failed: " + failures);
        }
        return (Long) report.getClass().getMethod("millis").invoke(report);
    }
}
