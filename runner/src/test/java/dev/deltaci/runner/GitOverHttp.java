package dev.deltaci.runner;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Git's smart HTTP protocol, served by git's own {@code git http-backend} behind a JDK HTTP
 * server, answering 401 unless the request carries the one {@code Authorization} a private
 * GitHub repository would accept (as GitHub, it asks for credentials with 401).
 */
final class GitOverHttp implements AutoCloseable {

    private static final String BACKEND = "/usr/lib/git-core/git-http-backend";

    final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final Path root;
    private final String accepted;

    /** @param accepted the whole Authorization header value it serves; anything else is 401 */
    GitOverHttp(Path root, String accepted) throws IOException {
        this.root = root;
        this.accepted = accepted;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::serve);
        server.start();
    }

    static boolean available() {
        return Path.of(BACKEND).toFile().canExecute();
    }

    String url(String repository) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + repository;
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(String.valueOf(authorization));
            if (!accepted.equals(authorization)) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"GitHub\"");
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            ProcessBuilder cgi = new ProcessBuilder(BACKEND);
            Map<String, String> env = cgi.environment();
            env.put("GIT_PROJECT_ROOT", root.toString());
            env.put("GIT_HTTP_EXPORT_ALL", "1");
            env.put("PATH_INFO", exchange.getRequestURI().getPath());
            env.put("REQUEST_METHOD", exchange.getRequestMethod());
            env.put("QUERY_STRING", exchange.getRequestURI().getRawQuery() == null ? "" : exchange.getRequestURI().getRawQuery());
            env.put("REMOTE_ADDR", "127.0.0.1");
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            env.put("CONTENT_TYPE", type == null ? "" : type);
            String protocol = exchange.getRequestHeaders().getFirst("Git-Protocol");
            if (protocol != null) {
                env.put("GIT_PROTOCOL", protocol);
            }
            Process process = cgi.start();
            try (InputStream body = exchange.getRequestBody(); OutputStream in = process.getOutputStream()) {
                body.transferTo(in);
            }
            byte[] output = process.getInputStream().readAllBytes();
            int split = headerEnd(output);
            int status = 200;
            for (String line : new String(output, 0, split, StandardCharsets.ISO_8859_1).split("\r?\n")) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Status")) {
                    status = Integer.parseInt(value.split(" ")[0]);
                } else {
                    exchange.getResponseHeaders().add(name, value);
                }
            }
            int bodyStart = output.length > split && output[split] == '\r' ? split + 4 : split + 2;
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            rest.write(output, Math.min(bodyStart, output.length), Math.max(0, output.length - bodyStart));
            exchange.sendResponseHeaders(status, rest.size() == 0 ? -1 : rest.size());
            if (rest.size() > 0) {
                exchange.getResponseBody().write(rest.toByteArray());
            }
        }
    }

    /** Where the CGI headers end: the first blank line (CRLF CRLF, or LF LF). */
    private static int headerEnd(byte[] output) {
        for (int i = 0; i + 1 < output.length; i++) {
            if (output[i] == '\n' && output[i + 1] == '\n') {
                return i;
            }
            if (i + 3 < output.length && output[i] == '\r' && output[i + 1] == '\n' && output[i + 2] == '\r'
                    && output[i + 3] == '\n') {
                return i;
            }
        }
        return output.length;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
