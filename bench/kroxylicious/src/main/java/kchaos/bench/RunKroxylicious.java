/*
 * Starts Kroxylicious from its YAML config, as io.kroxylicious.app.Kroxylicious -c FILE does
 * (that wrapper, kroxylicious-app, is not served by the registry here; the engine is).
 *   RunKroxylicious CONFIG.yaml
 */
package kchaos.bench;

import io.kroxylicious.proxy.KafkaProxy;
import io.kroxylicious.proxy.config.ConfigParser;
import io.kroxylicious.proxy.config.Configuration;
import io.kroxylicious.proxy.internal.config.Features;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

public final class RunKroxylicious {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: RunKroxylicious CONFIG.yaml");
            System.exit(2);
        }
        ConfigParser parser = new ConfigParser();
        Configuration config;
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            config = parser.parseConfiguration(in);
        }
        try (KafkaProxy proxy = new KafkaProxy(parser, config, Features.defaultFeatures())) {
            proxy.startup();
            System.out.println("READY");
            System.out.flush();
            proxy.block();
        }
    }
}
