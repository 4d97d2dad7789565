/* The command-line tools that talk to a running kchaos's admin API: `kchaos top`,
 * `kchaos health` and `kchaos scenario`, each given the arguments after its name (argv[0] is the tool's name). They
 * return the process exit code. */
#ifndef KC_CLI_H
#define KC_CLI_H

int kc_cli_top_main(int argc, char **argv);
int kc_cli_health_main(int argc, char **argv);
int kc_cli_scenario_main(int argc, char **argv);
int kc_cli_record_main(int argc, char **argv);

#endif
