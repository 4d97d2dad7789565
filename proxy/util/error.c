/* kchaos's own error space: see error.h. */
#include "error.h"

#include <uv.h>

static const char *const texts[KC_ERROR_END - KC_EPROTO] = {
    [KC_EPROTO - KC_EPROTO] = "malformed Kafka data",
    [KC_EFRAMESIZE - KC_EPROTO] = "frame size out of range",
    [KC_ENOPORT - KC_EPROTO] = "a node id has no port (see --broker-ports/--node-id-base)",
    [KC_ETOONEW - KC_EPROTO] = "version newer than kchaos decodes",
    [KC_EORDER - KC_EPROTO] = "response out of order",
    [KC_ECLOSED - KC_EPROTO] = "connection closed by kchaos",
    [KC_ETLS - KC_EPROTO] = "TLS failure",
};

const char *kc_strerror(int rc)
{
    if (rc == 0)
        return "ok";
    if (-rc >= KC_EPROTO && -rc < KC_ERROR_END)
        return texts[-rc - KC_EPROTO];
    return uv_strerror(rc);
}
