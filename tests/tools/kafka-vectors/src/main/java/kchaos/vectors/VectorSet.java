// VectorSet: the ordered output (comment lines and vectors). It numbers the cases, frames input
// and expected messages with the case's correlation id, and for response families derives the
// expected message by applying the routing rule to a duplicate of the input. CODEC and LOCAL
// vectors check kchaos's own encoders (see ProduceCodecVectors).
package kchaos.vectors;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

final class VectorSet {
    enum Kind { RESP, REQ, CODEC, LOCAL, SPLIT, SETERR, LEADERLESS }

    /**
     * One output line: a vector. RESP: expected frame; REQ: expected summary; CODEC: a response
     * frame and the summary of its decoded fields; LOCAL: a request frame, the error code of each
     * of its partitions (summary) and the response frame answering it with them. SPLIT, SETERR,
     * LEADERLESS: the input frame, the fields in between (tail: picks, codes, other frames as hex)
     * and the expected frame last.
     */
    record Vector(Kind kind, ApiKeys api, short version, String name, int caseNo,
                  byte[] input, byte[] expected, String summary, List<String> tail) {
        Vector(Kind kind, ApiKeys api, short version, String name, int caseNo,
               byte[] input, byte[] expected, String summary) {
            this(kind, api, version, name, caseNo, input, expected, summary, List.of());
        }

        int correlationId() {
            return Frames.CORRELATION_BASE + caseNo;
        }

        String line() {
            String last = switch (kind) {
                case RESP -> Frames.hex(expected);
                case REQ, CODEC -> summary;
                case LOCAL -> summary + " " + Frames.hex(expected);
                case SPLIT, SETERR, LEADERLESS -> String.join(" ", tail) + " " + Frames.hex(expected);
            };
            return kind + " " + api.id + " " + version + " " + name + " " + Frames.hex(input) + " " + last;
        }
    }

    /** Where an address-carrying message keeps its host/port slots, for a given version. */
    interface AddressSlots extends BiFunction<ApiMessage, Short, List<Routing.Addr>> {
    }

    /** Output lines in order: String (comment, without the leading "# ") or Vector. */
    final List<Object> lines = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private int nextCase = 0;

    void comment(String text) {
        lines.add(text);
    }

    List<Vector> vectors() {
        List<Vector> out = new ArrayList<>();
        for (Object o : lines) {
            if (o instanceof Vector v) {
                out.add(v);
            }
        }
        return out;
    }

    /**
     * Adds a response vector whose expected frame is the input with the routing rule applied to
     * every host/port slot. Names ending in "_nochange" must come out identical, all others must
     * differ: a check that the case really exercises what its name says.
     */
    Vector routed(ApiKeys api, short version, String name, ApiMessage input, AddressSlots slots) {
        ApiMessage expected = Frames.copyResponse(api, version, input);
        Routing.rewrite(slots.apply(expected, version));
        Vector v = response(api, version, name, input, expected);
        boolean same = java.util.Arrays.equals(v.input(), v.expected());
        if (same != name.endsWith("_nochange")) {
            throw new IllegalStateException(name + ": expected frame " + (same ? "equals" : "differs from")
                + " the input, but the name says otherwise");
        }
        return v;
    }

    /** Adds a response vector with an explicitly built expected message. */
    Vector response(ApiKeys api, short version, String name, ApiMessage input, ApiMessage expected) {
        return response(api, version, name, input, expected, version);
    }

    /** Same, with the bodies encoded at bodyVersion (ApiVersions UNSUPPORTED_VERSION answers: 0). */
    Vector response(ApiKeys api, short version, String name, ApiMessage input, ApiMessage expected,
                    short bodyVersion) {
        int caseNo = claim(name);
        int corr = Frames.CORRELATION_BASE + caseNo;
        Vector v = new Vector(Kind.RESP, api, version, name, caseNo,
            Frames.responseFrame(api, version, corr, input, bodyVersion),
            Frames.responseFrame(api, version, corr, expected, bodyVersion), null);
        // everything set on the objects must survive the encoding at this version
        for (byte[] frame : List.of(v.input(), v.expected())) {
            Frames.ParsedResponse parsed = Frames.parseResponse(api, version, frame);
            if (parsed.bodyVersion() != bodyVersion) {
                throw new IllegalStateException(name + ": body decodes at v" + parsed.bodyVersion()
                    + ", not v" + bodyVersion);
            }
            roundTrips(name, frame == v.input() ? input : expected, parsed.body());
        }
        lines.add(v);
        return v;
    }

