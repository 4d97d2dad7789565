/* kchaos-cli: `kchaos top`, `kchaos health` and `kchaos scenario`. A binary of its own, which
 * kchaos runs for those words: libcurl, jansson and ncurses (and the forty libraries they bring) are then
 * never mapped into the proxy, whose resident memory stays a third of what it would be. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "top"))
        return kc_cli_top_main(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "health"))
        return kc_cli_health_main(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "scenario"))
        return kc_cli_scenario_main(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "record"))
        return kc_cli_record_main(argc - 1, argv + 1);
    fprintf(stderr, "usage: kchaos top|health|scenario|record --admin ADDR ... (kchaos --help)\n");
    return 2;
}
