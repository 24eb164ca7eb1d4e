/* Unit tests for cliopts: the options badgectl and badgekiosk share, parsed
 * with getopt_long beside a program's own, and applied to the configuration
 * they name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "event/cliopts.h"
#include "util/xalloc.h"
#include "testutil.h"

static char *dir, *ini_path;

static const char ini[] = "[event]\nid = t\ntitle = T\ntimezone = Asia/Shanghai\n"
                          "[part FG-MV]\nfirst_day = 2023-07-04\nlast_day = 2023-07-06\n"
                          "[roster]\nid = Registration ID\nfirst_name = First Name\n"
                          "[printer]\nprinter = ipp://localhost:631/ipp/print\n"
                          "[kiosk]\nid = entrance-1\ndatabase = /var/lib/x/store.db\n";

static int setup(void **state)
{
    (void)state;
    dir = tu_tempdir_new("cliopts");
    ini_path = tu_path_new(dir, "event.ini");
    tu_write_text(ini_path, ini);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_tempdir_free(dir);
    free(ini_path);
    return 0;
}

/* Parses argv as a program with its own --verbose (val 'v') would. */
static int parse(int argc, char **argv, struct cliopts *o, int *verbose)
{
    static const struct option own[] = {{"verbose", no_argument, NULL, 'v'}, {NULL, 0, NULL, 0}};
    struct option *longopts = cliopts_longopts_new(own);
    int c, bad = 0;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cliopts_take(o, c, optarg))
            continue;
        if (c == 'v')
            (*verbose)++;
        else
            bad++;
    }
    free(longopts);
    return bad;
}

/* Each shared option, alone or mixed with a program's own, lands in the
 * field it overrides; what is not given keeps the file's value. */
