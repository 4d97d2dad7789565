/* Socket addresses: see addr.h. */
#include "addr.h"

#include <stdio.h>
#include <string.h>

int kc_addr_parse(const char *host, uint16_t port, struct sockaddr_storage *ss)
{
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0)
        return 0;
    if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0)
        return 0;
    return UV_EINVAL;
}

int kc_addr_bind_source(uv_tcp_t *tcp, const char *source)
{
    if (!source)
        return 0;
    struct sockaddr_storage ss;
    int rc = kc_addr_parse(source, 0, &ss);
    return rc ? rc : uv_tcp_bind(tcp, (struct sockaddr *)&ss, 0);
}

int kc_addr_resolve(uv_loop_t *loop, uv_getaddrinfo_t *req, uv_getaddrinfo_cb cb,
                    const char *host, uint16_t port)
{
    char service[8];
    snprintf(service, sizeof(service), "%u", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    return uv_getaddrinfo(loop, req, cb, host, service, &hints);
}

const struct sockaddr *kc_addr_list_take(kc_addr_list_t *l, struct addrinfo *res)
{
    kc_addr_list_free(l);
    l->head = l->cur = res;
    return kc_addr_list_current(l);
}

const struct sockaddr *kc_addr_list_next(kc_addr_list_t *l)
{
    if (!kc_addr_list_more(l))
        return NULL;
    l->cur = l->cur->ai_next;
    return l->cur->ai_addr;
}

void kc_addr_list_free(kc_addr_list_t *l)
{
    if (l->head)
        uv_freeaddrinfo(l->head);
    *l = (kc_addr_list_t){0};
}

void kc_addr_ip(const struct sockaddr *sa, char *out, size_t len)
{
    if (!sa || uv_ip_name(sa, out, len) != 0)
        snprintf(out, len, "?");
}

void kc_addr_name(const struct sockaddr *sa, char *out, size_t len)
{
    char ip[64];
    unsigned port = 0;
    kc_addr_ip(sa, ip, sizeof(ip));
    if (sa->sa_family == AF_INET6)
        port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    else if (sa->sa_family == AF_INET)
        port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
    kc_addr_format(out, len, ip, port);
}

void kc_addr_format(char *out, size_t len, const char *host, unsigned port)
{
    snprintf(out, len, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
}
