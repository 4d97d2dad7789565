/* Typed values out of a libyaml document, with positioned diagnostics (see yaml_read.h). */
#include "yaml_read.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault/units.h"

/* Out of memory while reading a scenario file: nothing sensible is left to do. */
static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        abort();
    return p;
}

static void vdiag(kc_yr_t *y, size_t line, size_t col, const char *fmt, va_list ap)
{
    char reason[384], *msg;
    vsnprintf(reason, sizeof(reason), fmt, ap);
    /* One line each, whatever a quoted value held. */
    for (char *p = reason; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    int len = snprintf(NULL, 0, "%s:%zu:%zu: %s", y->file, line + 1, col + 1, reason);
    msg = xrealloc(NULL, (size_t)len + 1);
    snprintf(msg, (size_t)len + 1, "%s:%zu:%zu: %s", y->file, line + 1, col + 1, reason);
    if (y->n == y->cap) {
        y->cap = y->cap ? 2 * y->cap : 8;
        y->v = xrealloc(y->v, y->cap * sizeof(*y->v));
    }
    y->v[y->n] = (kc_yr_diag_t){line, col, y->n, msg};
    y->n++;
}

void kc_yr_diag_at(kc_yr_t *y, size_t line, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag(y, line, col, fmt, ap);
    va_end(ap);
}

void kc_yr_diag(kc_yr_t *y, const yaml_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag(y, n->start_mark.line, n->start_mark.column, fmt, ap);
    va_end(ap);
}

static int by_position(const void *a, const void *b)
{
    const kc_yr_diag_t *x = a, *z = b;
    if (x->line != z->line)
        return x->line < z->line ? -1 : 1;
    if (x->col != z->col)
        return x->col < z->col ? -1 : 1;
    return x->seq < z->seq ? -1 : x->seq > z->seq;
}

int kc_yr_flush(kc_yr_t *y, kc_scenario_diags_t *d)
{
    int n = (int)y->n;
    if (y->n)
        qsort(y->v, y->n, sizeof(*y->v), by_position);
    for (size_t i = 0; i < y->n; i++) {
        if (d->n == d->cap) {
            d->cap = d->cap ? 2 * d->cap : 8;
            d->v = xrealloc(d->v, (size_t)d->cap * sizeof(*d->v));
        }
        d->v[d->n++] = y->v[i].msg;
    }
    free(y->v);
    y->v = NULL;
    y->n = y->cap = 0;
    return n;
}

yaml_node_t *kc_yr_node(kc_yr_t *y, int id)
{
    return yaml_document_get_node(y->doc, id);
}

const char *kc_yr_text(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool all(const char *s, const char *set)
{
    return *s && strspn(s, set) == strlen(s);
}

static bool is_int(const char *s)
{
    if (!strncmp(s, "0x", 2))
        return all(s + 2, "0123456789abcdefABCDEF");
    if (!strncmp(s, "0o", 2))
        return all(s + 2, "01234567");
    return all(s + (*s == '-' || *s == '+'), "0123456789");
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, .inf and .nan (YAML 1.2 core). */
static bool is_float(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF"))
        return true;
    size_t a = strspn(s, "0123456789");
    s += a;
    size_t b = 0;
    if (*s == '.') {
        s++;
        b = strspn(s, "0123456789");
        s += b;
    }
    if (!a && !b)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+')
            s++;
        return all(s, "0123456789");
    }
    return !*s;
}

kc_yr_kind_t kc_yr_kind(const yaml_node_t *n)
{
    if (n->type == YAML_SEQUENCE_NODE)
        return KC_YR_LIST;
    if (n->type == YAML_MAPPING_NODE)
        return KC_YR_MAP;
    const char *s = kc_yr_text(n);
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return KC_YR_STR;
    if (strlen(s) != n->data.scalar.length)
        return KC_YR_STR; /* a NUL inside: not something YAML's core schema types */
    if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
        return KC_YR_NULL;
    static const char *const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE"};
    for (size_t i = 0; i < 6; i++)
        if (!strcmp(s, bools[i]))
            return KC_YR_BOOL;
    if (is_int(s))
        return KC_YR_INT;
    if (is_float(s) || !strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
        return KC_YR_FLOAT;
    return KC_YR_STR;
}

const char *kc_yr_kind_name(kc_yr_kind_t k)
{
    static const char *const names[] = {"null",     "a boolean", "an integer", "a number",
                                        "a string", "a list",    "a mapping"};
    return names[k];
}

/* What a node is, for "got ..." in messages: a scalar quoted (cut short), else its kind. */
static const char *got(const yaml_node_t *n, char *buf, size_t len)
{
    const char *s = kc_yr_text(n);
    if (!s)
        return kc_yr_kind_name(kc_yr_kind(n));
    if (strlen(s) > 40)
        snprintf(buf, len, "'%.37s...'", s);
    else
        snprintf(buf, len, "'%s'", s);
    return buf;
}

bool kc_yr_fields(kc_yr_t *y, const yaml_node_t *m, const char *where, kc_yr_fields_t *f)
{
    memset(f->key, 0, sizeof(f->key));
    memset(f->val, 0, sizeof(f->val));
    char g[64];
    if (m->type != YAML_MAPPING_NODE) {
        kc_yr_diag(y, m, "%s: expected a mapping, got %s", where, got(m, g, sizeof(g)));
        return false;
    }
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = kc_yr_node(y, p->key), *v = kc_yr_node(y, p->value);
        const char *name = kc_yr_kind(k) == KC_YR_STR ? kc_yr_text(k) : NULL;
        int i = 0;
        while (name && f->names[i] && strcmp(f->names[i], name))
            i++;
        if (name && f->names[i] && f->key[i]) {
            kc_yr_diag(y, k, "%s given twice in %s", name, where);
        } else if (name && f->names[i]) {
            f->key[i] = k;
            f->val[i] = v;
        } else {
            char allowed[512] = "";
            for (int j = 0; f->names[j]; j++)
                snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed), "%s%s",
                         j ? ", " : "", f->names[j]);
            kc_yr_diag(y, k, "unknown key %s in %s (allowed: %s)", got(k, g, sizeof(g)), where,
                       allowed);
        }
    }
    return true;
}

