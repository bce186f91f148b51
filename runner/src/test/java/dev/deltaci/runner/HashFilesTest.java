package dev.deltaci.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hashFiles()}: GitHub's hash of matching workspace files, and nothing outside the workspace. */
class HashFilesTest {

    @TempDir
    Path dir;

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    @Test
    void hashFiles_shouldHashTheMatchingFilesInPathOrder_andNotFollowLinks() throws Exception {
        Path workspace = Files.createDirectories(dir.resolve("ws"));
        Files.createDirectories(workspace.resolve("a"));
        Files.writeString(workspace.resolve("package-lock.json"), "top");
        Files.writeString(workspace.resolve("a/package-lock.json"), "nested");
        Files.writeString(workspace.resolve("a/other.txt"), "x");
        Path outside = Files.writeString(dir.resolve("secret.json"), "outside");
        Files.createSymbolicLink(workspace.resolve("a/link-lock.json"), outside);

        MessageDigest all = MessageDigest.getInstance("SHA-256");
        all.update(sha256("nested".getBytes()));
        all.update(sha256("top".getBytes()));
        String expected = HexFormat.of().formatHex(all.digest());

        assertThat(HashFiles.hash(workspace, List.of("**/package-lock.json"))).isEqualTo(expected);
        assertThat(HashFiles.hash(workspace, List.of("**/*.json", "!**/link-lock.json"))).isEqualTo(expected);
        // a link is no plain file: pointing one at a file outside changes nothing
        assertThat(HashFiles.hash(workspace, List.of("**/*.json"))).isEqualTo(expected);
        assertThat(HashFiles.hash(workspace, List.of("**/*.nothing"))).isEmpty();
    }
}
