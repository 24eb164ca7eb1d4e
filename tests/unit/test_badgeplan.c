/* Unit tests for badgeplan: a badge is printed once, replacements retire
 * what came before, and an unclear job is asked about before a resend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/badgeplan.h"
#include "util/xalloc.h"
#include "testutil.h"

struct fixture {
    char *dir;
    struct store *store;
};

static int setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof *fx);
    fx->dir = tu_tempdir_new("badgeplan");
    char *db = tu_path_new(fx->dir, "store.db");
    assert_int_equal(store_create(db, &fx->store, NULL), BK_OK);
    free(db);
    struct attendee a = {.id = "P1", .title = "", .first_name = "Ada", .last_name = "Lovelace",
                         .badge_name = "", .organization = "", .country = "",
                         .category = "Participant", .events = "FG-MV", .email = "",
                         .language = "", .status = ATTENDEE_CONFIRMED};
    struct roster r = {.people = &a, .n_people = 1, .n_rows = 1};
    assert_int_equal(store_import(fx->store, &r, NULL, NULL, NULL), BK_OK);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    store_close(fx->store);
    tu_tempdir_free(fx->dir);
    free(fx);
    return 0;
}

static void test_first_badge_makes_one_pending_row(void **state)
{
    struct fixture *fx = *state;
    struct badgeplan p1, p2;
    assert_int_equal(badgeplan_first(fx->store, "P1", "k1", 100, &p1, NULL), BK_OK);
    assert_int_equal(p1.action, BADGEPLAN_PRINT);
    assert_false(p1.replacement);
    assert_int_equal(strlen(p1.serial), TOKEN_SERIAL_LEN);
    /* Asking again (another kiosk, a retry) resumes the same row. */
    assert_int_equal(badgeplan_first(fx->store, "P1", "k2", 200, &p2, NULL), BK_OK);
    assert_int_equal(p2.action, BADGEPLAN_PRINT);
    assert_int_equal(p2.badge_id, p1.badge_id);
    assert_string_equal(p2.serial, p1.serial);
}

static void test_printed_badge_is_not_printed_again(void **state)
{
    struct fixture *fx = *state;
    struct badgeplan p;
    assert_int_equal(badgeplan_first(fx->store, "P1", "k1", 100, &p, NULL), BK_OK);
    assert_int_equal(store_badge_update(fx->store, p.badge_id, STORE_BADGE_PENDING,
                                        STORE_BADGE_PRINTED, "ipp://x", 5, NULL, 150, NULL),
                     BK_OK);
    assert_int_equal(badgeplan_first(fx->store, "P1", "k1", 300, &p, NULL), BK_OK);
    assert_int_equal(p.action, BADGEPLAN_ALREADY_HAS);
    assert_int_equal(p.printed_at, 150);
}

static void test_unclear_job_is_checked_before_resending(void **state)
{
    struct fixture *fx = *state;
    struct badgeplan p;
    assert_int_equal(badgeplan_first(fx->store, "P1", "k1", 100, &p, NULL), BK_OK);
    assert_int_equal(store_badge_update(fx->store, p.badge_id, STORE_BADGE_PENDING,
                                        STORE_BADGE_SUBMITTED, "ipp://localhost:8631/ipp/print", 17,
                                        NULL, 110, NULL),
                     BK_OK);
    struct badgeplan again;
    assert_int_equal(badgeplan_first(fx->store, "P1", "k1", 200, &again, NULL), BK_OK);
    assert_int_equal(again.action, BADGEPLAN_CHECK_JOB);
    assert_int_equal(again.job, 17);
    assert_string_equal(again.printer, "ipp://localhost:8631/ipp/print");
    assert_int_equal(again.badge_id, p.badge_id);
}

static void test_replacement_needs_a_reason(void **state)
{
    struct fixture *fx = *state;
    struct badgeplan p;
    struct bk_err err = {0};
    assert_int_equal(badgeplan_replacement(fx->store, "P1", "", "desk", 100, &p, &err),
                     BK_ERR_INVALID);
    assert_string_equal(err.field, "reason");
}

static int count_status(void *ctx, const struct store_badge *b)
{
    int *counts = ctx;
    counts[0] += b->status == STORE_BADGE_PENDING;
    counts[1] += b->status == STORE_BADGE_CANCELLED;
    counts[2] += b->reason && strcmp(b->reason, "lost") == 0;
    return 0;
}

static void test_replacement_cancels_waiting_badges_and_gets_a_new_serial(void **state)
{
    struct fixture *fx = *state;
    /* A first badge printed, a replacement still waiting at the printer,
     * and another replacement asked for: the waiting one is cancelled. */
    struct badgeplan first, repl, again;
    assert_int_equal(badgeplan_first(fx->store, "P1", "k1", 100, &first, NULL), BK_OK);
    assert_int_equal(store_badge_update(fx->store, first.badge_id, STORE_BADGE_PENDING,
                                        STORE_BADGE_PRINTED, NULL, 0, NULL, 110, NULL),
                     BK_OK);
    assert_int_equal(badgeplan_replacement(fx->store, "P1", "lost", "desk", 200, &repl, NULL),
                     BK_OK);
    assert_int_equal(repl.action, BADGEPLAN_PRINT);
    assert_true(repl.replacement);
    assert_int_not_equal(repl.badge_id, first.badge_id);
    assert_string_not_equal(repl.serial, first.serial);
    assert_int_equal(badgeplan_replacement(fx->store, "P1", "lost", "desk", 300, &again, NULL),
                     BK_OK);
    assert_true(again.replacement);
    assert_string_not_equal(again.serial, repl.serial);
    int counts[3] = {0};
    assert_int_equal(store_foreach_badge(fx->store, "P1", count_status, counts, NULL), BK_OK);
    assert_int_equal(counts[0], 1); /* only the newest replacement waits */
    assert_int_equal(counts[1], 1); /* the one before it was cancelled */
    assert_int_equal(counts[2], 2);
}

