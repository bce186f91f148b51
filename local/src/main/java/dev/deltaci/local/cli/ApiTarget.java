package dev.deltaci.local.cli;

import dev.deltaci.local.api.ControlApiClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Which Delta CI a command talks to: a deployment ({@code --api-url}, {@code --api-key}) or the
 * {@code delta dev} running on a data directory (its URL and key from {@code dev.json}). Every
 * command that reads or steers runs goes through the control API this way, never the store.
 */
final class ApiTarget {

    @Option(names = "--api-url", defaultValue = "${env:DELTA_API_URL}", paramLabel = "URL",
            description = "Base URL of a deployed stack's API (stack output ApiUrl; env DELTA_API_URL). "
                    + "Without it: the 'delta dev' running on --data.")
    URI apiUrl;

    @Option(names = "--api-key", defaultValue = "${env:DELTA_API_KEY}", paramLabel = "KEY",
            description = "A control API key (env DELTA_API_KEY); with delta dev, read from its data directory.")
    String apiKey;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory of the delta dev to use (default: ~/.delta/dev).")
    Path data;

    /** The problem that keeps a client from being made, for the command to print (exit 2). */
    static final class Unusable extends Exception {
        Unusable(String message) {
            super(message);
        }
    }

    ControlApiClient client() throws Unusable {
        URI url = apiUrl;
        String key = apiKey;
        if (url == null) {
            Path dataDir = data == null ? DevState.defaultDataDir() : data;
            Optional<DevState> dev;
            try {
                dev = DevState.read(dataDir);
            } catch (IOException e) {
                throw new Unusable("cannot read " + dataDir.resolve(DevState.FILE) + ": " + e.getMessage());
            }
            if (dev.isEmpty() || dev.get().apiUrl() == null) {
                throw new Unusable("no delta dev is running on " + dataDir + " (start one with './delta dev"
                        + (data == null ? "" : " --data " + data) + "'), and no --api-url was given");
            }
            url = URI.create(dev.get().apiUrl());
            key = key == null ? dev.get().apiKey() : key;
        }
        if (key == null || key.isBlank()) {
            throw new Unusable("--api-key (or DELTA_API_KEY) is needed to use " + url);
        }
        return new ControlApiClient(url, key);
    }
}
