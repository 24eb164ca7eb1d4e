/* cliopts: the command-line options badgectl and badgekiosk share.
 *
 * --config FILE names the configuration; --db FILE, --keys DIR,
 * --printer NAME|URI, --kiosk ID and --store URL override it for one run. Both programs
 * parse them here, from one table (name, argument, help, the config field
 * set), so an option for both is one line of that table and means the same
 * in both. Each program keeps its own options: cliopts_longopts_new merges
 * them with the shared ones into one getopt_long table, and the program
 * hands every answer to cliopts_take before looking at it itself. */
#ifndef BK_CLIOPTS_H
#define BK_CLIOPTS_H

#include <getopt.h>
#include <stdbool.h>

#include "event/config.h"
#include "util/err.h"

/* getopt_long's val for the shared options is CLIOPTS_VAL + their place in
 * the table; a program's own options use vals below it. */
#define CLIOPTS_VAL 0x1000
#define CLIOPTS_MAX 8

/* The shared options given, by their place in the table; NULL when not given.
 * The strings are borrowed from argv. Zero-initialise it. */
struct cliopts {
    const char *given[CLIOPTS_MAX];
};

/* A getopt_long table: the shared options, then own (ended by an all-zero
 * entry; NULL for none), ended by an all-zero entry. Free it with free(). */
struct option *cliopts_longopts_new(const struct option *own);

/* When c (what getopt_long returned) is a shared option, keeps arg in o and
 * returns true; false for anything else. */
bool cliopts_take(struct cliopts *o, int c, const char *arg);

/* Reads the configuration --config names (config_default_path_new() without
 * it) and applies the other shared options given. On success *out is the
 * caller's (config_free). A configuration that cannot be read is the
 * operator's input, whatever went wrong with it: the status is then
 * BK_ERR_CONFIG (so both programs exit 2), the message config_load's. */
enum bk_status cliopts_load_config(const struct cliopts *o, struct config **out,
                                   struct bk_err *err);

/* "[--config FILE] [--db FILE] ...", translated, for a usage line; and one
 * line per option with its help, each starting "  --", for --help. Newly
 * allocated. */
char *cliopts_synopsis_new(void);
char *cliopts_help_new(void);

#endif