    /** Adds a request vector with its expected summary. */
    Vector request(ApiKeys api, short version, String name, ApiMessage body, String summary) {
        if (summary.contains(" ")) {
            throw new IllegalArgumentException(name + ": summary must not contain spaces: " + summary);
        }
        int caseNo = claim(name);
        int corr = Frames.CORRELATION_BASE + caseNo;
        Vector v = new Vector(Kind.REQ, api, version, name, caseNo,
            Frames.requestFrame(api, version, corr, body), null, summary);
        roundTrips(name, body, Frames.parseRequest(api, version, v.input()).body());
        lines.add(v);
        return v;
    }

    /** A response frame and the summary of its fields a decoder must find in it. */
    Vector codec(ApiKeys api, short version, String name, ApiMessage body, String summary) {
        noSpaces(name, summary);
        int caseNo = claim(name);
        Vector v = new Vector(Kind.CODEC, api, version, name, caseNo,
            Frames.responseFrame(api, version, Frames.CORRELATION_BASE + caseNo, body), null, summary);
        roundTrips(name, body, Frames.parseResponse(api, version, v.input()).body());
        lines.add(v);
        return v;
    }

    /** A request frame, the error codes given to its partitions, and the response built from them. */
    Vector local(ApiKeys api, short version, String name, ApiMessage request, String errors, ApiMessage response) {
        noSpaces(name, errors);
        int caseNo = claim(name);
        int corr = Frames.CORRELATION_BASE + caseNo;
        Vector v = new Vector(Kind.LOCAL, api, version, name, caseNo,
            Frames.requestFrame(api, version, corr, request), Frames.responseFrame(api, version, corr, response), errors);
        roundTrips(name, request, Frames.parseRequest(api, version, v.input()).body());
        roundTrips(name, response, Frames.parseResponse(api, version, v.expected()).body());
        lines.add(v);
        return v;
    }

    /**
     * A fault-rewrite vector (SPLIT, SETERR, LEADERLESS): input frame, tail fields, expected
     * frame. The frames are built by the caller with this case's correlation id (see nextCorrelationId).
     */
    Vector fault(Kind kind, ApiKeys api, short version, String name, byte[] input, List<String> tail,
                 byte[] expected) {
        for (String f : tail) {
            noSpaces(name, f);
        }
        int caseNo = claim(name);
        if (Frames.CORRELATION_BASE + caseNo != pendingCorrelation) {
            throw new IllegalStateException(name + ": frames built for another case");
        }
        Vector v = new Vector(kind, api, version, name, caseNo, input, expected, null, List.copyOf(tail));
        lines.add(v);
        return v;
    }

    /** The correlation id the next vector will get (frames for fault() are built before it). */
    int nextCorrelationId() {
        pendingCorrelation = Frames.CORRELATION_BASE + nextCase;
        return pendingCorrelation;
    }

    private int pendingCorrelation = -1;

    private static void noSpaces(String name, String summary) {
        if (summary.isEmpty() || summary.contains(" ")) {
            throw new IllegalArgumentException(name + ": summary must be non-empty without spaces: " + summary);
        }
    }

    /** Fails when a field set on the built message is not carried by this version's encoding. */
    private static void roundTrips(String name, ApiMessage built, ApiMessage parsed) {
        if (!built.equals(parsed)) {
            throw new IllegalStateException(name + ": built message does not survive encoding at this version:\n  built:  "
                + built + "\n  parsed: " + parsed);
        }
    }

    private int claim(String name) {
        if (!name.matches("[a-z0-9_]+")) {
            throw new IllegalArgumentException("bad vector name: " + name);
        }
        if (!names.add(name)) {
            throw new IllegalArgumentException("duplicate vector name: " + name);
        }
        return nextCase++;
    }
}
