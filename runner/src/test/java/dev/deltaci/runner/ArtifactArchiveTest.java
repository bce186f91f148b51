package dev.deltaci.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactArchiveTest {

    @TempDir
    Path dir;

    @Test
    void packThenUnpack_shouldKeepFilesDirectoriesAndTheExecutableBit_butNotLinksLeadingOutside() throws Exception {
        Path from = Files.createDirectories(dir.resolve("from"));
        Files.createDirectories(from.resolve("dist/bin"));
        Files.writeString(from.resolve("dist/bin/app"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(from.resolve("dist/bin/app"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(from.resolve("report.txt"), "ok");
        Files.createSymbolicLink(from.resolve("dist/escape"), Path.of("/etc/passwd"));
        Path archive = dir.resolve("a.tar.gz");

        ArtifactArchive.Contents packed = ArtifactArchive.pack(from, List.of("dist", "report.txt"), archive);
        Path to = Files.createDirectories(dir.resolve("to"));
        ArtifactArchive.Contents unpacked = ArtifactArchive.unpack(archive, to);

        assertThat(packed).isEqualTo(new ArtifactArchive.Contents(2, 20, 0, List.of("dist/escape")));
        assertThat(unpacked).isEqualTo(new ArtifactArchive.Contents(2, 20));
        assertThat(Files.readString(to.resolve("report.txt"))).isEqualTo("ok");
        assertThat(Files.isExecutable(to.resolve("dist/bin/app"))).isTrue();
        assertThat(Files.isExecutable(to.resolve("report.txt"))).isFalse();
        assertThat(to.resolve("dist/escape")).doesNotExist();
    }

    @Test
    void nodeModulesBin_shouldKeepItsLinksAsLinks_andListTheOnesPointingOutside() throws Exception {
        Path from = Files.createDirectories(dir.resolve("from"));
        Files.createDirectories(from.resolve("node_modules/eslint/bin"));
        Files.createDirectories(from.resolve("node_modules/.bin"));
        Files.writeString(from.resolve("node_modules/eslint/bin/eslint.js"), "#!/usr/bin/env node\n");
        Files.createSymbolicLink(from.resolve("node_modules/.bin/eslint"), Path.of("../eslint/bin/eslint.js"));
        Files.createSymbolicLink(from.resolve("node_modules/.bin/up"), Path.of("../../secret.txt"));
        Files.createSymbolicLink(from.resolve("node_modules/.bin/root"), Path.of("/root"));
        Files.writeString(from.resolve("secret.txt"), "not kept");
        Path archive = dir.resolve("a.tar.gz");

        ArtifactArchive.Contents packed = ArtifactArchive.pack(from, List.of("node_modules"), archive);
        Path to = Files.createDirectories(dir.resolve("to"));
        ArtifactArchive.Contents unpacked = ArtifactArchive.unpack(archive, to);

        assertThat(packed.links()).isEqualTo(1);
        assertThat(packed.linksLeftOut()).containsExactlyInAnyOrder("node_modules/.bin/up", "node_modules/.bin/root");
        assertThat(unpacked.links()).isEqualTo(1);
        assertThat(Files.isSymbolicLink(to.resolve("node_modules/.bin/eslint"))).isTrue();
        assertThat(Files.readString(to.resolve("node_modules/.bin/eslint"))).startsWith("#!/usr/bin/env node");
        assertThat(to.resolve("node_modules/.bin/up")).doesNotExist();
    }

    @Test
    void pack_shouldNotFollowALinkedDirectoryOnTheWayToAKeptPath() throws Exception {
        Path from = Files.createDirectories(dir.resolve("from"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "runner's");
        Files.createSymbolicLink(from.resolve("build"), outside);
        Path archive = dir.resolve("a.tar.gz");

        ArtifactArchive.Contents packed = ArtifactArchive.pack(from, List.of("build/secret"), archive);
        Path to = Files.createDirectories(dir.resolve("to"));

        assertThat(packed.files()).isZero();
        assertThat(packed.linksLeftOut()).containsExactly("build/secret");
        assertThat(ArtifactArchive.unpack(archive, to).files()).isZero();
    }

    @Test
    void unpack_shouldRefuseToWriteThroughALinkTheCheckoutHolds() throws Exception {
        Path from = Files.createDirectories(dir.resolve("from"));
        Files.createDirectories(from.resolve("dist"));
        Files.writeString(from.resolve("dist/passwd"), "planted");
        Path archive = dir.resolve("a.tar.gz");
        ArtifactArchive.pack(from, List.of("dist"), archive);
        Path outside = Files.createDirectories(dir.resolve("etc"));
        Path workspace = Files.createDirectories(dir.resolve("ws"));
        Files.createSymbolicLink(workspace.resolve("dist"), outside); // committed to the repository

        assertThatThrownBy(() -> ArtifactArchive.unpack(archive, workspace)).isInstanceOf(IOException.class)
                .hasMessageContaining("outside the workspace through a symbolic link");
        assertThat(outside.resolve("passwd")).doesNotExist();
    }

    @Test
    void missing_shouldNameThePathsTheStepsDidNotProduce() throws Exception {
        Files.writeString(dir.resolve("there.txt"), "x");
        assertThat(ArtifactArchive.missing(dir, List.of("there.txt", "dist", "out/x"))).containsExactly("dist", "out/x");
    }

    @Test
    void unpack_shouldRefuseAnEntryThatLeavesTheWorkspace_andWriteNothingOutsideIt() throws Exception {
        for (String evil : List.of("../outside.txt", "/tmp/absolute.txt", "a/../../outside.txt")) {
            Path archive = dir.resolve("evil.tar.gz");
            try (OutputStream out = Files.newOutputStream(archive);
                 TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
                byte[] body = "pwned".getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry(evil, true);
                entry.setSize(body.length);
                tar.putArchiveEntry(entry);
                tar.write(body);
                tar.closeArchiveEntry();
            }
            Path workspace = Files.createDirectories(dir.resolve("ws"));

            assertThatThrownBy(() -> ArtifactArchive.unpack(archive, workspace)).isInstanceOf(IOException.class)
                    .hasMessageContaining("is not a path inside the workspace");
            assertThat(dir.resolve("outside.txt")).doesNotExist();
        }
    }
}
