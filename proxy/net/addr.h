/* Socket addresses: numeric hosts parsed the one way every listener and connection uses, and
 * the --upstream-bind source address applied to a socket before it connects. */
#ifndef KC_NET_ADDR_H
#define KC_NET_ADDR_H

#include <stdint.h>
#include <uv.h>

/* An IPv4 or IPv6 literal and a port into ss: 0, or UV_EINVAL when host is a name. */
int kc_addr_parse(const char *host, uint16_t port, struct sockaddr_storage *ss);
/* Bind tcp to source (an address literal, any port) so its connection leaves from there;
 * 0 when source is NULL. */
int kc_addr_bind_source(uv_tcp_t *tcp, const char *source);
/* Resolve a host name for a TCP connection (any family); cb as uv_getaddrinfo's. */
int kc_addr_resolve(uv_loop_t *loop, uv_getaddrinfo_t *req, uv_getaddrinfo_cb cb,
                    const char *host, uint16_t port);
/* Every address a name resolved to, tried in turn (as Kafka's own clients do by default,
 * client.dns.lookup=use_all_dns_ips): "localhost" resolving to ::1 first must still reach a
 * broker listening on 127.0.0.1 only. Owns the getaddrinfo result. */
typedef struct kc_addr_list {
    struct addrinfo *head; /* owned; NULL when empty */
    struct addrinfo *cur;  /* the address being tried */
} kc_addr_list_t;

/* Keep res (from a uv_getaddrinfo callback) and return its first address. */
const struct sockaddr *kc_addr_list_take(kc_addr_list_t *l, struct addrinfo *res);
/* Move on to the next address and return it, or NULL when every one has been tried. */
const struct sockaddr *kc_addr_list_next(kc_addr_list_t *l);
void kc_addr_list_free(kc_addr_list_t *l);

/* Whether an address is left after the one being tried. */
static inline int kc_addr_list_more(const kc_addr_list_t *l)
{
    return l->cur && l->cur->ai_next;
}

/* The address being tried. */
static inline const struct sockaddr *kc_addr_list_current(const kc_addr_list_t *l)
{
    return l->cur ? l->cur->ai_addr : NULL;
}

/* The IP of sa, for log lines ("?" when it has none). */
void kc_addr_ip(const struct sockaddr *sa, char *out, size_t len);
/* sa as "ip:port" or "[v6]:port". */
void kc_addr_name(const struct sockaddr *sa, char *out, size_t len);

/* "host:port", "[v6]:port" into out. */
void kc_addr_format(char *out, size_t len, const char *host, unsigned port);

#endif
