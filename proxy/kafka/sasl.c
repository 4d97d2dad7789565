/* SaslHandshake and SaslAuthenticate (SaslHandshakeRequest/Response.json: never flexible;
 * SaslAuthenticateRequest/Response.json: flexible from v2), and the user name a mechanism's
 * first client message shows. Nothing here keeps, copies or logs a password, a proof or a
 * token: only the name comes out. */
#include "sasl.h"

#include <stdio.h>
#include <string.h>

int kc_sasl_handshake_response_error(kc_rd_t *r)
{
    int16_t err = kc_rd_i16(r);
    return r->err ? -1 : err;
}

int kc_sasl_handshake_request(kc_rd_t *r, kc_str_t *mechanism)
{
    *mechanism = kc_rd_str(r);
    return r->err || mechanism->len < 0 ? -KC_EPROTO : 0;
}

int kc_sasl_authenticate_request(kc_rd_t *r, const uint8_t **bytes, int32_t *len)
{
    *len = kc_rd_bytes(r, bytes);
    return r->err || *len < 0 ? -KC_EPROTO : 0;
}

int kc_sasl_authenticate_response_error(kc_rd_t *r)
{
    int16_t err = kc_rd_i16(r);
    return r->err ? -1 : err;
}

/* Copy [p, p + n) to out as printable text (control bytes and quotes as '?'), so a name can go
 * into a log line or a label as it is. */
static int put_name(char *out, size_t cap, const uint8_t *p, size_t n)
{
    if (n == 0 || n >= cap)
        return -1;
    for (size_t i = 0; i < n; i++)
        out[i] = p[i] < 0x20 || p[i] == 0x7f || p[i] == '"' || p[i] == '\\' ? '?' : (char)p[i];
    out[n] = 0;
    return 0;
}

/* PLAIN (RFC 4616): [authzid] NUL authcid NUL passwd. The broker authenticates authcid. */
static int plain_user(const uint8_t *t, size_t n, char *out, size_t cap)
{
    const uint8_t *a = memchr(t, 0, n);
    if (!a)
        return -1;
    const uint8_t *user = a + 1;
    const uint8_t *b = memchr(user, 0, n - (size_t)(user - t));
    return b ? put_name(out, cap, user, (size_t)(b - user)) : -1;
}

/* SCRAM (RFC 5802) client-first-message: gs2-header "," "n=" saslname "," "r=" ...; the
 * gs2-header is "n,," "y,," or "p=cb,," with an optional "a=" authzid between the commas.
 * saslname escapes ',' as "=2C" and '=' as "=3D". */
static int scram_user(const uint8_t *t, size_t n, char *out, size_t cap)
{
    const uint8_t *end = t + n, *c1 = memchr(t, ',', n);
    const uint8_t *c2 = c1 ? memchr(c1 + 1, ',', (size_t)(end - c1 - 1)) : NULL;
    if (!c2 || end - c2 < 3 || c2[1] != 'n' || c2[2] != '=')
        return -1;
    size_t k = 0;
    for (const uint8_t *p = c2 + 3; p < end && *p != ','; p++) {
        uint8_t ch = *p;
        if (ch == '=') {
            if (end - p < 3)
                return -1;
            ch = p[1] == '2' && p[2] == 'C' ? ',' : p[1] == '3' && p[2] == 'D' ? '=' : 0;
            if (!ch)
                return -1;
            p += 2;
        }
        if (k + 1 >= cap)
            return -1;
        out[k++] = (char)ch;
    }
    return put_name(out, cap, (const uint8_t *)out, k);
}

/* base64url (RFC 4648 §5), no padding needed: the decoded length, or -1. */
static int b64url(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int v = in[i] >= 'A' && in[i] <= 'Z'   ? in[i] - 'A'
                : in[i] >= 'a' && in[i] <= 'z' ? in[i] - 'a' + 26
                : in[i] >= '0' && in[i] <= '9' ? in[i] - '0' + 52
                : in[i] == '-'                 ? 62
                : in[i] == '_'                 ? 63
                : in[i] == '='                 ? -2
                                               : -1;
        if (v == -2)
            break;
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (k >= cap)
                return -1;
            out[k++] = (uint8_t)(acc >> bits);
        }
    }
    return (int)k;
}

/* OAUTHBEARER (RFC 7628): gs2-header, then ^A-separated key=value pairs, "auth=Bearer <jwt>".
 * The JWT's payload (base64url) names its subject in "sub" (RFC 7519); nothing is verified:
 * the broker does that, and the name counts only once it says the authentication succeeded. */
static int oauth_sub(const uint8_t *t, size_t n, char *out, size_t cap)
{
    static const char key[] = "\001auth=Bearer ";
    const uint8_t *end = t + n, *p = t;
    for (; p + sizeof(key) - 1 <= end; p++)
        if (!memcmp(p, key, sizeof(key) - 1))
            break;
    if (p + sizeof(key) - 1 > end)
        return -1;
    const uint8_t *jwt = p + sizeof(key) - 1, *stop = jwt;
    while (stop < end && *stop != 1)
        stop++;
    const uint8_t *d1 = memchr(jwt, '.', (size_t)(stop - jwt));
    const uint8_t *d2 = d1 ? memchr(d1 + 1, '.', (size_t)(stop - d1 - 1)) : NULL;
    if (!d2)
        return -1;
    uint8_t payload[2048];
    int len = b64url(d1 + 1, (size_t)(d2 - d1 - 1), payload, sizeof(payload));
    if (len <= 0)
        return -1;
    /* "sub" : "value" in the claims object (no escapes in a name we would keep). */
    for (int i = 0; i + 5 < len; i++) {
        if (memcmp(payload + i, "\"sub\"", 5))
            continue;
        int j = i + 5;
        while (j < len && (payload[j] == ' ' || payload[j] == ':'))
            j++;
        if (j >= len || payload[j] != '"')
            return -1;
        int v = ++j;
        while (j < len && payload[j] != '"' && payload[j] != '\\')
            j++;
        return j < len && payload[j] == '"' ? put_name(out, cap, payload + v, (size_t)(j - v)) : -1;
    }
    return -1;
}

int kc_sasl_user(const char *mechanism, const uint8_t *token, size_t n, char *out, size_t cap)
{
    if (!token || !n)
        return -1;
    if (!strcmp(mechanism, "PLAIN"))
        return plain_user(token, n, out, cap);
    if (!strncmp(mechanism, "SCRAM-SHA-", 10))
        return scram_user(token, n, out, cap);
    if (!strcmp(mechanism, "OAUTHBEARER"))
        return oauth_sub(token, n, out, cap);
    return -1; /* GSSAPI and others: the name is not in the client's first message */
}

int kc_sasl_rounds(const char *mechanism)
{
    /* SCRAM: client-first / server-first, then client-final / server-final. */
    return !strncmp(mechanism, "SCRAM-SHA-", 10) ? 2 : 1;
}
