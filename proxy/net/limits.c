/* Connection admission: see limits.h. */
#include "limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/error.h"

static uint32_t ip_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* The slot holding ip, or NULL. */
static kc_host_count_t *find(kc_conn_limits_t *l, const char *ip)
{
    for (uint32_t i = ip_hash(ip) & l->mask; l->hosts[i].ip[0]; i = (i + 1) & l->mask)
        if (!strcmp(l->hosts[i].ip, ip))
            return &l->hosts[i];
    return NULL;
}

/* A table of cap slots holding the hosts with connections (free slots are left behind). */
static int rebuild(kc_conn_limits_t *l, uint32_t cap)
{
    kc_host_count_t *v = calloc(cap, sizeof(*v));
    if (!v)
        return -KC_ENOMEM;
    uint32_t used = 0;
    for (uint32_t i = 0; l->hosts && i <= l->mask; i++) {
        if (!l->hosts[i].n)
            continue;
        uint32_t j = ip_hash(l->hosts[i].ip) & (cap - 1);
        while (v[j].ip[0])
            j = (j + 1) & (cap - 1);
        v[j] = l->hosts[i];
        used++;
    }
    free(l->hosts);
    l->hosts = v;
    l->mask = cap - 1;
    l->used = used;
    return 0;
}

int kc_limits_init(kc_conn_limits_t *l, uint32_t max_total, uint32_t max_per_host)
{
    *l = (kc_conn_limits_t){.max_total = max_total, .max_per_host = max_per_host};
    if (uv_mutex_init(&l->lock))
        return -KC_ENOMEM;
    return max_per_host ? rebuild(l, 256) : 0;
}

void kc_limits_free(kc_conn_limits_t *l)
{
    free(l->hosts);
    l->hosts = NULL;
    uv_mutex_destroy(&l->lock);
}

/* The host's slot, made when new (the table grows, or is rebuilt without its free slots). */
static kc_host_count_t *slot(kc_conn_limits_t *l, const char *ip)
{
    kc_host_count_t *h = find(l, ip);
    if (h)
        return h;
    if (2 * (l->used + 1) > l->mask + 1) {
        uint32_t live = 0;
        for (uint32_t i = 0; i <= l->mask; i++)
            live += l->hosts[i].n > 0;
        if (rebuild(l, 4 * (live + 1) > l->mask + 1 ? 2 * (l->mask + 1) : l->mask + 1))
            return NULL;
    }
    uint32_t i = ip_hash(ip) & l->mask;
    while (l->hosts[i].ip[0])
        i = (i + 1) & l->mask;
    snprintf(l->hosts[i].ip, sizeof(l->hosts[i].ip), "%s", ip);
    l->used++;
    return &l->hosts[i];
}

int kc_limits_admit(kc_conn_limits_t *l, const char *ip, uint32_t *open)
{
    int rc = KC_ADMIT_OK;
    uv_mutex_lock(&l->lock);
    kc_host_count_t *h = NULL;
    if (l->total >= l->max_total) {
        *open = l->total;
        rc = KC_ADMIT_TOTAL;
    } else if (l->max_per_host && (!(h = slot(l, ip)) || h->n >= l->max_per_host)) {
        *open = h ? h->n : 0;
        rc = KC_ADMIT_HOST;
    } else {
        l->total++;
        if (h)
            h->n++;
    }
    uv_mutex_unlock(&l->lock);
    return rc;
}

void kc_limits_release(kc_conn_limits_t *l, const char *ip)
{
    uv_mutex_lock(&l->lock);
    l->total--;
    kc_host_count_t *h = l->max_per_host ? find(l, ip) : NULL;
    if (h && h->n)
        h->n--;
    uv_mutex_unlock(&l->lock);
}
