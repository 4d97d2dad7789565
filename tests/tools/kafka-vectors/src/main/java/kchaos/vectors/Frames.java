// Frames: turns Kafka message objects into complete wire frames (size prefix + header + body)
// and parses frames back, always through kafka-clients' own generated codec. Header versions
// come from ApiKeys.requestHeaderVersion / responseHeaderVersion, never from a local rule.
package kchaos.vectors;

import java.nio.ByteBuffer;
import java.util.HexFormat;

import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

final class Frames {
    static final String CLIENT_ID = "vec-client";
    /** Correlation id of case n (0-based over the whole output file). */
    static final int CORRELATION_BASE = 0x01020304;

    private static final HexFormat HEX = HexFormat.of(); // lowercase

    private Frames() {
    }

    /** True when this API version uses the flexible (KIP-482) encoding, per Kafka's own header rule. */
    static boolean flexible(ApiKeys api, short version) {
        return api.requestHeaderVersion(version) >= 2;
    }

    static byte[] responseFrame(ApiKeys api, short version, int correlationId, ApiMessage body) {
        return responseFrame(api, version, correlationId, body, version);
    }

    /**
     * Response to a request of {@code version} whose body is encoded at {@code bodyVersion}: only
     * differs for ApiVersions UNSUPPORTED_VERSION answers, which a broker always encodes as v0
     * (RequestContext.apiVersion() returns 0 for an unsupported ApiVersionsRequest, KIP-511).
     */
    static byte[] responseFrame(ApiKeys api, short version, int correlationId, ApiMessage body, short bodyVersion) {
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        return frame(header, api.responseHeaderVersion(version), body, bodyVersion);
    }

    static byte[] requestFrame(ApiKeys api, short version, int correlationId, ApiMessage body) {
        RequestHeaderData header = new RequestHeaderData()
            .setRequestApiKey(api.id)
            .setRequestApiVersion(version)
            .setCorrelationId(correlationId)
            .setClientId(CLIENT_ID);
        return frame(header, api.requestHeaderVersion(version), body, version);
    }

    private static byte[] frame(Message header, short headerVersion, Message body, short version) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int headerSize = header.size(cache, headerVersion);
        int bodySize = body.size(cache, version);
        ByteBuffer buf = ByteBuffer.allocate(4 + headerSize + bodySize);
        buf.putInt(headerSize + bodySize);
        ByteBufferAccessor out = new ByteBufferAccessor(buf);
        header.write(out, cache, headerVersion);
        body.write(out, cache, version);
        if (buf.hasRemaining()) {
            throw new IllegalStateException("size() and write() disagree: " + buf.remaining() + " bytes left");
        }
        return buf.array();
    }

    /** bodyVersion: the version the body was decoded at (see parseResponse). */
    record ParsedResponse(ResponseHeaderData header, ApiMessage body, short bodyVersion) {
    }

    record ParsedRequest(RequestHeaderData header, ApiMessage body) {
    }

    /**
     * Parses a response frame; fails unless the size prefix is exact and every byte is consumed.
     * ApiVersions bodies that do not decode at the request's version are decoded at v0, as the
     * Java client's ApiVersionsResponse.parse does (the broker's UNSUPPORTED_VERSION answer).
     */
    static ParsedResponse parseResponse(ApiKeys api, short version, byte[] frame) {
        ByteBuffer buf = sizedBuffer(frame);
        ByteBufferAccessor in = new ByteBufferAccessor(buf);
        ResponseHeaderData header = new ResponseHeaderData(in, api.responseHeaderVersion(version));
        int bodyStart = buf.position();
        try {
            return new ParsedResponse(header, readBody(api, version, buf), version);
        } catch (RuntimeException e) {
            if (api != ApiKeys.API_VERSIONS || version == 0) {
                throw e;
            }
            buf.position(bodyStart);
            return new ParsedResponse(header, readBody(api, (short) 0, buf), (short) 0);
        }
    }

    private static ApiMessage readBody(ApiKeys api, short version, ByteBuffer buf) {
        ApiMessage body = ApiMessageType.fromApiKey(api.id).newResponse();
        body.read(new ByteBufferAccessor(buf), version);
        if (buf.hasRemaining()) {
            throw new IllegalStateException(buf.remaining() + " trailing bytes after the response body (v"
                + version + ")");
        }
        return body;
    }

    /** Parses a request frame; fails unless the size prefix is exact and every byte is consumed. */
    static ParsedRequest parseRequest(ApiKeys api, short version, byte[] frame) {
        ByteBuffer buf = sizedBuffer(frame);
        ByteBufferAccessor in = new ByteBufferAccessor(buf);
        RequestHeaderData header = new RequestHeaderData(in, api.requestHeaderVersion(version));
        ApiMessage body = ApiMessageType.fromApiKey(api.id).newRequest();
        body.read(in, version);
        if (buf.hasRemaining()) {
            throw new IllegalStateException(buf.remaining() + " trailing bytes after the request body");
        }
        return new ParsedRequest(header, body);
    }

    /**
     * Deep copy of a response body made by encoding and decoding it at this version. Unlike the
     * generated duplicate(), which drops unknown tagged fields, this keeps them.
     */
    static ApiMessage copyResponse(ApiKeys api, short version, ApiMessage body) {
        return copyResponse(api, version, body, version);
    }

    static ApiMessage copyResponse(ApiKeys api, short version, ApiMessage body, short bodyVersion) {
        ParsedResponse copy = parseResponse(api, version, responseFrame(api, version, 0, body, bodyVersion));
        if (copy.bodyVersion() != bodyVersion) {
            throw new IllegalStateException("copy decoded at v" + copy.bodyVersion() + ", not v" + bodyVersion);
        }
        return copy.body();
    }

    private static ByteBuffer sizedBuffer(byte[] frame) {
        ByteBuffer buf = ByteBuffer.wrap(frame);
        int size = buf.getInt();
        if (size != buf.remaining()) {
            throw new IllegalStateException("size prefix " + size + " but " + buf.remaining() + " bytes follow");
        }
        return buf;
    }

    /** The kafka-clients version on the class path, from the jar's kafka/kafka-version.properties. */
    static String kafkaVersion() {
        try (java.io.InputStream in = ApiKeys.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    static byte[] unhex(String s) {
        return HEX.parseHex(s);
    }
}
