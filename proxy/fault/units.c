/* Durations and byte sizes as scenarios write them (see units.h). */
#include "units.h"

#include <errno.h>
#include <string.h>

typedef struct unit {
    const char *name;
    double scale;
} unit_t;

static const unit_t time_units[] = {
    {"ns", 1.0}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}, {NULL, 0},
};

static const unit_t size_units[] = {
    {"B", 1.0},     {"KB", 1e3},           {"MB", 1e6},
    {"GB", 1e9},    {"KiB", 1024.0},       {"MiB", 1024.0 * 1024},
    {"GiB", 1024.0 * 1024 * 1024},         {NULL, 0},
};

/* Digits, optionally a point and more digits: "12", "1.5", "0.25" (not ".5", "1.", "1e3",
 * signs or spaces). Exact for integers; the decimal part is summed digit by digit. Returns the
 * length read, 0 when s does not start with a number. */
static size_t number(const char *s, double *v, int *whole)
{
    size_t i = 0;
    double x = 0;
    while (s[i] >= '0' && s[i] <= '9' && i < 40)
        x = x * 10 + (s[i++] - '0');
    if (i == 0 || (s[i] >= '0' && s[i] <= '9'))
        return 0;
    *whole = 1;
    if (s[i] == '.') {
        size_t j = i + 1;
        double f = 0.1;
        if (!(s[j] >= '0' && s[j] <= '9'))
            return 0;
        for (; s[j] >= '0' && s[j] <= '9' && j < 80; j++, f /= 10)
            x += (s[j] - '0') * f;
        if (s[j] >= '0' && s[j] <= '9')
            return 0;
        *whole = 0;
        i = j;
    }
    *v = x;
    return i;
}

static const unit_t *find_unit(const unit_t *u, const char *name)
{
    for (; u->name; u++)
        if (!strcmp(u->name, name))
            return u;
    return NULL;
}

int kc_fault_duration_parse(const char *s, uint64_t *ns)
{
    double v;
    int whole;
    size_t n = number(s, &v, &whole);
    const unit_t *u = n ? find_unit(time_units, s + n) : NULL;
    if (!u)
        return -EINVAL;
    double x = v * u->scale;
    if (x >= 18446744073709551615.0)
        return -ERANGE;
    *ns = (uint64_t)(x + 0.5); /* 0.1s is 99999999.99... in binary: round, do not truncate */
    return 0;
}

int kc_fault_bytes_parse(const char *s, uint64_t *bytes)
{
    double v;
    int whole;
    size_t n = number(s, &v, &whole);
    if (!n)
        return -EINVAL;
    const unit_t *u = s[n] ? find_unit(size_units, s + n) : &size_units[0];
    if (!u || (!whole && u == &size_units[0] && !s[n]))
        return -EINVAL; /* a bare "1.5" is not a byte count */
    double x = v * u->scale;
    if (x > 9007199254740992.0)
        return -ERANGE;
    *bytes = (uint64_t)x;
    return 0;
}
