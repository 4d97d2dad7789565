// ApiVersionsVectors: ApiVersionsResponse (api_key 18) vectors for every version, and
// ApiVersionsRequest vectors with their client-software summary. In the response kchaos clamps
// max_version of the API keys it decodes (--clamp K=V: max = min(max, V); min_version never
// changes) and drops API keys that kafka-clients does not know (ApiKeys.hasId(k) == false).
// Everything else, including the v3+ feature tags and unknown tagged fields, passes unchanged.
// The response header is v0 for every version (KIP-511), as ApiKeys.responseHeaderVersion says.
package kchaos.vectors;

import static kchaos.vectors.Fixtures.raw;
import static kchaos.vectors.Fixtures.tag;

import java.util.Iterator;
import java.util.Map;

import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKeyCollection;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKeyCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsResponse;

final class ApiVersionsVectors {
    static final ApiKeys API = ApiKeys.API_VERSIONS;
    /** API keys no kafka-clients release knows; kchaos must drop them. */
    static final short UNKNOWN_KEY_A = 32000;
    static final short UNKNOWN_KEY_B = 32001;

    private ApiVersionsVectors() {
    }

    /** What a real 4.4 broker lists (includes the KAFKA-18659 Produce minimum of 0). */
    static ApiVersionCollection brokerApis() {
        return ApiVersionsResponse.collectApis(ApiMessageType.ListenerType.BROKER, ApiKeys.brokerApis(), true);
    }

    /** The rewrite kchaos performs on an ApiVersionsResponse. */
    static ApiVersionsResponseData rewrite(short version, ApiVersionsResponseData in, Map<Short, Short> clamp) {
        return rewrite(version, version, in, clamp);
    }

    static ApiVersionsResponseData rewrite(short version, short bodyVersion, ApiVersionsResponseData in,
                                           Map<Short, Short> clamp) {
        // a copy through the codec: duplicate() would drop unknown tagged fields
        ApiVersionsResponseData out = (ApiVersionsResponseData) Frames.copyResponse(API, version, in, bodyVersion);
        for (Iterator<ApiVersion> it = out.apiKeys().iterator(); it.hasNext(); ) {
            ApiVersion a = it.next();
            if (!ApiKeys.hasId(a.apiKey())) {
                it.remove();
                continue;
            }
            Short limit = clamp.get(a.apiKey());
            if (limit != null && a.maxVersion() > limit) {
                a.setMaxVersion(limit);
            }
        }
        return out;
    }

    static void generateResponses(VectorSet out, Map<Short, Short> clamp) {
        out.comment("ApiVersionsResponse (api_key 18) v" + API.oldestVersion() + "-v" + API.latestVersion(true)
            + ": response header v0 always; max_version clamped, unknown api keys (" + UNKNOWN_KEY_A + ", "
            + UNKNOWN_KEY_B + ") removed");
        for (short v = API.oldestVersion(); v <= API.latestVersion(true); v++) {
            boolean flex = Frames.flexible(API, v);
            String p = "apiversions_v" + v;

            ApiVersionsResponseData broker = top(v, 0, flex).setApiKeys(brokerApis());
            out.response(API, v, p + "_broker44", broker, rewrite(v, broker, clamp));

            ApiVersionsResponseData newer = top(v, 50, flex).setApiKeys(newerBroker(false));
            out.response(API, v, p + "_newer_unknown_keys", newer, rewrite(v, newer, clamp));

            if (flex) {
                ApiVersionsResponseData tagged = top(v, 0, flex).setApiKeys(newerBroker(true)).setZkMigrationReady(true);
                tag(tagged, raw(1000, "0001"), Fixtures.rawLong(1001));
                out.response(API, v, p + "_newer_tagged", tagged, rewrite(v, tagged, clamp));
            }

            if (v > 0) {
                // What an older broker (ApiVersions up to v-1) answers to this request version
                // (KIP-511): error UNSUPPORTED_VERSION, its own ApiVersions range, and the body
                // always encoded as v0 whatever the request version (RequestContext.apiVersion()).
                ApiVersionCollection only = new ApiVersionCollection();
                only.add(new ApiVersion().setApiKey(API.id).setMinVersion((short) 0).setMaxVersion((short) (v - 1)));
                ApiVersionsResponseData unsupported = new ApiVersionsResponseData()
                    .setErrorCode(Errors.UNSUPPORTED_VERSION.code()).setApiKeys(only);
                out.response(API, v, p + "_unsupported_version_v0body", unsupported,
                    rewrite(v, (short) 0, unsupported, clamp), (short) 0);
            }
        }
    }