int kc_yr_index(const kc_yr_fields_t *f, const char *name)
{
    for (int i = 0; f->names[i]; i++)
        if (!strcmp(f->names[i], name))
            return i;
    abort(); /* a name the caller's own table lacks */
}

static int wrong(kc_yr_t *y, const yaml_node_t *n, const char *key, const char *what)
{
    char g[64];
    kc_yr_diag(y, n, "%s: expected %s, got %s", key, what, got(n, g, sizeof(g)));
    return -1;
}

int kc_yr_str(kc_yr_t *y, const yaml_node_t *n, const char *key, char **out)
{
    if (kc_yr_kind(n) != KC_YR_STR)
        return wrong(y, n, key, "a string");
    if (strlen(kc_yr_text(n)) != n->data.scalar.length)
        return wrong(y, n, key, "a string without NUL characters");
    *out = strdup(kc_yr_text(n));
    if (!*out)
        abort();
    return 0;
}

int kc_yr_bool(kc_yr_t *y, const yaml_node_t *n, const char *key, bool *out)
{
    if (kc_yr_kind(n) != KC_YR_BOOL)
        return wrong(y, n, key, "true or false");
    *out = kc_yr_text(n)[0] == 't' || kc_yr_text(n)[0] == 'T';
    return 0;
}

/* An integer node's value; -ERANGE past int64. */
static int int_value(const char *s, int64_t *out)
{
    int base = !strncmp(s, "0x", 2) ? 16 : !strncmp(s, "0o", 2) ? 8 : 10;
    char *end;
    errno = 0;
    long long v = strtoll(base == 10 ? s : s + 2, &end, base);
    if (errno)
        return -ERANGE;
    *out = v;
    return 0;
}

