/* SaslHandshake (SaslHandshakeResponse.json: error_code, mechanisms; never flexible). */
#include "sasl.h"

int kc_sasl_handshake_response_error(kc_rd_t *r)
{
    int16_t err = kc_rd_i16(r);
    return r->err ? -1 : err;
}
