/* Unit tests for err: the error detail's text and the one mapping from a
 * status to the programs' exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/err.h"

/* Every status, and the exit status badgectl(1) and badgekiosk(1) document
 * for it: the input's fault is 2, the system's is 3. */
static void test_every_status_has_its_documented_exit_status(void **state)
{
    (void)state;
    static const struct {
        enum bk_status status;
        enum bk_exit exit;
    } cases[] = {
        {BK_OK, BK_EXIT_DONE},
        {BK_ERR_IO, BK_EXIT_FAILED},
        {BK_ERR_PARSE, BK_EXIT_REJECTED},
        {BK_ERR_CONFIG, BK_EXIT_REJECTED},
        {BK_ERR_INVALID, BK_EXIT_REJECTED},
        {BK_ERR_NOT_FOUND, BK_EXIT_REJECTED},
        {BK_ERR_EXISTS, BK_EXIT_REJECTED},
        {BK_ERR_STORE, BK_EXIT_FAILED},
        {BK_ERR_FULL, BK_EXIT_FAILED},
        {BK_ERR_BUSY, BK_EXIT_FAILED},
        {BK_ERR_TOO_BIG, BK_EXIT_REJECTED},
        {BK_ERR_OFFLINE, BK_EXIT_FAILED},
    };
    /* The table covers the enum: BK_ERR_OFFLINE is its last value. */
    assert_int_equal(sizeof cases / sizeof cases[0], BK_ERR_OFFLINE + 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(cases[i].status, (enum bk_status)i);
        if (bk_exit_status(cases[i].status) != cases[i].exit)
            fail_msg("status %d: exit %d, want %d", (int)cases[i].status,
                     (int)bk_exit_status(cases[i].status), (int)cases[i].exit);
    }
    assert_int_equal(bk_exit_status((enum bk_status)99), BK_EXIT_FAILED);
    assert_int_equal(BK_EXIT_DONE, 0);
    assert_int_equal(BK_EXIT_PARTIAL, 1);
    assert_int_equal(BK_EXIT_REJECTED, 2);
    assert_int_equal(BK_EXIT_FAILED, 3);
}

static void test_format_names_only_the_parts_that_are_set(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        long line;
        const char *field, *want;
    } cases[] = {
        {"event.ini", 12, "dpi", "event.ini:12: dpi: bad"},
        {"event.ini", 0, "dpi", "event.ini: dpi: bad"},
        {"event.ini", 0, NULL, "event.ini: bad"},
        {NULL, 0, "reason", "reason: bad"},
        {NULL, 0, NULL, "bad"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bk_err e;
        char buf[256];
        assert_int_equal(bk_err_set(&e, BK_ERR_CONFIG, cases[i].file, cases[i].line, cases[i].field,
                                    "%s", "bad"),
                         BK_ERR_CONFIG);
        assert_string_equal(bk_err_format(&e, buf, sizeof buf), cases[i].want);
    }
    assert_int_equal(bk_err_set(NULL, BK_ERR_IO, NULL, 0, NULL, "x"), BK_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_status_has_its_documented_exit_status),
        cmocka_unit_test(test_format_names_only_the_parts_that_are_set),
    };
    return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
