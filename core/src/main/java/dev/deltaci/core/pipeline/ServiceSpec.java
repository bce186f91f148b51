package dev.deltaci.core.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A service container beside a job (GitHub Actions' {@code services.<name>}): started before the
 * first step on a network of the job's, reachable as {@code <name>} from the job's container
 * steps and on {@code localhost:<port>} from its other steps for each published port, and
 * removed when the job ends.
 *
 * @param image   the image (may use {@code ${{ matrix.* }}})
 * @param env     its environment ({@code ${{ }}} templates; secrets allowed)
 * @param ports   published ports: {@code 5432} (a free host port) or {@code 5432:5432}
 * @param options further {@code docker run} flags, only those {@link #OPTIONS} allows
 */
public record ServiceSpec(String name, String image, Map<String, String> env, List<String> ports, List<String> options) {

    public ServiceSpec {
        env = env == null ? Map.of() : Map.copyOf(env);
        ports = ports == null ? List.of() : List.copyOf(ports);
        options = options == null ? List.of() : List.copyOf(options);
    }

    /**
     * The {@code options} flags a service may have: health checks and resource limits. Others
     * (a volume, {@code --privileged}, another network) would reach past the job: Docker's
     * daemon is the runner host's root.
     */
    public static final List<String> OPTIONS = List.of("--health-cmd", "--health-interval", "--health-timeout",
            "--health-retries", "--health-start-period", "--memory", "--cpus", "--shm-size", "--tmpfs", "--ulimit",
            "--user", "--hostname", "--entrypoint", "--workdir");

    public static final java.util.regex.Pattern PORT = java.util.regex.Pattern.compile("(\\d{1,5}:)?\\d{1,5}(/(tcp|udp))?");

    /** {@code options:} split as a shell would ({@code --health-cmd "pg_isready -U postgres"} is two words). */
    public static List<String> words(String options) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        char quote = 0;
        boolean inWord = false;
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /** Why these option words are refused (a flag not allowed, or one without its value), if they are. */
    public static Optional<String> problem(List<String> words) {
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            String flag = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
            if (!OPTIONS.contains(flag)) {
                return Optional.of("'" + flag + "' is not allowed; a service may have " + String.join(", ", OPTIONS));
            }
            if (!word.contains("=")) {
                if (i + 1 >= words.size()) {
                    return Optional.of("'" + flag + "' needs a value");
                }
                i++;
            }
        }
        return Optional.empty();
    }
}
