package dev.deltaci.runner;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;

/** {@code delta runner}: a disposable runner agent. It needs the queue and the runner API, nothing else. */
@Command(name = "runner", mixinStandardHelpOptions = true, versionProvider = RunnerVersion.class,
        description = {"Run a Delta CI runner: poll the job queue, lease jobs through the runner API, run them.", "",
                "The runner holds no database credentials; it may be killed at any moment.", "",
                "Every option can also be set in a properties file (--config FILE, or env DELTA_RUNNER_CONFIG), "
                        + "one 'name = value' per line with the option's name without dashes, e.g. 'api-url = https://…'; "
                        + "the command line wins over the file."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped normally", "1:could not start for now (the instance metadata service did not answer)",
                "2:bad usage, or the registration was refused",
                "3:drained: the control plane took this runner's instance out of service (do not restart it)"})
public final class RunnerMain implements Callable<Integer> {

    /** JSON lines on stdout, each with this runner's id and, during a job, the job's correlation keys. */
    public static final String LOG_CONFIG = "log4j2-runner.xml";
    /** How long a stopping runner waits to stop and report the job it was running (longer than the kill grace). */
    private static final int STOP_REPORT_SECONDS = 20;

    @Option(names = "--api-url", defaultValue = "${env:DELTA_API_URL}",
            description = "Base URL of the runner API (env DELTA_API_URL).")
    URI apiUrl;

    @Option(names = "--queue-url", defaultValue = "${env:DELTA_QUEUE_URL}",
            description = "URL of the SQS job queue (env DELTA_QUEUE_URL).")
    String queueUrl;

    @Option(names = "--sqs-endpoint", defaultValue = "${env:DELTA_SQS_ENDPOINT}",
            description = "SQS endpoint override, for local stacks (env DELTA_SQS_ENDPOINT).")
    URI sqsEndpoint;

    @Option(names = "--region", defaultValue = "${env:AWS_REGION:-us-east-1}", description = "AWS region (env AWS_REGION).")
    String region;

    @Option(names = "--name", description = "The name this runner registers with (default: the host name); the "
            + "control plane makes the runner's id from it and a random suffix.")
    String name;

    @Option(names = "--registration-token-file", paramLabel = "FILE", description = "File holding the registration "
            + "token of this runner's pool (readable by the runner's user only), traded for the runner's own "
            + "short-lived credential. The token is read when the runner registers and not kept.")
    Path registrationTokenFile;

    @Option(names = "--registration-token-stdin", description = "Read the registration token from the first line "
            + "of standard input instead (nothing on disk, in the environment or on the command line).")
    boolean registrationTokenStdin;

    @Option(names = "--register-with", paramLabel = "token|aws-identity", defaultValue = "token",
            description = "How the runner proves itself: 'token' (--registration-token-file or -stdin), or "
                    + "'aws-identity': a signed sts:GetCallerIdentity made with the EC2 instance role's credentials, "
                    + "checked by the control plane with STS; no secret on the instance (default: ${DEFAULT-VALUE}).")
    String registerWith;

    @Option(names = "--sts-endpoint", paramLabel = "URL", description = "With aws-identity: the STS the control plane "
            + "checks proofs with (default: the region's, https://sts.REGION.amazonaws.com).")
    URI stsEndpoint;

    @Option(names = "--identity-audience", defaultValue = "delta-ci", description = "With aws-identity: the "
            + "audience signed into the proof; the control plane's RUNNER_IDENTITY_AUDIENCE (default: ${DEFAULT-VALUE}).")
    String identityAudience;

    @Option(names = "--job-user", paramLabel = "USER", defaultValue = "${env:DELTA_JOB_USER}", description = "Run "
            + "steps as this unprivileged user (the runner must run as root): steps then cannot read the runner's "
            + "credential, files or /proc, nor other jobs' workspaces (env DELTA_JOB_USER).")
    String jobUser;

    @Option(names = "--labels", split = ",", defaultValue = "${env:DELTA_RUNNER_LABELS}", paramLabel = "LABEL",
            description = "This runner's labels, comma-separated (at most 6; env DELTA_RUNNER_LABELS): it runs jobs "
                    + "whose 'labels' are all among them, and passes other labelled jobs on.")
    List<String> labels = new ArrayList<>();

