/* SaslHandshake (api key 17, v0-1) and SaslAuthenticate (api key 36, v0-2). After a successful
 * v0 handshake the client sends raw SASL tokens without Kafka headers (KIP-152 replaced them
 * with SaslAuthenticate frames in v1). kchaos passes every byte of both untouched; it reads
 * only the mechanism, the error codes and the user name a mechanism shows. */
#ifndef KC_KAFKA_SASL_H
#define KC_KAFKA_SASL_H

#include "wire.h"

/* The error code of a SaslHandshakeResponse body, or -1 when it is malformed. */
int kc_sasl_handshake_response_error(kc_rd_t *r);
/* The mechanism a SaslHandshakeRequest body asks for. 0 or -KC_EPROTO. */
int kc_sasl_handshake_request(kc_rd_t *r, kc_str_t *mechanism);
/* The auth_bytes of a SaslAuthenticateRequest body (r->flex set for v2+). 0 or -KC_EPROTO. */
int kc_sasl_authenticate_request(kc_rd_t *r, const uint8_t **bytes, int32_t *len);
/* The error code of a SaslAuthenticateResponse body, or -1 when it is malformed. */
int kc_sasl_authenticate_response_error(kc_rd_t *r);

/* The user a mechanism's first client message names: PLAIN's authcid, SCRAM's n=, the "sub" of
 * an OAUTHBEARER token (not verified). Written to out as printable text; 0, or -1 when the
 * mechanism shows none (GSSAPI) or the message is not what the mechanism says. */
int kc_sasl_user(const char *mechanism, const uint8_t *token, size_t n, char *out, size_t cap);
/* How many SaslAuthenticate round trips the mechanism takes before the broker's answer says
 * the client is authenticated (SCRAM 2, PLAIN and OAUTHBEARER 1). */
int kc_sasl_rounds(const char *mechanism);

#endif
