/* kchaos scenario's two pieces of text work, apart from its requests so that the unit tests can
 * give them canned answers: the table of running scenarios, and the server's diagnostics made
 * to name the local file. */
#ifndef KC_CLI_SCENARIO_H
#define KC_CLI_SCENARIO_H

#include <stddef.h>
#include <stdio.h>

/* GET /api/v1/scenarios's body as `kchaos scenario list` prints it: a header, one line per
 * scenario (name, state, elapsed[/max], dry run, file), then one indented line per rule (name,
 * action, matches, injected, active). Fields missing or of another type print as "-" or 0.
 * 0, or -1 with a reason in err (not JSON, no "scenarios" array). */
int kc_scenario_print_list(const char *json, FILE *out, char *err, size_t errlen);

/* A 400's text/plain diagnostics, one "FILE:LINE:COLUMN: reason" a line, written to out with the
 * file the server calls "<api>" named file instead; every line ends in a newline. */
void kc_scenario_print_diagnostics(const char *text, const char *file, FILE *out);

/* "12.3s", "4m05s", "2h03m": a duration in a few columns. */
void kc_scenario_duration(double s, char *out, size_t n);

#endif