    @Option(names = "--work-dir", defaultValue = "${java.io.tmpdir}/delta-runner",
            description = "Where job workspaces are made and removed (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--poll-seconds", defaultValue = "20", description = "SQS long-poll wait, 1-20 (default: ${DEFAULT-VALUE}).")
    int pollSeconds;

    @Option(names = "--retry-delay-seconds", defaultValue = "5",
            description = "How soon a job message comes back when its lease call failed (default: ${DEFAULT-VALUE}).")
    int retryDelaySeconds;

    @Option(names = "--max-jobs", defaultValue = "0", description = "Exit after this many jobs; 0 for no limit (default: ${DEFAULT-VALUE}).")
    int maxJobs;

    @Option(names = "--kill-grace-ms", defaultValue = "10000",
            description = "Time between SIGTERM and SIGKILL when a job is stopped (default: ${DEFAULT-VALUE}).")
    long killGraceMs;

    @Option(names = "--log-flush-ms", defaultValue = "1000", description = "How often logs are shipped (default: ${DEFAULT-VALUE}).")
    long logFlushMs;

    @Option(names = "--storage-outage-limit-seconds", defaultValue = "300",
            description = "How long the log and artifact store may be unavailable before a job gives up as an "
                    + "infrastructure error (and is retried); meanwhile logs wait in memory and uploads are "
                    + "retried (default: ${DEFAULT-VALUE}).")
    int storageOutageLimitSeconds;

    @Option(names = "--presence-seconds", defaultValue = "30",
            description = "How often the runner tells the control plane it is alive, idle or busy (default: ${DEFAULT-VALUE}); "
                    + "the control plane counts a runner that missed three as gone.")
    int presenceSeconds;

    @Option(names = "--config", paramLabel = "FILE", description = "A properties file holding options "
            + "(env DELTA_RUNNER_CONFIG); see above.")
    Path config;

    @Option(names = "--instance-id", paramLabel = "ID|imds", defaultValue = "${env:DELTA_INSTANCE_ID}",
            description = "The autoscaled instance this runner runs on, so the scaler can drain it before it "
                    + "terminates the instance; 'imds' reads it from the EC2 instance metadata service (IMDSv2). "
                    + "Leave unset for a runner no scaler manages (env DELTA_INSTANCE_ID).")
    String instanceId;

    /** Why the --config file could not be used (reported as bad usage), or null. */
    private String configProblem;

    /** Exit code of a start that failed for now (the metadata service did not answer): a restart may work. */
    public static final int EXIT_NOT_YET = 1;
    /** Exit code of bad usage or a refused registration: trying again would not help. */
    public static final int EXIT_USAGE = 2;
    /** Exit code of a runner whose instance was drained: systemd's unit does not restart it. */
    public static final int EXIT_DRAINED = 3;

    @Option(names = "--exit-on-stdin-close", description = "Exit when standard input closes: lets a parent "
            + "process's death end this runner (used by the local runner pool).")
    boolean exitOnStdinClose;

