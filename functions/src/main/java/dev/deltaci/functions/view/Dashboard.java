package dev.deltaci.functions.view;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web dashboard's files ({@code /ui}, from the jar's {@code ui/} resources), served by the
 * control API itself: same origin as the API it calls, so no CORS, no second bucket policy and
 * a Content-Security-Policy of {@code 'self'} only. The files hold no data and need no key; every
 * call they make to the API sends the key the person signed in with.
 */
public final class Dashboard {

    /** Only the page's own files; no inline script or style, no other origin, no framing. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";

    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml");
    private static final Map<String, byte[]> FILES = new ConcurrentHashMap<>();

    private Dashboard() {
    }

    /**
     * The file at {@code path} under {@code /ui/}; any other path gets the page itself, which
     * routes on the part after {@code #}.
     */
    public static APIGatewayV2HTTPResponse serve(String path) {
        String name = path == null || path.isBlank() || !path.matches("[a-z0-9-]{1,40}\\.(js|css|svg)") ? "index.html" : path;
        byte[] body = FILES.computeIfAbsent(name, Dashboard::load);
        if (body.length == 0) {
            name = "index.html";
            body = FILES.computeIfAbsent(name, Dashboard::load);
        }
        String type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
        return APIGatewayV2HTTPResponse.builder().withStatusCode(200)
                .withHeaders(Map.of("content-type", type,
                        "content-security-policy", CONTENT_SECURITY_POLICY,
                        "x-content-type-options", "nosniff",
                        "referrer-policy", "no-referrer",
                        "x-frame-options", "DENY",
                        "cache-control", "no-cache"))
                .withBody(new String(body, StandardCharsets.UTF_8))
                .build();
    }

    private static byte[] load(String name) {
        try (InputStream in = Dashboard.class.getResourceAsStream("/ui/" + name)) {
            return in == null ? new byte[0] : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
