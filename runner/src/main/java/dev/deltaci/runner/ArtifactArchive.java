package dev.deltaci.runner;

import dev.deltaci.core.pipeline.ArtifactPaths;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * A job's kept files as one tar.gz: packed from workspace paths after the job succeeds, unpacked
 * into a dependant's workspace before its steps. Regular files and directories with their modes,
 * and symbolic links that point inside the kept paths (as {@code node_modules/.bin} has them),
 * kept as links; a link pointing anywhere else is left out and listed, never followed: the
 * runner may be root and the link a step's. Unpacking refuses any entry that would land outside
 * the workspace, also through a link already there (a repository can commit one).
 */
final class ArtifactArchive {

    static final long MAX_ARCHIVE_BYTES = 2L * 1024 * 1024 * 1024;

    /** What an archive holds, and the links left out of it (workspace paths) because they point outside it. */
    record Contents(int files, long bytes, int links, List<String> linksLeftOut) {
        Contents(int files, long bytes) {
            this(files, bytes, 0, List.of());
        }
    }

    /** The hex SHA-256 of a file: what a completion records and a dependant checks. */
    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = in.read(buffer)) > 0) {
                digest.update(buffer, 0, read);
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The paths that do not exist in the workspace, in order: nothing is packed if any is missing. */
    static List<String> missing(Path workspace, List<String> paths) {
        return paths.stream().filter(p -> !Files.exists(workspace.resolve(p), LinkOption.NOFOLLOW_LINKS)).toList();
    }

    static Contents pack(Path workspace, List<String> paths, Path archive) throws IOException {
        int files = 0;
        int links = 0;
        long bytes = 0;
        List<String> leftOut = new ArrayList<>();
        Path root = workspace.toRealPath();
        List<Path> kept = paths.stream().map(p -> root.resolve(p).normalize()).toList();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(archive));
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Path start : kept) {
                // a directory on the way that is a link (build -> /root) must not lead the walk outside
                if (!start.getParent().toRealPath().startsWith(root)) {
                    leftOut.add(root.relativize(start).toString());
                    continue;
                }
                List<Path> entries;
                try (Stream<Path> walk = Files.walk(start)) {
                    entries = walk.sorted().toList();
                }
                for (Path file : entries) {
                    String name = root.relativize(file).toString().replace('\\', '/');
                    if (Files.isSymbolicLink(file)) {
                        Path target = Files.readSymbolicLink(file);
                        Path resolved = file.getParent().resolve(target).normalize();
                        if (target.isAbsolute() || kept.stream().noneMatch(resolved::startsWith)) {
                            leftOut.add(name);
                            continue;
                        }
                        TarArchiveEntry link = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                        link.setLinkName(target.toString());
                        tar.putArchiveEntry(link);
                        tar.closeArchiveEntry();
                        links++;
                        continue;
                    }
                    TarArchiveEntry entry = new TarArchiveEntry(file.toFile(), name);
                    entry.setMode(mode(file));
                    tar.putArchiveEntry(entry);
                    if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                        Files.copy(file, tar);
                        files++;
                        bytes += entry.getSize();
                    }
                    tar.closeArchiveEntry();
                }
            }
        }
        if (Files.size(archive) > MAX_ARCHIVE_BYTES) {
            throw new IOException("artifacts compress to " + Files.size(archive) + " bytes; the limit is "
                    + MAX_ARCHIVE_BYTES);
        }
        return new Contents(files, bytes, links, List.copyOf(leftOut));
    }

    static Contents unpack(Path archive, Path workspace) throws IOException {
        int files = 0;
        int links = 0;
        long bytes = 0;
        Path root = workspace.toRealPath();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(archive));
             TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String problem = ArtifactPaths.problem(entry.getName().endsWith("/")
                        ? entry.getName().substring(0, entry.getName().length() - 1) : entry.getName());
                Path target = root.resolve(entry.getName()).normalize();
                if (problem != null || !target.startsWith(root) || target.equals(root)) {
                    throw new IOException("archive entry '" + entry.getName() + "' is not a path inside the workspace");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    requireInside(root, target, entry);
                } else if (entry.isSymbolicLink()) { // before isFile(), which is true for links too
                    Path linkTarget = Path.of(entry.getLinkName());
                    if (linkTarget.isAbsolute() || !target.getParent().resolve(linkTarget).normalize().startsWith(root)) {
                        throw new IOException("archive link '" + entry.getName() + "' points outside the workspace");
                    }
                    Files.createDirectories(target.getParent());
                    requireInside(root, target.getParent(), entry);
                    Files.deleteIfExists(target);
                    Files.createSymbolicLink(target, linkTarget);
                    links++;
                    continue;
                } else if (entry.isFile()) {
                    Files.createDirectories(target.getParent());
                    requireInside(root, target.getParent(), entry);
                    Files.deleteIfExists(target); // a link there is replaced, never written through
                    bytes += Files.copy(tar, target);
                    files++;
                } else {
                    continue; // devices and hard links are never packed; ignore any that appear
                }
                setMode(target, entry.getMode());
            }
        }
        return new Contents(files, bytes, links, List.of());
    }

    /** Where an entry lands, with every link on the way resolved, must still be the workspace. */
    private static void requireInside(Path root, Path directory, TarArchiveEntry entry) throws IOException {
        if (!directory.toRealPath().startsWith(root)) {
            throw new IOException("archive entry '" + entry.getName() + "' would be written outside the workspace "
                    + "through a symbolic link");
        }
    }

    private static int mode(Path file) throws IOException {
        int mode = Files.isDirectory(file) ? 0755 : 0644;
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.OWNER_EXECUTE)) {
                mode = 0755;
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep the default
        }
        return mode;
    }

    private static void setMode(Path target, int mode) throws IOException {
        List<PosixFilePermission> permissions = new ArrayList<>(List.of(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ));
        if ((mode & 0100) != 0) {
            permissions.addAll(List.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_EXECUTE));
        }
        try {
            Files.setPosixFilePermissions(target, Set.copyOf(permissions));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }
}