/* A badge the check-in owes and no printer ever had is not a badge to
 * replace: "reprint" prints that owed badge as the first one. */
static void test_replacement_of_an_owed_badge_is_the_owed_first_badge(void **state)
{
    struct fixture *fx = *state;
    struct badgeplan owed, p;
    assert_int_equal(badgeplan_first(fx->store, "P1", "k1", 100, &owed, NULL), BK_OK);
    bool has = true;
    assert_int_equal(badgeplan_has_badge(fx->store, "P1", &has, NULL), BK_OK);
    assert_false(has);
    assert_int_equal(badgeplan_replacement(fx->store, "P1", "lost", "desk", 200, &p, NULL), BK_OK);
    assert_int_equal(p.action, BADGEPLAN_PRINT);
    assert_false(p.replacement);
    assert_int_equal(p.badge_id, owed.badge_id);
    assert_string_equal(p.serial, owed.serial);
    int counts[3] = {0};
    assert_int_equal(store_foreach_badge(fx->store, "P1", count_status, counts, NULL), BK_OK);
    assert_int_equal(counts[0], 1);
    assert_int_equal(counts[1], 0);
    assert_int_equal(counts[2], 0);
}

static void test_replacement_for_someone_never_badged_is_a_first_badge(void **state)
{
    struct fixture *fx = *state;
    bool has = true;
    assert_int_equal(badgeplan_has_badge(fx->store, "P1", &has, NULL), BK_OK);
    assert_false(has);
    struct badgeplan p;
    assert_int_equal(badgeplan_replacement(fx->store, "P1", "lost", "desk", 200, &p, NULL), BK_OK);
    assert_int_equal(p.action, BADGEPLAN_PRINT);
    assert_false(p.replacement);
    int counts[3] = {0};
    assert_int_equal(store_foreach_badge(fx->store, "P1", count_status, counts, NULL), BK_OK);
    assert_int_equal(counts[0], 1); /* one pending row */
    assert_int_equal(counts[2], 0); /* with no reason: not a reprint */
    /* Owed, never sent: still nothing to replace. */
    assert_int_equal(badgeplan_has_badge(fx->store, "P1", &has, NULL), BK_OK);
    assert_false(has);
    assert_int_equal(store_badge_update(fx->store, p.badge_id, STORE_BADGE_PENDING,
                                        STORE_BADGE_PRINTED, NULL, 0, NULL, 250, NULL),
                     BK_OK);
    assert_int_equal(badgeplan_has_badge(fx->store, "P1", &has, NULL), BK_OK);
    assert_true(has);
    /* Now there is a badge: the next one is a replacement. */
    assert_int_equal(badgeplan_replacement(fx->store, "P1", "lost", "desk", 300, &p, NULL), BK_OK);
    assert_true(p.replacement);
}

static void test_resume_takes_a_waiting_row_only(void **state)
{
    struct fixture *fx = *state;
    struct badgeplan p, r;
    assert_int_equal(badgeplan_first(fx->store, "P1", "k1", 100, &p, NULL), BK_OK);
    assert_int_equal(badgeplan_resume(fx->store, p.badge_id, &r, NULL), BK_OK);
    assert_int_equal(r.action, BADGEPLAN_PRINT);
    assert_string_equal(r.serial, p.serial);
    assert_int_equal(store_badge_update(fx->store, p.badge_id, STORE_BADGE_ANY, STORE_BADGE_PRINTED,
                                        NULL, 0, NULL, 120, NULL),
                     BK_OK);
    assert_int_equal(badgeplan_resume(fx->store, p.badge_id, &r, NULL), BK_ERR_NOT_FOUND);
    assert_int_equal(badgeplan_resume(fx->store, 9999, &r, NULL), BK_ERR_NOT_FOUND);
}

static void test_job_name_holds_id_and_serial(void **state)
{
    (void)state;
    char name[64];
    badgeplan_job_name("FGMV-2023-00001", "ABC234", name, sizeof name);
    assert_string_equal(name, "badge FGMV-2023-00001 ABC234");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_first_badge_makes_one_pending_row),
        T(test_printed_badge_is_not_printed_again),
        T(test_unclear_job_is_checked_before_resending),
        T(test_replacement_needs_a_reason),
        T(test_replacement_cancels_waiting_badges_and_gets_a_new_serial),
        T(test_replacement_for_someone_never_badged_is_a_first_badge),
        T(test_replacement_of_an_owed_badge_is_the_owed_first_badge),
        T(test_resume_takes_a_waiting_row_only),
        cmocka_unit_test(test_job_name_holds_id_and_serial),
    };
    return cmocka_run_group_tests_name("badgeplan", tests, NULL, NULL);
}
