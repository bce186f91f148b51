package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deltaci.local.DeltaHome;
import dev.deltaci.local.bench.FreshJvm;
import dev.deltaci.local.bench.HandlerInit;
import dev.deltaci.local.stack.CloudFormationTemplate;
import dev.deltaci.local.stack.ProvisionedStack;
import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code delta bench coldstart}: each handler's init in a fresh JVM, on the Lambda jar, and the jar's size. */
@Command(name = "coldstart", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"For every function in infra/template.yaml, start a fresh JVM on the Lambda jar (as Lambda's "
                + "Java runtime does, with -XX:TieredStopAtLevel=1), load the handler class and build it with its "
                + "no-argument constructor, as the init phase does, with the function's environment from the template "
                + "(resources as placeholders: nothing is called). Report the handler's init and the JVM's uptime when "
                + "ready (median of the samples), what its SnapStart priming takes (the work it moves out of the first "
                + "request after a restore) and takes again once primed, and the jar's size. Build the jar first: "
                + "mvn -Plambda -pl functions package."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:measured", "2:usage error (no jar)",
                "3:a handler failed to initialize"})
final class ColdStartBench implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "3", description = "Fresh JVMs per handler, 1-20 (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--jar", paramLabel = "FILE", description = "The Lambda jar (default: functions/target/lambda/delta-functions.jar).")
    Path jar;

    @Option(names = "--json", description = "Progress to stderr, one JSON object on stdout: jarBytes, handlers "
            + "(initMillis, jvmReadyMillis, primeMillis and primedAgainMillis, null without priming).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path home = DeltaHome.locate();
        Path lambdaJar = jar != null ? jar : home.resolve("functions/target/lambda/delta-functions.jar");
        if (samples < 1 || samples > 20) {
            spec.commandLine().getErr().println("error: --samples must be from 1 to 20");
            return ExitCodes.USAGE_OR_CONFIG;
        }
        if (!Files.isRegularFile(lambdaJar)) {
            spec.commandLine().getErr().println("error: no Lambda jar at " + lambdaJar
                    + "; build it with: mvn -Plambda -pl functions package");
            return ExitCodes.USAGE_OR_CONFIG;
        }
        PrintWriter progress = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
        CloudFormationTemplate template = CloudFormationTemplate.read(home.resolve("infra/template.yaml"));
        ProvisionedStack placeholders = placeholders(template);
        Map<String, Object> handlers = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Object>> function
                : template.resourcesOfType("AWS::Serverless::Function").entrySet()) {
            String handler = String.valueOf(CloudFormationTemplate.properties(function.getValue()).get("Handler"));
            String handlerClass = handler.contains("::") ? handler.substring(0, handler.indexOf("::")) : handler;
            List<Long> init = new ArrayList<>();
            List<Long> ready = new ArrayList<>();
            List<Long> prime = new ArrayList<>();
            List<Long> primedAgain = new ArrayList<>();
            for (int i = 0; i < samples; i++) {
                JsonNode sample;
                try {
                    sample = initInFreshJvm(lambdaJar, handlerClass, placeholders.functionEnvironment(function.getKey()));
                } catch (IllegalStateException e) {
                    spec.commandLine().getErr().println("error: " + function.getKey() + ": " + e.getMessage());
                    return ExitCodes.INTERNAL;
                }
                init.add(sample.get("initMs").asLong());
                ready.add(sample.get("jvmMs").asLong());
                prime.add(sample.get("primeMs").asLong());
                primedAgain.add(sample.get("primedAgainMs").asLong());
            }
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("handler", handlerClass);
            figures.put("initMillis", median(init));
            figures.put("jvmReadyMillis", median(ready));
            boolean primes = median(prime) >= 0;
            figures.put("primeMillis", primes ? median(prime) : null);
            figures.put("primedAgainMillis", primes ? median(primedAgain) : null);
            figures.put("memoryMb", template.functionMemoryMb(function.getKey()));
            handlers.put(function.getKey(), figures);
            progress.printf("▸ %-20s init %4d ms, JVM ready at %4d ms, %s (median of %d)%n", function.getKey(),
                    median(init), median(ready), primes ? "priming " + median(prime) + " ms (again: " + median(primedAgain)
                            + " ms)" : "no priming", samples);
        }
        long bytes = Files.size(lambdaJar);
        progress.printf("▸ %s: %,d bytes (%.1f MB)%n", lambdaJar.getFileName(), bytes, bytes / 1e6);
        if (json) {
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("jar", lambdaJar.toString());
            report.put("jarBytes", bytes);
            report.put("samples", samples);
            report.put("handlers", handlers);
            spec.commandLine().getOut().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(report));
        }
        return ExitCodes.SUCCEEDED;
    }

    /** Every resource of the template as a placeholder that no client ever calls: init builds clients, it does not use them. */
    private static ProvisionedStack placeholders(CloudFormationTemplate template) {
        Map<String, String> refs = new LinkedHashMap<>();
        Map<String, String> arns = new LinkedHashMap<>();
        template.resources().forEach((id, resource) -> {
            boolean queue = "AWS::SQS::Queue".equals(resource.get("Type"));
            refs.put(id, queue ? "http://127.0.0.1:9/000000000000/" + id : id.toLowerCase(java.util.Locale.ROOT));
            arns.put(id, "arn:aws:bench:us-east-1:000000000000:" + id);
        });
        return new ProvisionedStack(template, refs, arns);
    }

    /** One init in a child JVM running {@link HandlerInit} on the jar; it answers with one JSON line. */
    private static JsonNode initInFreshJvm(Path jar, String handlerClass, Map<String, String> functionEnv) throws Exception {
        String probe = Path.of(HandlerInit.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        // what Lambda's runtime sets, and the function's own variables; nothing of this shell's but PATH
        Map<String, String> env = new LinkedHashMap<>(Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "AWS_REGION", "us-east-1", "AWS_DEFAULT_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", "bench", "AWS_SECRET_ACCESS_KEY", "bench", "AWS_SESSION_TOKEN", "bench",
                "AWS_LAMBDA_FUNCTION_NAME", handlerClass, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"));
        env.putAll(functionEnv);
        FreshJvm.Outcome child = FreshJvm.run(probe + File.pathSeparator + jar, List.of(), HandlerInit.class.getName(),
                List.of(handlerClass), env, true);
        String out = child.output();
        if (child.exitCode() != 0) {
            // the root cause if the trace has one, else the exception the JVM died of
            List<String> lines = out.strip().lines().toList();
            String cause = lines.stream().filter(l -> l.startsWith("Caused by:")).reduce((a, b) -> b)
                    .or(() -> lines.stream().filter(l -> l.startsWith("Exception in thread")).findFirst())
                    .orElse(lines.isEmpty() ? "no output" : lines.get(lines.size() - 1));
            throw new IllegalStateException("init failed (exit " + child.exitCode() + "): " + cause);
        }
        String last = out.strip().substring(out.strip().lastIndexOf('\n') + 1);
        return new ObjectMapper().readTree(last);
    }

    private static long median(List<Long> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }
}