    @Override
    public Integer call() throws Exception {
        if (configProblem != null) {
            throw new CommandLine.ParameterException(new CommandLine(this), configProblem);
        }
        if (apiUrl == null || queueUrl == null || queueUrl.isBlank()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "give the runner API and the job queue: "
                    + "--api-url and --queue-url (or api-url and queue-url in --config, or DELTA_API_URL and DELTA_QUEUE_URL)");
        }
        RunnerApiClient.RegistrationToken token = null;
        boolean byIdentity = "aws-identity".equals(registerWith);
        if (!byIdentity && !"token".equals(registerWith)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--register-with: expected token or "
                    + "aws-identity, got '" + registerWith + "'");
        }
        if (byIdentity && (registrationTokenFile != null || registrationTokenStdin)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--register-with aws-identity needs no "
                    + "registration token; leave out --registration-token-file and --registration-token-stdin");
        }
        try {
            token = byIdentity ? null : registrationToken();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
        if (exitOnStdinClose) {
            watchStdin();
        }
        JobUser stepUser = null;
        if (jobUser != null && !jobUser.isBlank()) {
            try {
                stepUser = JobUser.lookUp(jobUser);
                JobUser.checkReachable(workDir);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--job-user: " + e.getMessage());
            }
        } else if (JobUser.runningAsRoot()) {
            System.err.println("warning: this runner runs as root and so do its steps: a step can read the runner's "
                    + "credential and act as this runner. Pass --job-user USER to run steps unprivileged.");
        }
        if (storageOutageLimitSeconds < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--storage-outage-limit-seconds must be 0 or more");
        }
        if (presenceSeconds < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--presence-seconds must be 1 or more");
        }
        if (pollSeconds < 1 || pollSeconds > 20) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--poll-seconds must be 1 to 20");
        }
        labels = labels.stream().map(l -> l.strip().toLowerCase(java.util.Locale.ROOT)).filter(l -> !l.isEmpty()).toList();
        for (String label : labels) {
            if (!dev.deltaci.core.pipeline.RunnerLabels.LABEL.matcher(label).matches()) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--labels: '" + label
                        + "' is not a label (a-z, 0-9, '._-', at most 32)");
            }
        }
        if (labels.size() > dev.deltaci.core.pipeline.RunnerLabels.MAX_LABELS) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--labels: at most "
                    + dev.deltaci.core.pipeline.RunnerLabels.MAX_LABELS + " labels");
        }
        RunnerApiClient api = new RunnerApiClient(apiUrl, name != null ? name : defaultName(), labels, token);
        if (byIdentity) {
            // the instance role's credentials, as the SDK finds them (the metadata service on EC2)
            api.withAwsIdentity(new AwsIdentitySigner(
                    software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider.builder().build(), region,
                    stsEndpoint != null ? stsEndpoint : AwsIdentitySigner.regionalSts(region), identityAudience));
        } else if (instanceId != null && !instanceId.isBlank()) {
            try {
                api.onInstance(instanceId.equals("imds") ? InstanceMetadata.fromEnvironment().instanceId() : instanceId);
            } catch (IOException e) {
                // at boot the metadata service may not answer yet: worth a restart, unlike bad usage
                System.err.println("error: --instance-id imds: " + e.getMessage());
                return EXIT_NOT_YET;
            }
        }
        try {
            registerUntilAnswered(api);
        } catch (RunnerApiClient.InstanceDrainedException e) {
            System.err.println("drained: " + e.getMessage());
            return EXIT_DRAINED;
        } catch (RunnerApiClient.RegistrationRefusedException e) {
            System.err.println("error: " + e.getMessage());
            return EXIT_USAGE;
        }
        String id = api.runnerId();
        // read by the log layout when logging starts, which is after this: nothing has logged yet
        // (the SQS client below is the first to)
        System.setProperty("delta.runnerId", id);
        SqsClientBuilder sqs = SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.of(region));
        if (sqsEndpoint != null) {
            sqs.endpointOverride(sqsEndpoint);
        }
        try (SqsClient client = sqs.build()) {
            RunnerAgent agent = new RunnerAgent(client, queueUrl, api, workDir,
                    pollSeconds, retryDelaySeconds, killGraceMs, logFlushMs,
                    java.time.Duration.ofSeconds(storageOutageLimitSeconds), stepUser);
            PresenceReporter presence = new PresenceReporter(api, agent::busy, agent::inStateForMs, presenceSeconds);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // the job in hand is stopped and reported as an infrastructure failure: it goes straight
                // back to the queue rather than wait for its lease to expire
                org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RunnerMain.class);
                log.info("runner stopping: the job in hand (if any) is stopped and handed back");
                agent.stop();
                if (!agent.awaitIdle(java.time.Duration.ofSeconds(STOP_REPORT_SECONDS))) {
                    log.warn("the job in hand was not reported within " + STOP_REPORT_SECONDS + " s; its lease will expire");
                }
                killSteps();
                presence.close();
            }, "runner-stop"));
            System.err.println("runner " + id + (labels.isEmpty() ? "" : " " + labels) + " polling " + queueUrl);
            agent.runLoop(maxJobs);
            presence.close();
            if (agent.drained() != null) {
                System.err.println("drained: " + agent.drained());
                return EXIT_DRAINED;
            }
        }
        return 0;
    }

    private static void watchStdin() {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // nothing is ever sent; we only wait for end of input
                }
            } catch (java.io.IOException ignored) {
                // treated as closed
            }
            System.err.println("parent went away; runner exits");
            killSteps();
            Runtime.getRuntime().halt(0);
        }, "stdin-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** A runner that goes away takes its job's processes with it; the lease expires and the job is retried. */
    private static void killSteps() {
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
    }

    private static String defaultName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "runner";
        }
        String name = host.replaceAll("[^A-Za-z0-9_.:-]", "-");
        return name.length() > 64 ? name.substring(0, 64) : name;
    }

    /**
     * Where the token is read from. Never the environment: any process of the same user can read
     * another's {@code /proc/PID/environ}, steps included.
     */
    private RunnerApiClient.RegistrationToken registrationToken() {
        if (System.getenv("DELTA_REGISTRATION_TOKEN") != null) {
            throw new IllegalArgumentException("DELTA_REGISTRATION_TOKEN is set, but a token in the environment can be "
                    + "read by the runner's steps through /proc; unset it and pass --registration-token-file FILE "
                    + "or --registration-token-stdin");
        }
        if ((registrationTokenFile == null) == !registrationTokenStdin) {
            throw new IllegalArgumentException("give the registration token with exactly one of "
                    + "--registration-token-file FILE and --registration-token-stdin");
        }
        if (registrationTokenStdin) {
            return RunnerApiClient.RegistrationToken.once(firstLineOfStdin());
        }
        Path file = registrationTokenFile;
        if (!java.nio.file.Files.isReadable(file)) {
            throw new IllegalArgumentException("--registration-token-file: cannot read " + file);
        }
        return () -> java.nio.file.Files.exists(file)
                ? java.util.Optional.of(java.nio.file.Files.readString(file).strip()).filter(t -> !t.isEmpty())
                : java.util.Optional.empty();
    }

    /** The first line of standard input, read a byte at a time so that nothing after it is consumed. */
    private static String firstLineOfStdin() {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        try {
            int b;
            while ((b = System.in.read()) >= 0 && b != '\n') {
                line.write(b);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--registration-token-stdin: " + e.getMessage());
        }
        String token = line.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        if (token.isEmpty()) {
            throw new IllegalArgumentException("--registration-token-stdin: standard input held no token");
        }
        return token;
    }

    /** Registers, retrying while the control plane cannot answer; a refusal ends the runner. */
    private static void registerUntilAnswered(RunnerApiClient api) throws RunnerApiClient.RegistrationRefusedException {
        long pauseMs = 1000;
        while (true) {
            try {
                api.register();
                return;
            } catch (RunnerApiClient.RegistrationRefusedException e) {
                throw e;
            } catch (IOException e) {
                System.err.println("registration failed for now, again in " + pauseMs / 1000 + " s: "
                        + (e.getMessage() != null ? e.getMessage() : "cannot reach the runner API (" + e.getClass().getSimpleName() + ")"));
            }
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunnerApiClient.RegistrationRefusedException("interrupted before registering");
            }
            pauseMs = Math.min(pauseMs * 2, 30_000);
        }
    }

    /** JSON logging, kept alive until the runner's own shutdown hook has reported its job. */
    public static void configureLogging() {
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", LOG_CONFIG);
        }
        System.setProperty("log4j2.shutdownHookEnabled", "false");
    }

    public static void main(String[] args) {
        configureLogging();
        System.exit(command(args).execute(args));
    }

    /**
     * The command, reading option defaults from the properties file {@code --config} (or
     * {@code DELTA_RUNNER_CONFIG}) names, which must then exist.
     */
    public static CommandLine command(String[] args) {
        RunnerMain runner = new RunnerMain();
        CommandLine command = new CommandLine(runner);
        String file = System.getenv("DELTA_RUNNER_CONFIG");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                file = args[i + 1];
            } else if (args[i].startsWith("--config=")) {
                file = args[i].substring("--config=".length());
            }
        }
        if (file != null && !file.isBlank()) {
            java.io.File properties = new java.io.File(file);
            if (properties.canRead()) {
                command.setDefaultValueProvider(new CommandLine.PropertiesDefaultProvider(properties));
            } else {
                runner.configProblem = "--config: cannot read " + file;
            }
        }
        return command;
    }
}
