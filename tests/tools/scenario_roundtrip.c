/* scenario_roundtrip FILE: the round trip of an exported recording (issue 16), on any file the
 * export wrote, such as the one a real incident gave. FILE is loaded as kchaos loads a scenario,
 * written again by the export's writer (kc_scenario_yaml, without comments), loaded and written
 * once more. It passes (exit 0) when
 *   - FILE without its comment lines is exactly the first writing: loading the export and
 *     exporting it again gives the same rules, in the same words;
 *   - the second writing equals the first: the writer is a fixed point.
 * Otherwise it prints the first line that differs and exits 1 (2 for a usage or load error). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault/scenario.h"
#include "record/export.h"

/* text without the lines that are only a comment (the export's "# ..." lines, any indent). */
static char *uncommented(const char *text)
{
    char *out = malloc(strlen(text) + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *l = text; *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) + 1 : strlen(l);
        if (l[strspn(l, " ")] != '#')
            memcpy(o, l, n), o += n;
        l += n;
    }
    *o = 0;
    return out;
}

/* The first line where a and b part, or NULL when they are the same. */
static int differ(const char *what, const char *a, const char *b)
{
    if (!strcmp(a, b))
        return 0;
    int line = 1;
    size_t i = 0;
    for (; a[i] && a[i] == b[i]; i++)
        line += a[i] == '\n';
    size_t s = i;
    while (s && a[s - 1] != '\n')
        s--;
    fprintf(stderr, "scenario_roundtrip: %s differ at line %d:\n  < %.*s\n  > %.*s\n", what, line,
            (int)strcspn(a + s, "\n"), a + s, (int)strcspn(b + s, "\n"), b + s);
    return 1;
}

static char *write_again(const char *name, const char *text, size_t len, int *nrules)
{
    kc_scenario_diags_t d = {0};
    kc_scenario_t *sc = kc_scenario_parse(name, text, len, &d);
    for (int i = 0; i < d.n; i++)
        fprintf(stderr, "%s\n", d.v[i]);
    kc_scenario_diags_free(&d);
    if (!sc)
        return NULL;
    *nrules = sc->nrules;
    size_t n;
    char *out = kc_scenario_yaml(sc, NULL, NULL, &n);
    kc_scenario_free(sc);
    return out;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: scenario_roundtrip FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (size_t got = 1; f && got;) {
        if (len + 65536 + 1 > cap && !(text = realloc(text, cap = 2 * (len + 65536) + 1)))
            return 2;
        len += got = fread(text + len, 1, cap - len - 1, f);
    }
    if (!f || ferror(f) || !text) {
        perror(argv[1]);
        return 2;
    }
    fclose(f);
    text[len] = 0;
    int n1 = 0, n2 = 0;
    char *first = write_again(argv[1], text, len, &n1);
    char *second = first ? write_again("first writing", first, strlen(first), &n2) : NULL;
    char *bare = uncommented(text);
    if (!first || !second || !bare)
        return 2;
    int bad = differ("the file without comments and its rules written again", bare, first) ||
              differ("the first and second writings", first, second);
    if (!bad)
        printf("%s: %d rules, the same after load and export, twice\n", argv[1], n1);
    free(first), free(second), free(bare), free(text);
    return bad || n1 != n2;
}
