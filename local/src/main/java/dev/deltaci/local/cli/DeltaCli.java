package dev.deltaci.local.cli;

import dev.deltaci.runner.RunnerMain;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code delta}: the command line of Delta CI. */
@Command(name = "delta", mixinStandardHelpOptions = true, version = "Delta CI 0.1.0",
        description = "Delta CI: a serverless CI control plane on AWS, runnable whole on this machine.",
        subcommands = {RunCommand.class, DevCommand.class, StatusCommand.class, RunsCommand.class, ShowCommand.class,
                LogsCommand.class, ArtifactsCommand.class, RerunCommand.class, CancelCommand.class, TriggerCommand.class,
                LintCommand.class, RunnerMain.class,
                RunnerTokenCommand.class, ApiKeyCommand.class, FuzzCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:success",
                "1:the run failed or was cancelled",
                "2:usage or configuration error",
                "3:Delta CI itself failed"})
public final class DeltaCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. 'delta run examples/hello'");
    }

    public static int execute(String... args) {
        if (args.length > 0 && args[0].equals("runner")) {
            // the runner reads option defaults from its --config file, which picocli must know before parsing
            String[] runnerArgs = java.util.Arrays.copyOfRange(args, 1, args.length);
            return RunnerMain.command(runnerArgs).setCommandName("delta runner").execute(runnerArgs);
        }
        return new CommandLine(new DeltaCli()).execute(args);
    }

    public static void main(String[] args) {
        // a runner logs JSON lines for its host's log shipper; everything else is a person's terminal
        if (args.length > 0 && args[0].equals("runner")) {
            RunnerMain.configureLogging();
        } else if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "log4j2-local.xml");
        }
        System.exit(execute(args));
    }
}
