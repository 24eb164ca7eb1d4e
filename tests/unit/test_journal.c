/* test_journal: a machine's journal of the shared store, on a real SQLite
 * file, where it can be tried without a server: the transaction the kiosk
 * opens while the server works (journal_try_begin), and a badge row whose
 * order on the server comes after it was written (JOURNAL_MADE_LATER). The
 * rest of the journal is tried with a real PostgreSQL in tests/shared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/journal.h"
#include "store/store_backend.h"
#include "util/xalloc.h"
#include "testutil.h"

struct fixture {
    char *dir;
    char *path;
    void *a, *b; /* two connections to one journal, as two threads have */
};

static void *open_journal(const char *path, bool create)
{
    struct store_options o = {.path = path, .create = create};
    void *impl = NULL;
    struct bk_err err;
    bk_err_clear(&err);
    assert_int_equal(store_sqlite_backend.open(&o, &impl, &err), BK_OK);
    return impl;
}

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    f->dir = tu_tempdir_new("journal");
    f->path = tu_path_new(f->dir, "journal.db");
    f->a = open_journal(f->path, true);
    char epoch[JOURNAL_EPOCH_LEN + 1], source[128];
    struct bk_err err;
    bk_err_clear(&err);
    assert_int_equal(journal_prepare(f->a, "k1", epoch, source, &err), BK_OK);
    f->b = open_journal(f->path, false);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_sqlite_backend.close(f->b);
    store_sqlite_backend.close(f->a);
    tu_rm_rf(f->dir);
    free(f->path);
    free(f->dir);
    free(f);
    return 0;
}

/* Ends the other connection's transaction a second later, as the sync
 * thread's would: a begin that waited for it would then succeed. */
static void *rollback_later(void *arg)
{
    struct timespec t = {.tv_sec = 1};
    nanosleep(&t, NULL);
    journal_rollback(arg);
    return NULL;
}

/* While another connection writes, the kiosk's guess is not tried: no
 * wait for the busy timeout, which would run down the deadline of the
 * server's answer. */
static void test_try_begin_does_not_wait_for_another_writer(void **state)
{
    struct fixture *f = *state;
    struct bk_err err;
    bk_err_clear(&err);
    assert_int_equal(journal_begin(f->b, &err), BK_OK);
    pthread_t other;
    assert_int_equal(pthread_create(&other, NULL, rollback_later, f->b), 0);
    bool began = journal_try_begin(f->a);
    pthread_join(other, NULL);
    assert_false(began);
    assert_true(journal_try_begin(f->a));
    assert_int_equal(journal_commit(f->a, &err), BK_OK);
}

static int64_t made_of(const char *path, int64_t id)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT made FROM journal_badge WHERE id = ?1", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_int64(st, 1, id);
    int64_t made = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return made;
}

/* The badge a check-in owes, written while the server takes it: its order
 * there is set before the commit, and no copy of it waits for the server. */
static void test_badge_owed_gets_its_order_before_the_commit(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO attendee (id, status, updated_at)"
                                  " VALUES ('FGMV-1', 'confirmed', 0)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    struct store_badge b = {.id = 4242,
                            .attendee = "FGMV-1",
                            .at_ms = 1688430000000,
                            .kiosk = "k1",
                            .serial = "SER1",
                            .status = STORE_BADGE_PENDING,
                            .updated_ms = 1688430000000};
    struct bk_err err;
    bk_err_clear(&err);
    bool added = false;
    assert_int_equal(journal_begin(f->a, &err), BK_OK);
    assert_int_equal(journal_tx_add_owed_badge(f->a, &b, JOURNAL_MADE_LATER, &added, &err), BK_OK);
    assert_true(added);
    assert_int_equal(journal_tx_badge_made(f->a, b.id, 77, &err), BK_OK);
    assert_int_equal(journal_commit(f->a, &err), BK_OK);
    assert_int_equal(made_of(f->path, b.id), 77);
    size_t events = 9, badges = 9;
    assert_int_equal(journal_waiting(f->a, &events, &badges, &err), BK_OK);
    assert_int_equal(badges, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_try_begin_does_not_wait_for_another_writer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_badge_owed_gets_its_order_before_the_commit, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
