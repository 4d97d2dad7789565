/* proxy/cli/scenario.c: GET /api/v1/scenarios's answer (the server's JSON contract) as the table
 * `kchaos scenario list` prints, with fields missing or odd; a 400's diagnostics naming the local
 * file; durations. Canned text, no sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/scenario.h"

static const char two[] =
    "{\"scenarios\":[{\"name\":\"leader-election\",\"file\":\"scenarios/leader-election.yaml\","
    "\"description\":\"...\",\"dry_run\":false,\"seed\":42,\"state\":\"running\","
    "\"elapsed_s\":12.3,\"max_duration_s\":null,\"rules\":["
    "{\"name\":\"orders-not-leader\",\"action\":\"error\",\"active\":true,\"matches\":120,"
    "\"injected\":40},"
    "{\"name\":\"slow-fetch\",\"action\":\"delay\",\"active\":false,\"matches\":7,"
    "\"injected\":0}]},"
    "{\"name\":\"quota\",\"file\":\"q.yaml\",\"dry_run\":true,\"state\":\"finished\","
    "\"elapsed_s\":185,\"max_duration_s\":3600,\"rules\":[]}]}";

/* What print_list writes for json, in a heap string the caller frees; rc its return. */
static char *listed(const char *json, int *rc)
{
    char *text = NULL, err[200] = "";
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    *rc = kc_scenario_print_list(json, f, err, sizeof(err));
    fclose(f);
    if (*rc)
        assert_true(err[0] != 0);
    return text;
}

/* The n-th line (0-based) of text, in a static buffer. */
static const char *line(const char *text, int n)
{
    static char buf[256];
    for (; n > 0 && text; n--)
        if ((text = strchr(text, '\n')))
            text++;
    assert_non_null(text);
    snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(text, "\n"), text);
    return buf;
}

/* Words of a line, squeezed to one space each: the test checks content, not widths. */
static const char *squeezed(const char *s)
{
    static char buf[256];
    size_t k = 0;
    for (; *s && k + 1 < sizeof(buf); s++)
        if (*s != ' ' || (k && buf[k - 1] != ' '))
            buf[k++] = *s;
    while (k && buf[k - 1] == ' ')
        k--;
    buf[k] = 0;
    return buf;
}

static void test_list_table(void **state)
{
    (void)state;
    int rc;
    char *t = listed(two, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(squeezed(line(t, 0)), "NAME STATE ELAPSED DRY-RUN FILE");
    assert_string_equal(squeezed(line(t, 1)),
                        "leader-election running 12.3s no scenarios/leader-election.yaml");
    assert_string_equal(squeezed(line(t, 2)),
                        "orders-not-leader error matches 120 injected 40 active");
    assert_string_equal(squeezed(line(t, 3)), "slow-fetch delay matches 7 injected 0 inactive");
    assert_string_equal(squeezed(line(t, 4)), "quota finished 3m05s/1h00m yes q.yaml");
    assert_int_equal(strncmp(line(t, 2), "  ", 2), 0); /* rules indented under their scenario */
    assert_true(line(t, 1)[0] != ' ');
    /* columns line up: each scenario's STATE starts under the header's */
    const char *h = strstr(t, "STATE");
    assert_int_equal(strstr(line(t, 1), "running") - line(t, 1), h - t);
    /* five lines, each ended */
    int n = 0;
    for (const char *p = t; *p; p++)
        n += *p == '\n';
    assert_int_equal(n, 5);
    free(t);
}

static void test_list_empty_and_odd(void **state)
{
    (void)state;
    int rc;
    char *t = listed("{\"scenarios\":[]}", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(t, "no scenario\n");
    free(t);
    /* fields missing or of another type: "-" and zeros, never a crash */
    t = listed("{\"scenarios\":[{\"name\":7,\"rules\":[{\"matches\":\"x\"},3]},4]}", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(squeezed(line(t, 1)), "- - 0.0s no -");
    assert_string_equal(squeezed(line(t, 2)), "- - matches 0 injected 0 inactive");
    free(t);
    t = listed("not json", &rc);
    assert_int_equal(rc, -1);
    free(t);
    t = listed("{\"clients\":[]}", &rc);
    assert_int_equal(rc, -1);
    free(t);
}

static char *diagnosed(const char *text, const char *file)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    kc_scenario_print_diagnostics(text, file, f);
    fclose(f);
    return out;
}

static void test_diagnostics_name_the_file(void **state)
{
    (void)state;
    char *d = diagnosed("<api>:3:7: unknown action \"eror\"\n<api>:9:1: rules: empty\n",
                        "scenarios/x.yaml");
    assert_string_equal(d, "scenarios/x.yaml:3:7: unknown action \"eror\"\n"
                           "scenarios/x.yaml:9:1: rules: empty\n");
    free(d);
    /* lines not naming <api> pass as they are; a last line without newline gets one */
    d = diagnosed("a note\n<api>:1:1: bad", "f.yaml");
    assert_string_equal(d, "a note\nf.yaml:1:1: bad\n");
    free(d);
    d = diagnosed("", "f.yaml");
    assert_string_equal(d, "");
    free(d);
}

static void test_duration(void **state)
{
    (void)state;
    char b[32];
    kc_scenario_duration(0, b, sizeof(b));
    assert_string_equal(b, "0.0s");
    kc_scenario_duration(59.94, b, sizeof(b));
    assert_string_equal(b, "59.9s");
    kc_scenario_duration(61, b, sizeof(b));
    assert_string_equal(b, "1m01s");
    kc_scenario_duration(7384, b, sizeof(b));
    assert_string_equal(b, "2h03m");
    kc_scenario_duration(-5, b, sizeof(b));
    assert_string_equal(b, "0.0s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_table),
        cmocka_unit_test(test_list_empty_and_odd),
        cmocka_unit_test(test_diagnostics_name_the_file),
        cmocka_unit_test(test_duration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