    /**
     * A broker one release ahead: every max_version one higher than 4.4's, plus two API keys
     * nobody knows yet, one in the middle of the list and one at the end.
     */
    private static ApiVersionCollection newerBroker(boolean tagged) {
        ApiVersionCollection out = new ApiVersionCollection();
        for (ApiVersion a : brokerApis()) {
            ApiVersion b = new ApiVersion().setApiKey(a.apiKey()).setMinVersion(a.minVersion())
                .setMaxVersion((short) (a.maxVersion() + 1));
            if (tagged && a.apiKey() == ApiKeys.PRODUCE.id) {
                tag(b, raw(1000, "ab"));
            }
            out.add(b);
            if (a.apiKey() == ApiKeys.METADATA.id) {
                ApiVersion unknown = new ApiVersion().setApiKey(UNKNOWN_KEY_A).setMinVersion((short) 0)
                    .setMaxVersion((short) 3);
                out.add(tagged ? tag(unknown, raw(1001, "cd")) : unknown);
            }
        }
        out.add(new ApiVersion().setApiKey(UNKNOWN_KEY_B).setMinVersion((short) 1).setMaxVersion((short) 1));
        return out;
    }

    private static ApiVersionsResponseData top(short v, int throttleMs, boolean flex) {
        ApiVersionsResponseData d = new ApiVersionsResponseData().setErrorCode(Errors.NONE.code());
        if (v >= 1) {
            d.setThrottleTimeMs(throttleMs);
        }
        if (flex) {
            SupportedFeatureKeyCollection supported = new SupportedFeatureKeyCollection();
            supported.add(supportedFeature("eligible.leader.replicas.version", 0, 1));
            supported.add(supportedFeature("group.version", 0, 1));
            supported.add(supportedFeature("kraft.version", 0, 1));
            supported.add(supportedFeature("metadata.version", 7, 29));
            supported.add(supportedFeature("share.version", 0, 1));
            supported.add(supportedFeature("streams.version", 0, 1));
            supported.add(supportedFeature("transaction.version", 0, 2));
            FinalizedFeatureKeyCollection finalized = new FinalizedFeatureKeyCollection();
            finalized.add(finalizedFeature("group.version", 1));
            finalized.add(finalizedFeature("kraft.version", 1));
            finalized.add(finalizedFeature("metadata.version", 29));
            finalized.add(finalizedFeature("transaction.version", 2));
            d.setSupportedFeatures(supported).setFinalizedFeaturesEpoch(1234L).setFinalizedFeatures(finalized);
        }
        return d;
    }

    private static SupportedFeatureKey supportedFeature(String name, int min, int max) {
        return new SupportedFeatureKey().setName(name).setMinVersion((short) min).setMaxVersion((short) max);
    }

    private static FinalizedFeatureKey finalizedFeature(String name, int level) {
        return new FinalizedFeatureKey().setName(name).setMinVersionLevel((short) level)
            .setMaxVersionLevel((short) level);
    }

    // ---- requests -------------------------------------------------------------------------------

    /** Summary kchaos must extract: software=name/version for v3+, software=- before. */
    static String summary(short v, ApiVersionsRequestData d) {
        if (v < 3) {
            return "software=-";
        }
        return "software=" + d.clientSoftwareName() + "/" + d.clientSoftwareVersion();
    }

    static void generateRequests(VectorSet out) {
        out.comment("ApiVersionsRequest (api_key 18) v" + API.oldestVersion() + "-v" + API.latestVersion(true)
            + ": summary software=<name>/<version> (v3+), software=- (v0-v2)");
        for (short v = API.oldestVersion(); v <= API.latestVersion(true); v++) {
            boolean flex = Frames.flexible(API, v);
            String p = "apiversionsreq_v" + v;
            if (!flex) {
                out.request(API, v, p + "_empty", new ApiVersionsRequestData(), "software=-");
                continue;
            }
            ApiVersionsRequestData java = new ApiVersionsRequestData()
                .setClientSoftwareName("apache-kafka-java").setClientSoftwareVersion("4.4.0");
            if (ApiVersionsRequestData.SCHEMAS[v].get("cluster_id") != null) {
                // v5 (KIP-1242): the cluster and node the client expects to reach
                java.setClusterId(Fixtures.CLUSTER_ID).setNodeId(1);
            }
            out.request(API, v, p + "_java", java, "software=apache-kafka-java/4.4.0");

            ApiVersionsRequestData noVersion = new ApiVersionsRequestData()
                .setClientSoftwareName("librdkafka").setClientSoftwareVersion("");
            out.request(API, v, p + "_emptyversion", noVersion, "software=librdkafka/");

            ApiVersionsRequestData tagged = tag(new ApiVersionsRequestData()
                .setClientSoftwareName("sarama").setClientSoftwareVersion("1.45.0"), raw(1000, "01"), raw(1001, ""));
            out.request(API, v, p + "_tagged", tagged, "software=sarama/1.45.0");
        }
    }
}
