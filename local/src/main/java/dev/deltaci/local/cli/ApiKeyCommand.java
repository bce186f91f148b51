package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deltaci.functions.security.ApiKeys;
import dev.deltaci.functions.security.HashedTokens;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code delta api-key}: a new control API key and its entry for the keys secret. */
@Command(name = "api-key", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Make a control API key for some repositories: read (runs, logs, artifacts) or write (also start, cancel, rerun).", "",
                "Prints the key (shown once; give it to the person or tool as DELTA_API_KEY) and the entry to add "
                        + "to the ControlApiKeysSecretArn secret's \"keys\" (only its SHA-256 is stored)."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:printed", "2:usage error"})
public final class ApiKeyCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--name", required = true, paramLabel = "NAME",
            description = "Who uses the key; recorded on what it does (letters, digits, ' ._@-').")
    String name;

    @Option(names = "--repositories", required = true, split = ",", paramLabel = "PATTERN",
            description = "Repositories the key may act on: owner/name or glob patterns (octo/*, ** for all).")
    List<String> repositories;

    @Option(names = "--access", defaultValue = "write", paramLabel = "read|write",
            description = "read: list runs, read logs and artifacts; write: also start, cancel and rerun runs "
                    + "(default: ${DEFAULT-VALUE}).")
    String access;

    @Option(names = "--json", description = "Print one JSON object: key and entry.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!name.matches("[\\p{L}\\p{N} ._@-]{1,64}")) {
            spec.commandLine().getErr().println("error: --name must be letters, digits and ' ._@-', at most 64");
            return ExitCodes.USAGE_OR_CONFIG;
        }
        if (!access.equals("read") && !access.equals("write")) {
            spec.commandLine().getErr().println("error: --access must be read or write, got '" + access + "'");
            return ExitCodes.USAGE_OR_CONFIG;
        }
        String key = "dak_" + HashedTokens.newSecret(24);
        ObjectNode entry = JSON.createObjectNode().put("sha256", ApiKeys.hash(key)).put("name", name);
        repositories.forEach(entry.putArray("repositories")::add);
        entry.put("access", access);
        if (json) {
            ObjectNode out = JSON.createObjectNode().put("key", key);
            out.set("entry", entry);
            spec.commandLine().getOut().println(JSON.writeValueAsString(out));
        } else {
            spec.commandLine().getOut().println("API key for " + name + " (DELTA_API_KEY; shown once):");
            spec.commandLine().getOut().println("  " + key);
            spec.commandLine().getOut().println("entry for the control API keys secret's \"keys\":");
            spec.commandLine().getOut().println("  " + JSON.writeValueAsString(entry));
        }
        return ExitCodes.SUCCEEDED;
    }
}
