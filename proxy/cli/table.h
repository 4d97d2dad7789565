/* kchaos top's table, shared by the live view and the plain fallback: the columns, one client
 * as an 80-column row, the sort and the filter. */
#ifndef KC_CLI_TABLE_H
#define KC_CLI_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "clients.h"

typedef enum {
    KC_COL_CLIENT, KC_COL_HOST, KC_COL_RECORDS, KC_COL_MBPS, KC_COL_P50, KC_COL_P99,
    KC_COL_THROTTLE, KC_COL_ERRORS, KC_COL_RETRIES, KC_COL_RISK, KC_COLS
} kc_col_t;

typedef struct kc_col_info {
    const char *name;   /* for --sort */
    const char *title;  /* header cell */
    char key;           /* the key that sorts by it in the live view */
    int width;          /* display columns, trend arrow included */
} kc_col_info_t;

extern const kc_col_info_t kc_cols[KC_COLS];

/* The column named `name` (or its key letter), or -1. */
int kc_col_by_name(const char *name);
int kc_col_by_key(int key);

/* Rows are at most this many bytes (UTF-8 arrows are 3 bytes for one column). */
#define KC_ROW_MAX 256
#define KC_ROW_WIDTH 80

/* The header, and one client's row. utf8: arrows as ↑ ↓, else ^ v. */
void kc_table_header(char *out, size_t n);
void kc_table_row(const kc_cli_client_t *c, bool utf8, char *out, size_t n);

/* The abbreviation a risk flag gets in the RISK column ("A1" for acks_1). */
const char *kc_risk_abbrev(const char *flag);

/* Indices of the clients matching glob (NULL or "": all), sorted by col (numbers highest
 * first, names in order); returns how many. idx holds c->n entries. */
size_t kc_table_select(const kc_cli_clients_t *c, const char *glob, kc_col_t col, size_t *idx);

#endif
