/* SaslHandshake (api key 17, v0-1). After a successful v0 handshake the client sends raw SASL
 * tokens without Kafka headers (KIP-152 replaced them with SaslAuthenticate frames in v1). */
#ifndef KC_KAFKA_SASL_H
#define KC_KAFKA_SASL_H

#include "wire.h"

/* The error code of a SaslHandshakeResponse body, or -1 when it is malformed. */
int kc_sasl_handshake_response_error(kc_rd_t *r);

#endif