static void test_each_shared_option_overrides_its_field(void **state)
{
    (void)state;
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    char *rel_db = xasprintf("%s/here.db", cwd);
    static const char *const file_db = "/var/lib/x/store.db";
    const struct {
        const char *args[6];
        const char *database, *printer, *kiosk_id;
        int verbose;
        const char *store_url; /* NULL: the file's, "" */
    } cases[] = {
        {{NULL}, file_db, "ipp://localhost:631/ipp/print", "entrance-1", 0, NULL},
        {{"--db", "/tmp/other.db"},
         "/tmp/other.db",
         "ipp://localhost:631/ipp/print",
         "entrance-1",
         0,
         NULL},
        {{"--db=here.db"}, rel_db, "ipp://localhost:631/ipp/print", "entrance-1", 0, NULL},
        {{"--printer", "file:/tmp/out", "--verbose"},
         file_db,
         "file:/tmp/out",
         "entrance-1",
         1,
         NULL},
        {{"--verbose", "--kiosk", "desk-2"},
         file_db,
         "ipp://localhost:631/ipp/print",
         "desk-2",
         1,
         NULL},
        {{"--kiosk=k9", "--printer=", "--verbose", "--verbose"}, file_db, "", "k9", 2, NULL},
        {{"--store", "postgresql://k@desk/ev", "--kiosk", "k3"},
         file_db,
         "ipp://localhost:631/ipp/print",
         "k3",
         0,
         "postgresql://k@desk/ev"},
        /* --db "": no journal (the shared store alone), not the current folder. */
        {{"--store", "postgresql://k@desk/ev", "--db", ""},
         "",
         "ipp://localhost:631/ipp/print",
         "entrance-1",
         0,
         "postgresql://k@desk/ev"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[10] = {"prog", "--config", ini_path};
        int argc = 3;
        for (size_t j = 0; cases[i].args[j]; j++)
            argv[argc++] = (char *)cases[i].args[j];
        struct cliopts o = {0};
        int verbose = 0;
        assert_int_equal(parse(argc, argv, &o, &verbose), 0);
        assert_int_equal(verbose, cases[i].verbose);
        struct config *cfg;
        struct bk_err err = {0};
        if (cliopts_load_config(&o, &cfg, &err) != BK_OK)
            fail_msg("case %zu: %s", i, err.msg);
        assert_string_equal(cfg->database, cases[i].database);
        assert_string_equal(cfg->printer, cases[i].printer);
        assert_string_equal(cfg->kiosk_id, cases[i].kiosk_id);
        assert_string_equal(cfg->store_url, cases[i].store_url ? cases[i].store_url : "");
        config_free(cfg);
    }
    free(rel_db);
}

static void test_keys_path_is_taken_from_the_current_folder(void **state)
{
    (void)state;
    char *argv[] = {"prog", "--keys", "k", "--config", ini_path};
    struct cliopts o = {0};
    int verbose = 0;
    assert_int_equal(parse(5, argv, &o, &verbose), 0);
    struct config *cfg;
    assert_int_equal(cliopts_load_config(&o, &cfg, NULL), BK_OK);
    char cwd[512], want[600];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(want, sizeof want, "%s/k", cwd);
    assert_string_equal(cfg->keys_dir, want);
    config_free(cfg);
}

/* A configuration that cannot be read is the operator's input: exit 2 in
 * both programs, with the file named. */
static void test_unreadable_config_is_rejected_input(void **state)
{
    (void)state;
    char *missing = tu_path_new(dir, "none.ini");
    char *argv[] = {"prog", "--config", missing};
    struct cliopts o = {0};
    int verbose = 0;
    assert_int_equal(parse(3, argv, &o, &verbose), 0);
    struct config *cfg = (void *)1;
    struct bk_err err = {0};
    assert_int_equal(cliopts_load_config(&o, &cfg, &err), BK_ERR_CONFIG);
    assert_null(cfg);
    assert_int_equal(err.status, BK_ERR_CONFIG);
    assert_string_equal(err.file, missing);
    assert_int_equal(bk_exit_status(err.status), BK_EXIT_REJECTED);
    free(missing);
}

static void test_other_options_are_left_to_the_program(void **state)
{
    (void)state;
    struct cliopts o = {0};
    assert_false(cliopts_take(&o, 'v', NULL));
    assert_false(cliopts_take(&o, '?', NULL));
    assert_false(cliopts_take(&o, CLIOPTS_VAL + CLIOPTS_MAX, "x"));
    char *argv[] = {"prog", "--bogus", "--config", ini_path};
    int verbose = 0;
    assert_int_equal(parse(4, argv, &o, &verbose), 1);
}

/* The usage and help name every shared option, from the one table. */
static void test_usage_and_help_name_every_option(void **state)
{
    (void)state;
    char *syn = cliopts_synopsis_new(), *help = cliopts_help_new();
    static const char *const names[] = {"--config FILE", "--db FILE", "--keys DIR",
                                        "--printer NAME|URI", "--kiosk ID", "--store URL"};
    struct option *longopts = cliopts_longopts_new(NULL);
    size_t n = 0;
    while (longopts[n].name)
        n++;
    assert_int_equal(n, sizeof names / sizeof names[0]);
    free(longopts);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char bracketed[64];
        snprintf(bracketed, sizeof bracketed, "[%s]", names[i]);
        if (!strstr(syn, bracketed))
            fail_msg("synopsis '%s' lacks %s", syn, bracketed);
        if (!strstr(help, names[i]))
            fail_msg("help lacks %s", names[i]);
    }
    free(syn);
    free(help);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_shared_option_overrides_its_field),
        cmocka_unit_test(test_keys_path_is_taken_from_the_current_folder),
        cmocka_unit_test(test_unreadable_config_is_rejected_input),
        cmocka_unit_test(test_other_options_are_left_to_the_program),
        cmocka_unit_test(test_usage_and_help_name_every_option),
    };
    return cmocka_run_group_tests_name("cliopts", tests, setup, teardown);
}
