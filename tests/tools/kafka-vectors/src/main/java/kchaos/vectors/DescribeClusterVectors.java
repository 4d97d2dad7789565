// DescribeClusterVectors: DescribeClusterResponse (api_key 60) vectors for every version (all
// flexible). kchaos rewrites brokers[].host/port; broker ids, racks, is_fenced (v2+),
// endpoint_type (v1+), cluster/controller ids and authorized operations pass unchanged.
package kchaos.vectors;

import static kchaos.vectors.Fixtures.raw;
import static kchaos.vectors.Fixtures.tag;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

final class DescribeClusterVectors {
    static final ApiKeys API = ApiKeys.DESCRIBE_CLUSTER;
    /** DescribeClusterRequest/Response endpoint_type values (KIP-919). */
    static final byte ENDPOINT_BROKERS = 1;
    static final byte ENDPOINT_CONTROLLERS = 2;

    private DescribeClusterVectors() {
    }

    static List<Routing.Addr> slots(ApiMessage message, short version) {
        List<Routing.Addr> out = new ArrayList<>();
        for (DescribeClusterBroker b : ((DescribeClusterResponseData) message).brokers()) {
            out.add(Routing.addr(b.brokerId(), (h, p) -> b.setHost(h).setPort(p)));
        }
        return out;
    }

    static void generate(VectorSet out) {
        out.comment("DescribeClusterResponse (api_key 60) v" + API.oldestVersion() + "-v" + API.latestVersion(true)
            + ": brokers[].host/port rewritten");
        for (short v = API.oldestVersion(); v <= API.latestVersion(true); v++) {
            String p = "describecluster_v" + v;

            DescribeClusterResponseData denied = top(v, ENDPOINT_BROKERS)
                .setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code())
                .setErrorMessage(Errors.CLUSTER_AUTHORIZATION_FAILED.message())
                .setClusterId("")
                .setControllerId(-1);
            out.routed(API, v, p + "_nobrokers_nochange", denied, DescribeClusterVectors::slots);

            DescribeClusterResponseData three = top(v, ENDPOINT_BROKERS);
            for (int n : new int[] {0, 1, 7}) {
                three.brokers().add(broker(v, n, n == 7));
            }
            out.routed(API, v, p + "_3brokers", three, DescribeClusterVectors::slots);

            DescribeClusterResponseData tagged = top(v, ENDPOINT_BROKERS).setClusterAuthorizedOperations(3576);
            tagged.brokers().add(tag(broker(v, 3, false), raw(1000, "01")));
            tagged.brokers().add(broker(v, 2, false));
            tagged.brokers().add(tag(broker(v, 1, false), raw(1000, ""), Fixtures.rawLong(1001)));
            tag(tagged, raw(1000, "c0ffee"));
            out.routed(API, v, p + "_tagged", tagged, DescribeClusterVectors::slots);

            if (v >= 1) {
                // answer to endpoint_type=2 (controllers); same routing rule applied to their ids
                DescribeClusterResponseData controllers = top(v, ENDPOINT_CONTROLLERS).setControllerId(3000);
                controllers.brokers().add(broker(v, 3000, false));
                controllers.brokers().add(broker(v, 3001, false));
                out.routed(API, v, p + "_controllers", controllers, DescribeClusterVectors::slots);
            }
        }
    }

    private static DescribeClusterResponseData top(short v, byte endpointType) {
        DescribeClusterResponseData d = new DescribeClusterResponseData()
            .setThrottleTimeMs(0)
            .setErrorCode(Errors.NONE.code())
            .setErrorMessage(null)
            .setClusterId(Fixtures.CLUSTER_ID)
            .setControllerId(1);
        if (v >= 1) {
            d.setEndpointType(endpointType);
        }
        return d;
    }

    private static DescribeClusterBroker broker(short v, int id, boolean fenced) {
        DescribeClusterBroker b = new DescribeClusterBroker()
            .setBrokerId(id)
            .setHost(Fixtures.host(id))
            .setPort(Fixtures.port(id))
            .setRack(Fixtures.rack(id));
        if (v >= 2) {
            b.setIsFenced(fenced);
        }
        return b;
    }
}
