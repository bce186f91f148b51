package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deltaci.local.api.ControlApiClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code delta artifacts RUN}: the archives a run's jobs kept ({@code GET /runs/{id}/artifacts});
 * with {@code --download DIR}, each saved there through its short-lived URL and checked against
 * the SHA-256 its job's completion recorded.
 */
@Command(name = "artifacts", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List a run's artifacts (one .tar.gz per job that kept files), or download them with --download.",
                "", "Downloads go through presigned URLs good for 15 minutes; each archive is checked against the "
                + "SHA-256 its job recorded, and one that does not match is not kept."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:listed, or every archive downloaded and checked",
                "2:usage error, no such run, no delta dev running, the key was refused",
                "3:the control API or the bucket could not be reached, or a download did not match its checksum"})
public final class ArtifactsCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "RUN_ID", description = "The run.")
    String runId;

    @Option(names = "--download", paramLabel = "DIR", description = "Save every archive into DIR (created if missing).")
    Path download;

    @Override
    int call(ControlApiClient api) throws Exception {
        JsonNode answer = api.artifacts(runId);
        ArrayNode archives = (ArrayNode) answer.path("artifacts");
        if (download == null) {
            if (json) {
                printJson(answer);
            } else if (archives.isEmpty()) {
                out().println("run " + runId + " kept no artifacts");
            } else {
                out().printf("%-24s %10s  %-14s %s%n", "JOB", "SIZE", "SHA-256", "PATHS");
                for (JsonNode a : archives) {
                    out().printf("%-24s %10s  %-14s %s%n", a.path("job").asText(), size(a.path("sizeBytes").asLong()),
                            a.path("sha256").asText().substring(0, 12) + "…", a.path("paths").toString());
                }
            }
            out().flush();
            return ExitCodes.SUCCEEDED;
        }
        Files.createDirectories(download);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        ArrayNode saved = JSON.createArrayNode();
        for (JsonNode a : archives) {
            String file = a.path("job").asText().replaceAll("[^A-Za-z0-9_.-]", "_") + "-artifacts.tar.gz";
            Path target = download.resolve(file);
            Path partial = download.resolve(file + ".part");
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(a.path("url").asText()))
                    .timeout(Duration.ofMinutes(10)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                response.body().close();
                return fail(ExitCodes.INTERNAL, "downloading " + a.path("job").asText() + "'s archive answered "
                        + response.statusCode());
            }
            try (InputStream in = response.body();
                 OutputStream out = new DigestOutputStream(Files.newOutputStream(partial), sha)) {
                in.transferTo(out);
            }
            String got = HexFormat.of().formatHex(sha.digest());
            if (!got.equals(a.path("sha256").asText())) {
                Files.deleteIfExists(partial);
                return fail(ExitCodes.INTERNAL, a.path("job").asText() + "'s archive does not match its recorded "
                        + "SHA-256 (got " + got + "); not kept");
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            ObjectNode entry = JSON.createObjectNode().put("job", a.path("job").asText()).put("file", target.toString())
                    .put("sizeBytes", Files.size(target)).put("sha256", got);
            saved.add(entry);
            if (!json) {
                out().printf("saved %s (%s, sha256 %s… checked)%n", target, size(Files.size(target)), got.substring(0, 12));
                out().flush();
            }
        }
        if (json) {
            printJson(JSON.createObjectNode().put("runId", runId).set("saved", saved));
        } else if (archives.isEmpty()) {
            out().println("run " + runId + " kept no artifacts");
        }
        out().flush();
        return ExitCodes.SUCCEEDED;
    }

    private static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        return bytes < 1024 * 1024 ? String.format("%.1f KiB", bytes / 1024.0) : String.format("%.1f MiB", bytes / 1048576.0);
    }
}
