package dev.deltaci.runner;

import dev.deltaci.core.pipeline.Glob;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code hashFiles(patterns...)} as GitHub's runner computes it: the SHA-256 of each file of the
 * workspace the patterns match (in path order), and the SHA-256 of those hashes; empty text when
 * none matches. Patterns are GitHub's ({@code **}, {@code *}, {@code ?}, {@code !} to exclude),
 * relative to the workspace; {@code **}{@code /x} also matches {@code x} at the top. Only plain
 * files count: a link is not followed (a step could point one at a file outside the workspace).
 */
final class HashFiles {

    private HashFiles() {
    }

    static String hash(Path workspace, List<String> patterns) {
        List<String> expanded = new ArrayList<>();
        for (String pattern : patterns) {
            String bare = pattern.strip().replaceFirst("^\\./", "");
            expanded.add(bare);
            String negated = bare.startsWith("!") ? "!" : "";
            String body = bare.substring(negated.length());
            if (body.startsWith("**/")) {
                expanded.add(negated + body.substring(3));
            }
        }
        List<String> matched = new ArrayList<>();
        try {
            Files.walkFileTree(workspace, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return dir.getFileName() != null && dir.getFileName().toString().equals(".git") && !dir.equals(workspace)
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    String relative = workspace.relativize(file).toString().replace('\\', '/');
                    if (attrs.isRegularFile() && Glob.matchesAny(expanded, relative)) {
                        matched.add(relative);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
            if (matched.isEmpty()) {
                return "";
            }
            matched.sort(null);
            MessageDigest all = sha256();
            for (String relative : matched) {
                Path file = workspace.resolve(relative);
                if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                MessageDigest one = sha256();
                try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                    byte[] buffer = new byte[64 * 1024];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        one.update(buffer, 0, n);
                    }
                }
                all.update(one.digest());
            }
            return HexFormat.of().formatHex(all.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("hashFiles(): cannot read the workspace: " + e.getMessage(), e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
