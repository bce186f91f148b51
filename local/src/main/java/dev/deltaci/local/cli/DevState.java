package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deltaci.local.host.LocalControlPlane;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * What {@code delta dev} leaves in its data directory ({@code dev.json}, owner-only): the
 * credentials it keeps across restarts, and where it listens while it runs. Other commands
 * ({@code delta status}) find a running {@code delta dev} through it.
 */
record DevState(String webhookSecret, String registrationToken, String signingKey, String apiKey, String apiUrl,
                Long pid) {

    static final String FILE = "dev.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static Path defaultDataDir() {
        return Path.of(System.getProperty("user.home"), ".delta", "dev");
    }

    static Optional<DevState> read(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        return Optional.of(JSON.readValue(file.toFile(), DevState.class));
    }

    void write(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Path file = dataDir.resolve(FILE);
        Path temp = dataDir.resolve(FILE + ".tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temp, JSON.writeValueAsString(this));
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    LocalControlPlane.Credentials credentials() {
        return new LocalControlPlane.Credentials(registrationToken, signingKey, apiKey);
    }

    DevState running(String url, long processId) {
        return new DevState(webhookSecret, registrationToken, signingKey, apiKey, url, processId);
    }

    DevState stopped() {
        return new DevState(webhookSecret, registrationToken, signingKey, apiKey, null, null);
    }

    static DevState fresh(String webhookSecret) {
        LocalControlPlane.Credentials generated = LocalControlPlane.Credentials.generate();
        return new DevState(webhookSecret, generated.registrationToken(), generated.signingKey(), generated.apiKey(),
                null, null);
    }
}
