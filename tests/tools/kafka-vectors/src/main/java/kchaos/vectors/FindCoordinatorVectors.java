// FindCoordinatorVectors: FindCoordinatorResponse (api_key 10) vectors for every version.
// v0-v3 carry one node_id/host/port at the top level; v4+ carry coordinators[] (KIP-699), each
// with its own node_id/host/port. Error entries (node -1, host "", port -1) are left unchanged.
package kchaos.vectors;

import static kchaos.vectors.Fixtures.raw;
import static kchaos.vectors.Fixtures.tag;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

final class FindCoordinatorVectors {
    static final ApiKeys API = ApiKeys.FIND_COORDINATOR;
    /** First version with the batched coordinators[] array, read from the generated schema. */
    static final short BATCHED_FROM = firstVersionWith("coordinators");

    private FindCoordinatorVectors() {
    }

    private static short firstVersionWith(String field) {
        for (short v = API.oldestVersion(); v <= API.latestVersion(true); v++) {
            if (FindCoordinatorResponseData.SCHEMAS[v].get(field) != null) {
                return v;
            }
        }
        throw new IllegalStateException("no FindCoordinatorResponse version has " + field);
    }

    static List<Routing.Addr> slots(ApiMessage message, short version) {
        FindCoordinatorResponseData d = (FindCoordinatorResponseData) message;
        List<Routing.Addr> out = new ArrayList<>();
        if (version < BATCHED_FROM) {
            out.add(Routing.addr(d.nodeId(), (h, p) -> d.setHost(h).setPort(p)));
        } else {
            for (Coordinator c : d.coordinators()) {
                out.add(Routing.addr(c.nodeId(), (h, p) -> c.setHost(h).setPort(p)));
            }
        }
        return out;
    }

    static void generate(VectorSet out) {
        out.comment("FindCoordinatorResponse (api_key 10) v" + API.oldestVersion() + "-v" + API.latestVersion(true)
            + ": v0-v" + (BATCHED_FROM - 1) + " top-level host/port, v" + BATCHED_FROM
            + "+ coordinators[].host/port; node_id < 0 left unchanged");
        for (short v = API.oldestVersion(); v <= API.latestVersion(true); v++) {
            boolean flex = Frames.flexible(API, v);
            String p = "findcoord_v" + v;
            if (v < BATCHED_FROM) {
                out.routed(API, v, p + "_ok", single(v, 1), FindCoordinatorVectors::slots);
                out.routed(API, v, p + "_ok_longhost", single(v, 0), FindCoordinatorVectors::slots);
                out.routed(API, v, p + "_error_nochange", singleError(v), FindCoordinatorVectors::slots);
                if (flex) {
                    FindCoordinatorResponseData t = single(v, 7);
                    tag(t, raw(1000, "0a0b0c"), raw(1001, ""));
                    out.routed(API, v, p + "_ok_tagged", t, FindCoordinatorVectors::slots);
                }
            } else {
                FindCoordinatorResponseData mixed = batched(v);
                mixed.coordinators().add(ok(v == 6 ? "share-group-1:" + Fixtures.ORDERS_ID + ":3" : "payments-consumer", 7));
                mixed.coordinators().add(error("txn-app-1"));
                out.routed(API, v, p + "_mixed", mixed, FindCoordinatorVectors::slots);

                FindCoordinatorResponseData tagged = batched(v);
                tagged.coordinators().add(tag(ok("analytics-consumers", 0), raw(1000, "ff"), Fixtures.rawLong(1001)));
                tagged.coordinators().add(error("txn-app-2"));
                tagged.coordinators().add(tag(ok("txn-app-3", 1), raw(4096, "00")));
                tag(tagged, raw(2000, "beef"));
                out.routed(API, v, p + "_batch_tagged", tagged, FindCoordinatorVectors::slots);

                FindCoordinatorResponseData err = batched(v);
                err.coordinators().add(error("orders-consumer"));
                out.routed(API, v, p + "_error_nochange", err, FindCoordinatorVectors::slots);

                out.routed(API, v, p + "_empty_nochange", batched(v), FindCoordinatorVectors::slots);
            }
        }
    }

    private static FindCoordinatorResponseData single(short v, int nodeId) {
        FindCoordinatorResponseData d = new FindCoordinatorResponseData()
            .setErrorCode(Errors.NONE.code())
            .setNodeId(nodeId)
            .setHost(Fixtures.host(nodeId))
            .setPort(Fixtures.port(nodeId));
        if (v >= 1) {
            d.setThrottleTimeMs(0).setErrorMessage(null);
        }
        return d;
    }

    private static FindCoordinatorResponseData singleError(short v) {
        FindCoordinatorResponseData d = new FindCoordinatorResponseData()
            .setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())
            .setNodeId(-1)
            .setHost("")
            .setPort(-1);
        if (v >= 1) {
            d.setThrottleTimeMs(10).setErrorMessage(Errors.COORDINATOR_NOT_AVAILABLE.message());
        }
        return d;
    }

    private static FindCoordinatorResponseData batched(short v) {
        return new FindCoordinatorResponseData().setThrottleTimeMs(0).setCoordinators(new ArrayList<>());
    }

    private static Coordinator ok(String key, int nodeId) {
        return new Coordinator()
            .setKey(key)
            .setNodeId(nodeId)
            .setHost(Fixtures.host(nodeId))
            .setPort(Fixtures.port(nodeId))
            .setErrorCode(Errors.NONE.code())
            .setErrorMessage(null);
    }

    private static Coordinator error(String key) {
        return new Coordinator()
            .setKey(key)
            .setNodeId(-1)
            .setHost("")
            .setPort(-1)
            .setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())
            .setErrorMessage(Errors.COORDINATOR_NOT_AVAILABLE.message());
    }
}
