package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deltaci.core.pipeline.RunnerLabels;
import dev.deltaci.functions.security.HashedTokens;
import dev.deltaci.functions.security.RunnerAuth;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code delta runner-token}: a new registration token for a runner pool, and its entry for the runner auth secret. */
@Command(name = "runner-token", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Make a registration token for a pool of runners.", "",
                "Prints the token (give it to the pool's runners in a file for --registration-token-file) and the entry to add to "
                        + "the runner auth secret's 'registrationTokens' (only its SHA-256 is stored). With "
                        + "--new-config, prints a whole configuration with a fresh signing key instead."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:printed", "2:usage error"})
public final class RunnerTokenCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--pool", defaultValue = "default", paramLabel = "NAME", description = "The pool's name (default: ${DEFAULT-VALUE}).")
    String pool;

    @Option(names = "--labels", split = ",", paramLabel = "LABEL",
            description = "The only labels runners with this token may claim (default: any).")
    List<String> labels;

    @Option(names = "--new-config", description = "Print a complete runner auth configuration with a new signing key.")
    boolean newConfig;

    @Option(names = "--json", description = "Print one JSON object: token and entry (and config).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (labels != null) {
            for (String label : labels) {
                if (!RunnerLabels.LABEL.matcher(label).matches()) {
                    spec.commandLine().getErr().println("error: '" + label + "' is not a label (a-z, 0-9, '._-', at most 32)");
                    return ExitCodes.USAGE_OR_CONFIG;
                }
            }
        }
        String token = "dtr_" + HashedTokens.newSecret(24);
        ObjectNode entry = JSON.createObjectNode().put("sha256", RunnerAuth.tokenHash(token)).put("pool", pool);
        if (labels != null) {
            labels.forEach(entry.putArray("labels")::add);
        }
        ObjectNode config = JSON.createObjectNode().put("signingKey", HashedTokens.newSecret(32));
        config.putArray("registrationTokens").add(entry);
        if (json) {
            ObjectNode out = JSON.createObjectNode().put("token", token);
            out.set("entry", entry);
            if (newConfig) {
                out.set("config", config);
            }
            spec.commandLine().getOut().println(JSON.writeValueAsString(out));
            return ExitCodes.SUCCEEDED;
        }
        spec.commandLine().getOut().println("token for pool '" + pool + "' (runners: --registration-token-file FILE; shown once):");
        spec.commandLine().getOut().println("  " + token);
        spec.commandLine().getOut().println(newConfig ? "runner auth configuration (store it as the RunnerAuthSecretArn secret):"
                : "entry for the runner auth secret's \"registrationTokens\":");
        spec.commandLine().getOut().println("  " + JSON.writeValueAsString(newConfig ? config : entry));
        return ExitCodes.SUCCEEDED;
    }

}
