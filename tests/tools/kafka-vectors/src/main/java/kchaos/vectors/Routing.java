// Routing: the address rewrite kchaos performs, as used for every vector. A broker with node id
// N >= 0 is advertised as kchaos.test:(29000 + N); entries with a negative node id (e.g. a
// FindCoordinator error: node -1, host "", port -1) stay as they are. Only host and port change.
package kchaos.vectors;

import java.util.List;
import java.util.function.BiConsumer;

final class Routing {
    static final String HOST = "kchaos.test";
    static final int BASE_PORT = 29000;

    private Routing() {
    }

    static boolean routed(int nodeId) {
        return nodeId >= 0;
    }

    static int port(int nodeId) {
        return BASE_PORT + nodeId;
    }

    /** One host/port slot of a message, with the node id it belongs to. */
    record Addr(int nodeId, BiConsumer<String, Integer> setter) {
    }

    static Addr addr(int nodeId, BiConsumer<String, Integer> setter) {
        return new Addr(nodeId, setter);
    }

    /** Applies the routing rule in place to the given slots. */
    static void rewrite(List<Addr> slots) {
        for (Addr a : slots) {
            if (routed(a.nodeId())) {
                a.setter().accept(HOST, port(a.nodeId()));
            }
        }
    }
}
