package dev.deltaci.runner;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** {@code --version}: the build's version, written into the jar by Maven's resource filtering. */
public final class RunnerVersion implements CommandLine.IVersionProvider {

    public static String version() {
        try (InputStream in = RunnerVersion.class.getResourceAsStream("/delta-runner-version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"delta-runner " + version() + " (Java " + Runtime.version() + ")"};
    }
}
