package dev.deltaci.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The unprivileged user a root runner runs steps as. A step runs arbitrary code beside the
 * runner; as another user it cannot read the runner's {@code /proc/PID/environ}, memory or files
 * (where its credential lives), nor signal it, nor enter other jobs' workspaces (each is {@code 0700}
 * and owned by the job user only while its job runs; the work root is {@code 0711}). Steps are
 * started through util-linux {@code setpriv}, with no new privileges and no capabilities.
 */
public record JobUser(String name, int uid, int gid, String home) {

    public static boolean runningAsRoot() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The user's ids, from {@code getent passwd}; refused unless this runner is root and the user is not. */
    public static JobUser lookUp(String name) {
        if (!name.matches("[a-z_][a-z0-9_-]{0,31}\\$?")) {
            throw new IllegalArgumentException("'" + name + "' is not a user name");
        }
        if (!runningAsRoot()) {
            throw new IllegalArgumentException("only a runner running as root can run steps as another user");
        }
        String entry = output("getent", "passwd", name);
        String[] fields = entry.strip().split(":");
        if (fields.length < 7) {
            throw new IllegalArgumentException("no user '" + name + "' on this machine");
        }
        int uid = Integer.parseInt(fields[2]);
        if (uid == 0) {
            throw new IllegalArgumentException("'" + name + "' is root; the job user must be unprivileged");
        }
        return new JobUser(name, uid, Integer.parseInt(fields[3]), fields[5]);
    }

    /** The command that runs {@code command} as this user. */
    List<String> wrap(List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid,
                "--init-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Hands a tree to this user (links themselves, never what they point at), owner-only. */
    void own(Path tree) throws IOException {
        try (Stream<Path> paths = Files.walk(tree)) {
            for (Path path : paths.toList()) {
                Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
            }
        }
        Files.setPosixFilePermissions(tree, PosixFilePermissions.fromString("rwx------"));
    }

    /** Refuses a work directory the job user could not reach: one of its parents is closed to others. */
    static void checkReachable(Path workRoot) {
        for (Path dir = workRoot.toAbsolutePath().normalize().getParent(); dir != null; dir = dir.getParent()) {
            try {
                if (Files.isDirectory(dir) && !Files.getPosixFilePermissions(dir)
                        .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                    throw new IllegalArgumentException("the job user cannot reach the work directory: " + dir
                            + " is closed to other users (chmod o+x it, or choose another --work-dir)");
                }
            } catch (IOException | UnsupportedOperationException e) {
                return; // nothing to check on this file system
            }
        }
    }

    /** The work root: the runner's, traversable but not listable by the job user. */
    static void closeWorkRoot(Path workRoot) throws IOException {
        Files.createDirectories(workRoot);
        Files.setAttribute(workRoot, "unix:uid", 0, LinkOption.NOFOLLOW_LINKS);
        Files.setPosixFilePermissions(workRoot, PosixFilePermissions.fromString("rwx--x--x"));
    }

    private static String output(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                return "";
            }
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot look up users: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException("interrupted looking up users");
        }
    }
}