int kc_yr_int(kc_yr_t *y, const yaml_node_t *n, const char *key, int64_t lo, int64_t hi,
              int64_t *out)
{
    int64_t v;
    char what[96];
    if (hi == INT64_MAX)
        snprintf(what, sizeof(what), "an integer of at least %" PRId64, lo);
    else
        snprintf(what, sizeof(what), "an integer from %" PRId64 " to %" PRId64, lo, hi);
    if (kc_yr_kind(n) != KC_YR_INT || int_value(kc_yr_text(n), &v) || v < lo || v > hi)
        return wrong(y, n, key, what);
    *out = v;
    return 0;
}

int kc_yr_u64(kc_yr_t *y, const yaml_node_t *n, const char *key, uint64_t *out)
{
    const char *s = kc_yr_text(n);
    const char *what = "an integer from 0 to 18446744073709551615";
    if (kc_yr_kind(n) != KC_YR_INT || s[0] == '-' || s[0] == '+')
        return wrong(y, n, key, what);
    int base = !strncmp(s, "0x", 2) ? 16 : !strncmp(s, "0o", 2) ? 8 : 10;
    errno = 0;
    unsigned long long v = strtoull(base == 10 ? s : s + 2, NULL, base);
    if (errno)
        return wrong(y, n, key, what);
    *out = v;
    return 0;
}

int kc_yr_number(kc_yr_t *y, const yaml_node_t *n, const char *key, double lo, double hi,
                 double *out)
{
    kc_yr_kind_t k = kc_yr_kind(n);
    char what[96];
    snprintf(what, sizeof(what), "a number from %g to %g", lo, hi);
    if (k != KC_YR_INT && k != KC_YR_FLOAT)
        return wrong(y, n, key, what);
    const char *s = kc_yr_text(n);
    double v;
    int64_t i;
    if (k == KC_YR_INT)
        v = int_value(s, &i) ? NAN : (double)i;
    else
        v = strchr(s, 'n') || strchr(s, 'N') ? NAN : strtod(s, NULL); /* .inf, .nan */
    if (!isfinite(v) || v < lo || v > hi)
        return wrong(y, n, key, what);
    *out = v;
    return 0;
}

int kc_yr_duration(kc_yr_t *y, const yaml_node_t *n, const char *key, uint64_t *ns)
{
    kc_yr_kind_t k = kc_yr_kind(n);
    if (k == KC_YR_INT || k == KC_YR_FLOAT) {
        kc_yr_diag(y, n, "%s: '%s' has no unit (write e.g. %ss or %sms)", key, kc_yr_text(n),
                   kc_yr_text(n), kc_yr_text(n));
        return -1;
    }
    int rc = k == KC_YR_STR ? kc_fault_duration_parse(kc_yr_text(n), ns) : -EINVAL;
    if (rc == -ERANGE) {
        kc_yr_diag(y, n, "%s: '%s' is too long a duration", key, kc_yr_text(n));
        return -1;
    }
    if (rc)
        return wrong(y, n, key, "a duration (a number and ns, us, ms, s, m or h: 250ms, 1.5s)");
    return 0;
}

int kc_yr_word(kc_yr_t *y, const yaml_node_t *n, const char *key, const char *const *words,
               int *out)
{
    const char *s = kc_yr_kind(n) == KC_YR_STR ? kc_yr_text(n) : NULL;
    char what[256] = "";
    for (int i = 0; words[i]; i++) {
        if (s && !strcmp(s, words[i])) {
            *out = i;
            return 0;
        }
        snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%s",
                 i == 0 ? "" : words[i + 1] ? ", " : " or ", words[i]);
    }
    return wrong(y, n, key, what);
}
