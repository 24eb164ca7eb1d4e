/* The SQLite store's checkpointer: checkpoints run on a thread of their
 * own, never inside a commit (store_sqlite.c).
 *
 * Real files in a temporary folder. Commits are made on the store's own
 * connection (its WAL hook is what is tested) until the WAL has crossed the
 * checkpoint bound several times; after each commit the test waits for the
 * checkpointer to be idle, so no timing decides what it sees. Built twice:
 * under ASan/UBSan (make unit) and under ThreadSanitizer (make tsan), where
 * the hand-over between a commit and the thread is checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <locale.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store/sqlite_internal.h"
#include "store/store_backend.h"
#include "testutil.h"

/* Rows per transaction and bytes per row: about 25 WAL frames a commit, so
 * the 100-frame bound is crossed every 4 commits or so. */
#define ROWS_PER_COMMIT 40
#define ROW_BYTES 2000
#define PASSES_WANTED 4

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static void commit_rows(sqlite3 *db, int first)
{
    unsigned char body[ROW_BYTES];
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "INSERT INTO ckpt_row (id, body) VALUES (?1, ?2)", -1, &st, NULL),
        SQLITE_OK);
    for (int id = first; id < first + ROWS_PER_COMMIT; id++) {
        memset(body, id & 0xff, sizeof body);
        assert_int_equal(sqlite3_bind_int(st, 1, id), SQLITE_OK);
        assert_int_equal(sqlite3_bind_blob(st, 2, body, sizeof body, SQLITE_STATIC), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
}

/* Every row back, each with its own bytes. */
static void read_back(sqlite3 *db, int rows)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT id, body FROM ckpt_row ORDER BY id", -1, &st, NULL),
        SQLITE_OK);
    int want = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        assert_int_equal(sqlite3_column_int(st, 0), want);
        const unsigned char *body = sqlite3_column_blob(st, 1);
        assert_int_equal(sqlite3_column_bytes(st, 1), ROW_BYTES);
        assert_non_null(body);
        for (int i = 0; i < ROW_BYTES; i++)
            if (body[i] != (want & 0xff))
                fail_msg("row %d byte %d is %d", want, i, body[i]);
        want++;
    }
    sqlite3_finalize(st);
    assert_int_equal(want, rows);
}

static void test_checkpoints_run_on_their_own_thread(void **state)
{
    (void)state;
    char *dir = tu_tempdir_new("ckpt");
    char path[512], wal[520];
    snprintf(path, sizeof path, "%s/store.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", path);
    struct store_options o = {.path = path, .create = true};
    struct bk_err err = {0};
    void *impl = NULL;
    assert_int_equal(store_sqlite_backend.open(&o, &impl, &err), BK_OK);
    struct sqlite_store *q = impl;
    assert_int_equal(sqlite3_exec(q->db,
                                  "CREATE TABLE ckpt_row (id INTEGER PRIMARY KEY, body BLOB)", NULL,
                                  NULL, NULL),
                     SQLITE_OK);
    int page = 0;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(q->db, "PRAGMA page_size", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    page = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);

    struct sq_checkpoint_stats stats;
    sq_checkpoint_wait(q, &stats);
    /* A store that has written little has no thread. */
    assert_false(stats.started);
    int rows = 0;
    /* Bounded so that a checkpointer that never runs fails the test
     * rather than hanging it: 4 commits cross the bound once. After each
     * commit the test waits for the thread, which waits for the file to be
     * quiet: no commit comes meanwhile, so none reaches the bound at which
     * a commit checkpoints itself. */
    for (int commit = 0; commit < 60 * PASSES_WANTED && stats.passes < PASSES_WANTED; commit++) {
        commit_rows(q->db, rows);
        rows += ROWS_PER_COMMIT;
        sq_checkpoint_wait(q, &stats);
    }
    assert_true(stats.started);
    assert_true(stats.passes >= PASSES_WANTED);
    assert_int_equal(stats.failures, 0);
    assert_int_equal(stats.last_rc, SQLITE_OK);
    assert_string_equal(stats.last_error, "");
    /* No commit checkpointed itself. */
    assert_int_equal(stats.by_commits, 0);
    /* The thread's checkpoints copied the rows into the database file, and
     * the WAL was started again from its beginning each time: it never
     * held much more than one bound's frames (it is not truncated, so its
     * size is the most it ever held). */
    assert_true(file_size(path) >= (off_t)rows * ROW_BYTES / 2);
    off_t wal_most = (off_t)(1000 + 2 * ROWS_PER_COMMIT) * (page + 24) + 32;
    assert_true(file_size(wal) > 0);
    assert_true(file_size(wal) <= wal_most);
    read_back(q->db, rows);

    /* Closing joins the thread before the connection closes; the last
     * connection then folds the WAL in and removes it. */
    store_sqlite_backend.close(impl);
    assert_int_equal(file_size(wal), -1);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    read_back(db, rows);
    sqlite3_close(db);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checkpoints_run_on_their_own_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
