/* The units a scenario writes values in: durations ("250ms", "1.5s", "10m") and byte rates
 * ("64KiB", "1MB", "1048576"). Plain string parsing, no YAML: the admin API and the command line
 * read the same forms. */
#ifndef KC_FAULT_UNITS_H
#define KC_FAULT_UNITS_H

#include <stdint.h>

/* An integer or decimal number followed by ns, us, ms, s, m or h, in nanoseconds. A bare
 * number is refused (-EINVAL): "5" could mean seconds or milliseconds. -ERANGE past UINT64_MAX
 * ns (about 584 years). */
int kc_fault_duration_parse(const char *s, uint64_t *ns);

/* A byte count: an integer, or an integer or decimal number with B, KB, MB, GB (powers of
 * 1000) or KiB, MiB, GiB (powers of 1024). Rounded down to whole bytes; -EINVAL when not a
 * size, -ERANGE past 2^53 (exact in a double). */
int kc_fault_bytes_parse(const char *s, uint64_t *bytes);

#endif
