package dev.deltaci.local.bench;

import java.lang.management.ManagementFactory;

/**
 * Main of the child JVM in {@code delta bench coldstart}: loads one handler class and builds it
 * with its no-argument constructor, as Lambda's Java runtime does in the init phase, and prints
 * {@code {"initMs": …, "jvmMs": …}} — the handler's init alone, and the JVM's uptime when it was
 * ready. Only the JDK is used here, so nothing but the handler's own classes is loaded for it.
 */
public final class HandlerInit {

    private HandlerInit() {
    }

    public static void main(String[] args) throws Exception {
        long began = System.nanoTime();
        Class.forName(args[0]).getConstructor().newInstance();
        long initMs = (System.nanoTime() - began) / 1_000_000;
        long jvmMs = ManagementFactory.getRuntimeMXBean().getUptime();
        System.out.println("{\"initMs\": " + initMs + ", \"jvmMs\": " + jvmMs + "}");
        System.exit(0);
    }
}
