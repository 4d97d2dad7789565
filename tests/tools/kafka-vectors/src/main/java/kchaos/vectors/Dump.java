// Dump: debugging aid. Prints vectors of a vector file decoded by Kafka's own classes (header and
// body toString; note the generated toString does not show unknown tagged fields), so a failing
// kchaos test can be read field by field.
//
//   java -cp target/classes:target/lib/* kchaos.vectors.Dump FILE [NAME_SUBSTRING...]
package kchaos.vectors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.apache.kafka.common.protocol.ApiKeys;

public final class Dump {
    private Dump() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: kchaos.vectors.Dump FILE [NAME_SUBSTRING...]");
            System.exit(2);
        }
        String[] filters = Arrays.copyOfRange(args, 1, args.length);
        for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.US_ASCII)) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] f = line.split(" ");
            if (filters.length > 0 && Arrays.stream(filters).noneMatch(f[3]::contains)) {
                continue;
            }
            ApiKeys api = ApiKeys.forId(Short.parseShort(f[1]));
            short version = Short.parseShort(f[2]);
            System.out.println("== " + f[0] + " " + api.name + " v" + version + " " + f[3]);
            if (f[0].equals("SPLIT")) {
                System.out.println("  request  " + Frames.parseRequest(api, version, Frames.unhex(f[4])).body());
                System.out.println("  picks    " + f[5] + " error " + f[6]);
                System.out.println("  reduced  " + Frames.parseRequest(api, version, Frames.unhex(f[7])).body());
                show("broker  ", Frames.parseResponse(api, version, Frames.unhex(f[8])));
                show("merged  ", Frames.parseResponse(api, version, Frames.unhex(f[9])));
            } else if (f[0].equals("SETERR") || f[0].equals("LEADERLESS")) {
                show("input   ", Frames.parseResponse(api, version, Frames.unhex(f[4])));
                System.out.println("  picks    " + String.join(" ", Arrays.copyOfRange(f, 5, f.length - 1)));
                show("expected", Frames.parseResponse(api, version, Frames.unhex(f[f.length - 1])));
            } else if (f[0].equals("RESP")) {
                show("input   ", Frames.parseResponse(api, version, Frames.unhex(f[4])));
                show("expected", Frames.parseResponse(api, version, Frames.unhex(f[5])));
            } else {
                Frames.ParsedRequest r = Frames.parseRequest(api, version, Frames.unhex(f[4]));
                System.out.println("  header   " + r.header());
                System.out.println("  body     " + r.body());
                System.out.println("  summary  " + f[5]);
            }
        }
    }

    private static void show(String label, Frames.ParsedResponse r) {
        System.out.println("  " + label + " corr=" + r.header().correlationId()
            + " body-v" + r.bodyVersion() + " " + r.body());
    }
}
