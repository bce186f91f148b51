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
 * into a dependant's workspace before its steps. Regular files and directories only, with their
 * modes; symbolic links are left out (they could point anywhere). Unpacking refuses any entry
 * that would land outside the workspace.
 */
final class ArtifactArchive {

    static final long MAX_ARCHIVE_BYTES = 2L * 1024 * 1024 * 1024;

    /** What an archive holds. */
    record Contents(int files, long bytes) {
    }

    /** The paths that do not exist in the workspace, in order: nothing is packed if any is missing. */
    static List<String> missing(Path workspace, List<String> paths) {
        return paths.stream().filter(p -> !Files.exists(workspace.resolve(p), LinkOption.NOFOLLOW_LINKS)).toList();
    }

    static Contents pack(Path workspace, List<String> paths, Path archive) throws IOException {
        int files = 0;
        long bytes = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(archive));
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (String path : paths) {
                List<Path> entries;
                try (Stream<Path> walk = Files.walk(workspace.resolve(path))) {
                    entries = walk.filter(p -> !Files.isSymbolicLink(p)).sorted().toList();
                }
                for (Path file : entries) {
                    String name = workspace.relativize(file).toString().replace('\\', '/');
                    TarArchiveEntry entry = new TarArchiveEntry(file.toFile(), name);
                    entry.setMode(mode(file));
                    tar.putArchiveEntry(entry);
                    if (Files.isRegularFile(file)) {
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
        return new Contents(files, bytes);
    }

    static Contents unpack(Path archive, Path workspace) throws IOException {
        int files = 0;
        long bytes = 0;
        Path root = workspace.toAbsolutePath().normalize();
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
                } else if (entry.isFile()) {
                    Files.createDirectories(target.getParent());
                    bytes += Files.copy(tar, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    files++;
                } else {
                    continue; // links and devices are never packed; ignore any that appear
                }
                setMode(target, entry.getMode());
            }
        }
        return new Contents(files, bytes);
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
