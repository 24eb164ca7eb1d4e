/* Unit tests for pinguard: the staff PIN's guard kept in a file across
 * restarts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "door/pinguard.h"
#include "testutil.h"

static void test_guard_survives_a_save_and_load(void **state)
{
    (void)state;
    char *dir = tu_tempdir_new("pinguard");
    char *path = tu_path_new(dir, "event.db.pin-guard-k1");
    struct bk_err err = {0};
    struct pin_guard g = {.fails = 2, .locked_until_ms = 1688432700123};
    assert_int_equal(pinguard_save(path, &g, &err), BK_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600); /* whatever the umask */
    struct pin_guard back;
    assert_int_equal(pinguard_load(path, &back, &err), BK_OK);
    assert_int_equal(back.fails, 2);
    assert_int_equal(back.locked_until_ms, 1688432700123);
    /* Replaced whole: a shorter line leaves nothing of the longer one. */
    g = (struct pin_guard){.fails = 0, .locked_until_ms = 0};
    assert_int_equal(pinguard_save(path, &g, &err), BK_OK);
    assert_int_equal(pinguard_load(path, &back, &err), BK_OK);
    assert_int_equal(back.fails, 0);
    assert_int_equal(back.locked_until_ms, 0);
    free(path);
    tu_tempdir_free(dir);
}

static void test_missing_guard_is_a_fresh_one(void **state)
{
    (void)state;
    char *dir = tu_tempdir_new("pinguard");
    char *path = tu_path_new(dir, "none");
    struct bk_err err = {0};
    struct pin_guard g = {.fails = 7, .locked_until_ms = 9};
    assert_int_equal(pinguard_load(path, &g, &err), BK_OK);
    assert_int_equal(g.fails, 0);
    assert_int_equal(g.locked_until_ms, 0);
    free(path);
    tu_tempdir_free(dir);
}

static void test_garbage_is_refused_and_zeroed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "fails=2\n", "bk-pin-guard-1 fails=-1 locked_until_ms=0\n",
        "bk-pin-guard-1 fails=1 locked_until_ms=-5\n", "bk-pin-guard-2 fails=1 locked_until_ms=5\n",
        "\xff\xfe\x00garbage",
    };
    char *dir = tu_tempdir_new("pinguard");
    char *path = tu_path_new(dir, "guard");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tu_write_text(path, bad[i]);
        struct bk_err err = {0};
        struct pin_guard g = {.fails = 3, .locked_until_ms = 3};
        if (pinguard_load(path, &g, &err) != BK_ERR_PARSE)
            fail_msg("case %zu was taken", i);
        assert_int_equal(g.fails, 0);
        assert_int_equal(g.locked_until_ms, 0);
        assert_string_equal(err.file, path);
    }
    free(path);
    tu_tempdir_free(dir);
}

static void test_path_is_beside_the_store_with_a_safe_kiosk_id(void **state)
{
    (void)state;
    char *p = pinguard_path_new("/var/lib/badgekiosk/event.db", "hall A/../desk");
    assert_string_equal(p, "/var/lib/badgekiosk/event.db.pin-guard-hall_A_.._desk");
    free(p);
    p = pinguard_path_new("/x/e.db", "");
    assert_string_equal(p, "/x/e.db.pin-guard-kiosk");
    free(p);
    assert_null(pinguard_path_new("", "k1"));
}

static void test_missing_folder_is_refused(void **state)
{
    (void)state;
    struct bk_err err = {0};
    struct pin_guard g = {.fails = 1};
    assert_int_equal(pinguard_save("/nonexistent-folder/guard", &g, &err), BK_ERR_NOT_FOUND);
    assert_string_equal(err.file, "/nonexistent-folder/guard");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guard_survives_a_save_and_load),
        cmocka_unit_test(test_missing_guard_is_a_fresh_one),
        cmocka_unit_test(test_garbage_is_refused_and_zeroed),
        cmocka_unit_test(test_path_is_beside_the_store_with_a_safe_kiosk_id),
        cmocka_unit_test(test_missing_folder_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
