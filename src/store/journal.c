/* journal: a machine's journal of the shared store; see journal.h. */
#include "store/journal.h"

#include <aio.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/sqlite_internal.h"
#include "util/clock.h"
#include "util/i18n.h"
#include "util/xalloc.h"

static const char *const journal_schema =
    "CREATE TABLE IF NOT EXISTS journal_meta (key TEXT PRIMARY KEY NOT NULL, value NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS journal_event ("
    " seq INTEGER PRIMARY KEY, offline INTEGER NOT NULL, synced INTEGER NOT NULL, result TEXT);"
    "CREATE INDEX IF NOT EXISTS journal_event_waiting ON journal_event (seq) WHERE synced = 0;"
    "CREATE TABLE IF NOT EXISTS journal_intent ("
    " seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, kiosk TEXT NOT NULL, method TEXT NOT NULL,"
    " outcome TEXT, attendee TEXT, day INTEGER, detail TEXT, check_first INTEGER NOT NULL,"
    " prev_hash BLOB NOT NULL, hash BLOB NOT NULL, alt_hash BLOB NOT NULL,"
    " owed_serial TEXT, owed_id INTEGER);"
    "CREATE TABLE IF NOT EXISTS journal_checkin ("
    " attendee TEXT NOT NULL, day INTEGER NOT NULL, at_ms INTEGER NOT NULL,"
    " PRIMARY KEY (attendee, day)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS journal_badge ("
    " id INTEGER PRIMARY KEY, made INTEGER, local INTEGER NOT NULL);"
    /* set_order's max(local) at every badge row: a look-up, not a scan. */
    "CREATE INDEX IF NOT EXISTS journal_badge_local ON journal_badge (local);"
    "CREATE TABLE IF NOT EXISTS journal_outbox ("
    " n INTEGER PRIMARY KEY AUTOINCREMENT, badge INTEGER NOT NULL, is_add INTEGER NOT NULL,"
    " attendee TEXT, kiosk TEXT, serial TEXT, reason TEXT, expect TEXT, status TEXT NOT NULL,"
    " printer TEXT, job INTEGER NOT NULL, detail TEXT, at_ms INTEGER NOT NULL);"
    /* Events already in the file (its days as an embedded store) go to the
     * server like any event decided here. */
    "INSERT INTO journal_event (seq, offline, synced)"
    " SELECT seq, 1, 0 FROM scan_event WHERE seq NOT IN (SELECT seq FROM journal_event);";

static enum bk_status fail(struct sqlite_store *q, int rc, struct bk_err *err)
{
    enum bk_status st = sq_db_error(q, rc, err);
    sq_rollback(q->db);
    return st;
}

/* Every journal statement is kept compiled for the connection (sq_take):
 * a check-in runs most of them, and compiling each anew cost more than
 * running it. Given back with sq_give. */
static int prepare(struct sqlite_store *q, const char *sql, sqlite3_stmt **st)
{
    return sq_take(q, sql, st);
}

/* Binds text (NULL as SQL NULL), int64s and blobs by position. */
static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return sq_bind_optional_text(st, i, s);
}

static int bind_blob(sqlite3_stmt *st, int i, const unsigned char *b)
{
    return sqlite3_bind_blob(st, i, b, STORE_HASH_BYTES, SQLITE_STATIC);
}

/* The first column of a count(*) row, as a size_t in arg. */
static int count_row(sqlite3_stmt *st, void *arg)
{
    *(size_t *)arg = (size_t)sqlite3_column_int64(st, 0);
    return 1;
}

/* ---- meta ---- */

enum bk_status journal_get_text(void *impl, const char *key, char *out, size_t n,
                                struct bk_err *err)
{
    struct sqlite_store *q = impl;
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    int rc = prepare(q, "SELECT value FROM journal_meta WHERE key = ?1", &st);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 1, key);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(out, n, "%s", sq_col_text(st, 0));
    sq_give(q, st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? BK_OK : sq_db_error(q, rc, err);
}

enum bk_status journal_get_int(void *impl, const char *key, int64_t *value, struct bk_err *err)
{
    char text[32];
    enum bk_status st = journal_get_text(impl, key, text, sizeof text, err);
    *value = st == BK_OK ? strtoll(text, NULL, 10) : 0;
    return st;
}

enum bk_status journal_set_text(void *impl, const char *key, const char *value,
                                struct bk_err *err)
{
    struct sqlite_store *q = impl;
    sqlite3_stmt *st = NULL;
    int rc = prepare(q,
                     "INSERT INTO journal_meta (key, value) VALUES (?1, ?2)"
                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                     &st);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 1, key);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 2, value);
    if (rc == SQLITE_OK)
        rc = sq_step_done(st);
    sq_give(q, st);
    return rc == SQLITE_OK ? BK_OK : sq_db_error(q, rc, err);
}

enum bk_status journal_set_int(void *impl, const char *key, int64_t value, struct bk_err *err)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)value);
    return journal_set_text(impl, key, text, err);
}

enum bk_status journal_prepare(void *impl, const char *kiosk, char *epoch, char *source,
                               struct bk_err *err)
{
    struct sqlite_store *q = impl;
    int rc = sq_exec(q->db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = sq_exec(q->db, journal_schema);
    if (rc != SQLITE_OK)
        return fail(q, rc, err);
    /* A journal made before the intent kept its badge owed gets the
     * columns (an intent left in it owes none, as then). */
    size_t owed_cols = 0;
    enum bk_status st = sq_walk_with(q,
                                     "SELECT count(*) FROM pragma_table_info('journal_intent')"
                                     " WHERE name = 'owed_serial'",
                                     NULL, count_row, &owed_cols, err);
    if (st == BK_OK && !owed_cols) {
        rc = sq_exec(q->db, "ALTER TABLE journal_intent ADD COLUMN owed_serial TEXT;"
                            "ALTER TABLE journal_intent ADD COLUMN owed_id INTEGER");
        if (rc != SQLITE_OK)
            return fail(q, rc, err);
    }
    if (st == BK_OK)
        st = journal_get_text(q, "epoch", epoch, JOURNAL_EPOCH_LEN + 1, err);
    if (st == BK_OK && !epoch[0]) {
        /* The chain's name: random, so two journals never share one, not
         * even a machine's old one and its new one. */
        unsigned char r[JOURNAL_EPOCH_LEN / 2];
        randombytes_buf(r, sizeof r);
        sodium_bin2hex(epoch, JOURNAL_EPOCH_LEN + 1, r, sizeof r);
        st = journal_set_text(q, "epoch", epoch, err);
    }
    if (st == BK_OK)
        st = journal_get_text(q, "source", source, 128, err);
    if (st == BK_OK && !source[0]) {
        snprintf(source, 128, "%s", kiosk && kiosk[0] ? kiosk : "kiosk");
        st = journal_set_text(q, "source", source, err);
    }
    if (st != BK_OK) {
        sq_rollback(q->db);
        return st;
    }
    rc = sq_exec(q->db, "COMMIT");
    return rc == SQLITE_OK ? BK_OK : fail(q, rc, err);
}

/* ---- transactions and events ---- */

enum bk_status journal_begin(void *impl, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    int rc = sq_exec_kept(q, "BEGIN IMMEDIATE");
    return rc == SQLITE_OK ? BK_OK : sq_db_error(q, rc, err);
}

bool journal_try_begin(void *impl)
{
    struct sqlite_store *q = impl;
    sqlite3_busy_timeout(q->db, 0);
    int rc = sq_exec_kept(q, "BEGIN IMMEDIATE");
    sqlite3_busy_timeout(q->db, SQ_BUSY_TIMEOUT_MS);
    return rc == SQLITE_OK;
}

enum bk_status journal_commit(void *impl, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    int rc = sq_exec_kept(q, "COMMIT");
    return rc == SQLITE_OK ? BK_OK : fail(q, rc, err);
}

enum bk_status journal_sync(void *impl, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    /* SQLite's own handle on the WAL: syncing it makes every commit
     * written to it durable (recovery replays the frames it holds). */
    sqlite3_file *wal = NULL;
    int rc = sqlite3_file_control(q->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
    if (rc == SQLITE_OK && wal && wal->pMethods)
        rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
    return rc == SQLITE_OK ? BK_OK : sq_db_error(q, rc, err);
}

struct journal_syncing {
    struct aiocb cb; /* fdatasync of the WAL, on glibc's AIO thread */
    int fd;          /* our own descriptor of the WAL; -1 when synced already */
};

enum bk_status journal_sync_start(void *impl, struct journal_syncing **out, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    struct journal_syncing *s = xcalloc(1, sizeof *s);
    s->fd = -1;
    *out = s;
    /* The WAL's first sync on this connection is SQLite's own: a new WAL
     * file's folder entry is synced with it. After that the file is kept
     * while the connection lives, and a sync of any descriptor of it
     * makes what was written to it durable. */
    const char *wal = q->wal_synced ? sqlite3_filename_wal(sqlite3_db_filename(q->db, "main"))
                                    : NULL;
    s->fd = wal ? open(wal, O_RDONLY | O_CLOEXEC) : -1;
    if (s->fd >= 0) {
        s->cb.aio_fildes = s->fd;
        s->cb.aio_sigevent.sigev_notify = SIGEV_NONE;
        if (aio_fsync(O_DSYNC, &s->cb) == 0)
            return BK_OK;
        close(s->fd);
        s->fd = -1;
    }
    /* No thread to give it to: synced here, before returning. */
    enum bk_status st = journal_sync(q, err);
    if (st == BK_OK)
        q->wal_synced = true;
    else {
        free(s);
        *out = NULL;
    }
    return st;
}

enum bk_status journal_sync_finish(void *impl, struct journal_syncing *s, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    if (!s)
        return BK_OK;
    int rc = 0;
    if (s->fd >= 0) {
        const struct aiocb *list[1] = {&s->cb};
        while ((rc = aio_error(&s->cb)) == EINPROGRESS)
            aio_suspend(list, 1, NULL);
        /* Once, after it is done: it frees what glibc kept for it. */
        if (aio_return(&s->cb) != 0 && rc == 0)
            rc = EIO;
        close(s->fd);
    }
    free(s);
    if (rc == 0)
        return BK_OK;
    return bk_err_set(err, BK_ERR_STORE, q->path, 0, NULL,
                      _("this machine's journal could not be written to its disk (%s): check "
                        "the disk"),
                      strerror(rc));
}

enum bk_status journal_wait_for_disk(void *impl, bool wait, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    int rc = sq_exec_kept(q, wait ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    return rc == SQLITE_OK ? BK_OK : sq_db_error(q, rc, err);
}

void journal_rollback(void *impl)
{
    sq_rollback(((struct sqlite_store *)impl)->db);
}

enum bk_status journal_tx_tail(void *impl, int64_t *seq, unsigned char prev[STORE_HASH_BYTES],
                               struct bk_err *err)
{
    struct sqlite_store *q = impl;
    bool damaged = false;
    int rc = sq_read_chain_tail(q, seq, prev, &damaged);
    if (rc != SQLITE_OK)
        return sq_db_error(q, rc, err);
    if (damaged)
        return bk_err_set(err, BK_ERR_STORE, q->path, 0, NULL,
                          _("the last record of this machine's journal is damaged, so no more "
                            "scans can be added: move the journal away (a new one is made) and "
                            "tell the organisers"));
    return BK_OK;
}

enum bk_status journal_tx_checked_in(void *impl, const char *attendee, bk_day day, bool *found,
                                     int64_t *first_at_ms, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    int rc = sq_find_checkin(q, attendee, day, found, first_at_ms);
    if (rc != SQLITE_OK)
        return sq_db_error(q, rc, err);
    sqlite3_stmt *st = NULL;
    rc = prepare(q, "SELECT at_ms FROM journal_checkin WHERE attendee = ?1 AND day = ?2", &st);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 1, attendee);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, day);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int64_t there = sqlite3_column_int64(st, 0);
        if (!*found || there < *first_at_ms)
            *first_at_ms = there;
        *found = true;
    }
    sq_give(q, st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? BK_OK : sq_db_error(q, rc, err);
}

enum bk_status journal_tx_add_event(void *impl, const struct store_event *ev, bool offline,
                                    bool synced, const char *result, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    int rc = sq_insert_event(q, ev);
    sqlite3_stmt *st = NULL;
    if (rc == SQLITE_OK)
        rc = prepare(q,
                     "INSERT INTO journal_event (seq, offline, synced, result)"
                     " VALUES (?1, ?2, ?3, ?4)",
                     &st);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, ev->seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(st, 2, offline);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(st, 3, synced);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 4, result);
    if (rc == SQLITE_OK)
        rc = sq_step_done(st);
    sq_give(q, st);
    return rc == SQLITE_OK ? BK_OK : sq_db_error(q, rc, err);
}

void journal_intent_clear(struct journal_intent *in)
{
    free((char *)in->scan.kiosk);
    free((char *)in->scan.method);
    free((char *)in->scan.outcome);
    free((char *)in->scan.attendee);
    free((char *)in->scan.detail);
    free((char *)in->owed_serial);
    memset(in, 0, sizeof *in);
}

static enum bk_status insert_intent(void *impl, const struct journal_intent *in,
                                    struct bk_err *err)
{
    struct sqlite_store *q = impl;
    const struct store_scan *s = &in->scan;
    sqlite3_stmt *st = NULL;
    int rc = prepare(q,
                     "INSERT INTO journal_intent (seq, at_ms, kiosk, method, outcome, attendee,"
                     " day, detail, check_first, prev_hash, hash, alt_hash, owed_serial,"
                     " owed_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
                     " ?14)",
                     &st);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, in->seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, s->at_ms);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 3, s->kiosk);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 4, s->method);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 5, s->outcome);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 6, s->attendee);
    if (rc == SQLITE_OK)
        rc = s->has_day ? sqlite3_bind_int64(st, 7, s->day) : sqlite3_bind_null(st, 7);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 8, s->detail);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(st, 9, in->check_first);
    if (rc == SQLITE_OK)
        rc = bind_blob(st, 10, in->prev);
    if (rc == SQLITE_OK)
        rc = bind_blob(st, 11, in->hash);
    if (rc == SQLITE_OK)
        rc = bind_blob(st, 12, in->alt_hash);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 13, in->owed_serial);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 14, in->owed_id);
    if (rc == SQLITE_OK)
        rc = sq_step_done(st);
    sq_give(q, st);
    return rc == SQLITE_OK ? BK_OK : sq_db_error(q, rc, err);
}

enum bk_status journal_put_intent(void *impl, const struct journal_intent *in,
                                  struct bk_err *err)
{
    struct sqlite_store *q = impl;
    /* The safety level cannot change inside a transaction: around it. */
    enum bk_status st = journal_wait_for_disk(q, false, err);
    if (st == BK_OK)
        st = journal_begin(q, err);
    if (st == BK_OK)
        st = insert_intent(q, in, err);
    if (st == BK_OK)
        st = journal_commit(q, err);
    else
        journal_rollback(q);
    /* FULL again whatever happened: every other commit waits for the disk. */
    enum bk_status back = journal_wait_for_disk(q, true, err);
    return st == BK_OK ? back : st;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void copy_blob(sqlite3_stmt *st, int col, unsigned char *out)
{
    memset(out, 0, STORE_HASH_BYTES);
    if (sqlite3_column_bytes(st, col) == STORE_HASH_BYTES)
        memcpy(out, sqlite3_column_blob(st, col), STORE_HASH_BYTES);
}

enum bk_status journal_tx_get_intent(void *impl, struct journal_intent *in, bool *found,
                                     struct bk_err *err)
{
    struct sqlite_store *q = impl;
    sqlite3_stmt *st = NULL;
    memset(in, 0, sizeof *in);
    int rc = prepare(q,
                     "SELECT seq, at_ms, kiosk, method, outcome, attendee, day, detail, check_first,"
                     " prev_hash, hash, alt_hash, owed_serial, owed_id FROM journal_intent"
                     " ORDER BY seq LIMIT 1",
                     &st);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found) {
        in->seq = sqlite3_column_int64(st, 0);
        in->scan.at_ms = sqlite3_column_int64(st, 1);
        in->scan.kiosk = xstrdup(sq_col_text(st, 2));
        in->scan.method = xstrdup(sq_col_text(st, 3));
        in->scan.outcome = dup_or_null(sq_col_text_or_null(st, 4));
        in->scan.attendee = dup_or_null(sq_col_text_or_null(st, 5));
        in->scan.has_day = sqlite3_column_type(st, 6) != SQLITE_NULL;
        in->scan.day = (bk_day)sqlite3_column_int64(st, 6);
        in->scan.detail = dup_or_null(sq_col_text_or_null(st, 7));
        in->check_first = sqlite3_column_int(st, 8) != 0;
        copy_blob(st, 9, in->prev);
        copy_blob(st, 10, in->hash);
        copy_blob(st, 11, in->alt_hash);
        in->owed_serial = dup_or_null(sq_col_text_or_null(st, 12));
        in->owed_id = sqlite3_column_int64(st, 13);
    }
    sq_give(q, st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? BK_OK : sq_db_error(q, rc, err);
}

enum bk_status journal_tx_drop_intent(void *impl, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    int rc = sq_exec_kept(q, "DELETE FROM journal_intent");
    return rc == SQLITE_OK ? BK_OK : sq_db_error(q, rc, err);
}

enum bk_status journal_has_intent(void *impl, bool *found, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    sqlite3_stmt *st = NULL;
    int rc = prepare(q, "SELECT EXISTS (SELECT 1 FROM journal_intent)", &st);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
    sq_give(q, st);
    return rc == SQLITE_ROW ? BK_OK : sq_db_error(q, rc, err);
}

/* ---- what waits ---- */

enum bk_status journal_waiting(void *impl, size_t *events, size_t *badges, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    *events = *badges = 0;
    /* Kept: asked after every check-in, for the status line. */
    enum bk_status st = sq_walk_kept(q, "SELECT count(*) FROM journal_event WHERE synced = 0",
                                     NULL, count_row, events, err);
    if (st == BK_OK)
        st = sq_walk_kept(q, "SELECT count(*) FROM journal_outbox", NULL, count_row, badges, err);
    return st;
}

enum bk_status journal_conflicts(void *impl, size_t *n, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    size_t events = 0;
    int64_t badges = 0;
    enum bk_status st =
        sq_walk_with(q, "SELECT count(*) FROM journal_event WHERE result = 'conflict'", NULL,
                     count_row, &events, err);
    if (st == BK_OK)
        st = journal_get_int(q, "badge_conflicts", &badges, err);
    *n = events + (size_t)badges;
    return st;
}

enum bk_status journal_foreach_waiting(void *impl, size_t limit,
                                       int (*fn)(void *ctx, const struct store_event *ev),
                                       void *ctx, struct bk_err *err)
{
    struct sq_scan_walk w = {fn, ctx};
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT s.seq, s.at_ms, s.kiosk, s.method, s.outcome, s.attendee, s.day, s.detail,"
             " s.prev_hash, s.hash, j.offline FROM journal_event j JOIN scan_event s"
             " ON s.seq = j.seq WHERE j.synced = 0 ORDER BY j.seq LIMIT %zu",
             limit);
    return sq_walk_with(impl, sql, NULL, sq_scan_row, &w, err);
}

enum bk_status journal_tx_synced(void *impl, int64_t seq, const char *result, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    sqlite3_stmt *st = NULL;
    int rc = prepare(q, "UPDATE journal_event SET synced = 1, result = ?2 WHERE seq = ?1", &st);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, seq);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 2, result);
    if (rc == SQLITE_OK)
        rc = sq_step_done(st);
    sq_give(q, st);
    return rc == SQLITE_OK ? BK_OK : sq_db_error(q, rc, err);
}

enum bk_status journal_event_state(void *impl, int64_t seq, bool *known, bool *synced,
                                   char *result, size_t n, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    sqlite3_stmt *st = NULL;
    int rc = prepare(q, "SELECT synced, result FROM journal_event WHERE seq = ?1", &st);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    *known = rc == SQLITE_ROW;
    *synced = *known && sqlite3_column_int(st, 0);
    snprintf(result, n, "%s", *known ? sq_col_text(st, 1) : "");
    sq_give(q, st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? BK_OK : sq_db_error(q, rc, err);
}

/* ---- what is pulled ---- */

enum bk_status journal_pull_roster(void *impl, int64_t version, const struct attendee *people,
                                   const unsigned char (*hashes)[STORE_HASH_BYTES],
                                   const unsigned char *has_hash, size_t n,
                                   const char *const *token_ids,
                                   const char *const *tokens, size_t n_tokens,
                                   struct bk_err *err)
{
    struct sqlite_store *q = impl;
    /* The server's list is an export like any other to the journal: the
     * same plan brings the copy in line, in ID order. */
    struct roster r = {.people = (struct attendee *)people, .n_people = n};
    struct import_plan plan;
    import_plan_start(&plan, &r);
    if (hashes)
        import_plan_set_hashes(&plan, hashes, has_hash);
    int rc = sq_exec(q->db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = sq_plan_merge(q->db, &plan);
    if (rc == SQLITE_OK)
        rc = sq_plan_apply(q->db, &plan, clock_wall_ms());
    if (rc == SQLITE_OK)
        rc = sq_tokens_put(q->db, n_tokens, token_ids, tokens);
    import_plan_free(&plan);
    if (rc != SQLITE_OK)
        return fail(q, rc, err);
    enum bk_status st = journal_set_int(q, "roster_version", version, err);
    if (st != BK_OK) {
        sq_rollback(q->db);
        return st;
    }
    return journal_commit(q, err);
}

enum bk_status journal_tx_put_checkin(void *impl, const char *attendee, bk_day day,
                                      int64_t at_ms, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    sqlite3_stmt *st = NULL;
    int rc = prepare(q,
                     "INSERT INTO journal_checkin (attendee, day, at_ms) VALUES (?1, ?2, ?3)"
                     " ON CONFLICT (attendee, day) DO UPDATE SET at_ms = min(at_ms, excluded.at_ms)",
                     &st);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 1, attendee);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, day);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 3, at_ms);
    if (rc == SQLITE_OK)
        rc = sq_step_done(st);
    sq_give(q, st);
    return rc == SQLITE_OK ? BK_OK : sq_db_error(q, rc, err);
}

/* Sets a badge row's place in the order: made on the server, or the next
 * local number for a row not there yet. */
static int set_order(struct sqlite_store *q, int64_t id, int64_t made)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(
        q,
        "INSERT INTO journal_badge (id, made, local)"
        " VALUES (?1, ?2, (SELECT coalesce(max(local), 0) + 1 FROM journal_badge))"
        " ON CONFLICT (id) DO UPDATE SET made = coalesce(excluded.made, made)",
        &st);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, id);
    if (rc == SQLITE_OK)
        rc = made ? sqlite3_bind_int64(st, 2, made) : sqlite3_bind_null(st, 2);
    if (rc == SQLITE_OK)
        rc = sq_step_done(st);
    sq_give(q, st);
    return rc;
}

enum bk_status journal_tx_put_badge(void *impl, const struct store_badge *b, int64_t made,
                                    struct bk_err *err)
{
    struct sqlite_store *q = impl;
    sqlite3_stmt *st = NULL;
    /* A row with changes of ours still on their way keeps ours: the
     * server's copy is older. */
    int rc = prepare(q,
                     "SELECT EXISTS (SELECT 1 FROM attendee WHERE id = ?1),"
                     " EXISTS (SELECT 1 FROM journal_outbox WHERE badge = ?2),"
                     " EXISTS (SELECT 1 FROM badge_print WHERE id = ?2)",
                     &st);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 1, b->attendee);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, b->id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    bool known = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
    bool ours = rc == SQLITE_ROW && sqlite3_column_int(st, 1);
    bool have = rc == SQLITE_ROW && sqlite3_column_int(st, 2);
    sq_give(q, st);
    if (rc != SQLITE_ROW)
        return sq_db_error(q, rc, err);
    if (!known || ours)
        return BK_OK;
    if (have) {
        struct sq_badge_change c = {b->id,     STORE_BADGE_ANY, b->status,    b->printer,
                                    b->job,    b->detail,       b->updated_ms};
        rc = sq_badge_change(q->db, &c);
    } else {
        rc = sq_badge_insert(q, b);
    }
    if (rc == SQLITE_OK)
        rc = set_order(q, b->id, made);
    return rc == SQLITE_OK ? BK_OK : sq_db_error(q, rc, err);
}

static int outbox_add(struct sqlite_store *q, const struct store_badge *b, bool is_add,
                      enum store_badge_status expect)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(q,
                     "INSERT INTO journal_outbox (badge, is_add, attendee, kiosk, serial,"
                     " reason, expect, status, printer, job, detail, at_ms)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                     &st);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, b->id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(st, 2, is_add);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 3, b->attendee);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 4, b->kiosk);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 5, b->serial);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 6, b->reason);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 7, expect == STORE_BADGE_ANY ? NULL : store_badge_status_code(expect));
    if (rc == SQLITE_OK)
        rc = bind_text(st, 8, store_badge_status_code(b->status));
    if (rc == SQLITE_OK)
        rc = bind_text(st, 9, b->printer);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(st, 10, b->job);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 11, b->detail);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 12, is_add ? b->at_ms : b->updated_ms);
    if (rc == SQLITE_OK)
        rc = sq_step_done(st);
    sq_give(q, st);
    return rc;
}

enum bk_status journal_add_badge(void *impl, const struct store_badge *b, int64_t made,
                                 struct bk_err *err)
{
    struct sqlite_store *q = impl;
    int rc = sq_exec(q->db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = sq_badge_insert(q, b);
    if (rc == SQLITE_OK)
        rc = set_order(q, b->id, made);
    if (rc == SQLITE_OK && !made)
        rc = outbox_add(q, b, true, STORE_BADGE_ANY);
    if (rc == SQLITE_OK)
        rc = sq_exec(q->db, "COMMIT");
    return rc == SQLITE_OK ? BK_OK : fail(q, rc, err);
}

enum bk_status journal_has_live_badge(void *impl, const char *attendee, bool *has,
                                      struct bk_err *err)
{
    struct sqlite_store *q = impl;
    int rc = sq_has_live_badge(q, attendee, has);
    return rc == SQLITE_OK ? BK_OK : sq_db_error(q, rc, err);
}

static int status_row(sqlite3_stmt *st, void *arg)
{
    store_badge_status_from_code(sq_col_text(st, 0), arg);
    return 1;
}

enum bk_status journal_badge_status(void *impl, int64_t id, enum store_badge_status *status,
                                    struct bk_err *err)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT status FROM badge_print WHERE id = %lld", (long long)id);
    *status = STORE_BADGE_ANY;
    return sq_walk_with(impl, sql, NULL, status_row, status, err);
}

enum bk_status journal_tx_add_owed_badge(void *impl, const struct store_badge *b, int64_t made,
                                         bool *added, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    bool has = false;
    *added = false;
    int rc = made ? SQLITE_OK : sq_has_live_badge(q, b->attendee, &has);
    if (rc == SQLITE_OK && has)
        return BK_OK;
    if (rc == SQLITE_OK)
        rc = sq_badge_insert(q, b);
    /* Taken by the server, the row may have been pulled already by the
     * sync thread: it is this one. */
    if (made && rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        rc = SQLITE_OK;
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return bk_err_set(err, BK_ERR_EXISTS, q->path, 0, NULL,
                          _("badge serial %s is taken: nothing was recorded"), b->serial);
    /* Not on the server yet: queued like any badge made here, it reaches
     * the server with the outbox, under its id. */
    if (rc == SQLITE_OK)
        rc = set_order(q, b->id, made);
    if (rc == SQLITE_OK && !made)
        rc = outbox_add(q, b, true, STORE_BADGE_ANY);
    if (rc != SQLITE_OK)
        return sq_db_error(q, rc, err);
    *added = true;
    return BK_OK;
}

enum bk_status journal_tx_badge_made(void *impl, int64_t id, int64_t made, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    int rc = set_order(q, id, made);
    return rc == SQLITE_OK ? BK_OK : sq_db_error(q, rc, err);
}

enum bk_status journal_update_badge(void *impl, int64_t id, enum store_badge_status expect,
                                    enum store_badge_status status, const char *printer, int job,
                                    const char *detail, int64_t at_ms, bool queue,
                                    struct bk_err *err)
{
    struct sqlite_store *q = impl;
    /* What the server took is copied whatever the journal held; what waits
     * for the server follows the rule here as it would there. */
    struct sq_badge_change c = {id,  queue ? expect : STORE_BADGE_ANY,
                                status, printer,
                                job, detail,
                                at_ms};
    int rc = sq_exec(q->db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = sq_badge_change(q->db, &c);
    int changes = rc == SQLITE_OK ? sqlite3_changes(q->db) : 0;
    if (rc == SQLITE_OK && queue && changes == 0) {
        sq_rollback(q->db);
        return sq_badge_moved_on(q, id, expect, err);
    }
    if (rc == SQLITE_OK && queue) {
        struct store_badge b = {.id = id,
                                .status = status,
                                .printer = printer,
                                .job = job,
                                .detail = detail,
                                .updated_ms = at_ms};
        rc = outbox_add(q, &b, false, expect);
    }
    if (rc == SQLITE_OK)
        rc = sq_exec(q->db, "COMMIT");
    return rc == SQLITE_OK ? BK_OK : fail(q, rc, err);
}

enum bk_status journal_foreach_badge(void *impl, const char *attendee,
                                     int (*fn)(void *ctx, const struct store_badge *b), void *ctx,
                                     struct bk_err *err)
{
    return sq_walk_badges(impl,
                          "SELECT b.id, b.attendee, b.at_ms, b.kiosk, b.serial, b.reason, b.status,"
                          " b.printer, b.job, b.detail, b.updated_ms FROM badge_print b"
                          " LEFT JOIN journal_badge j ON j.id = b.id"
                          " WHERE ?1 IS NULL OR b.attendee = ?1"
                          " ORDER BY j.made IS NULL, j.made, j.local, b.rowid",
                          attendee, fn, ctx, err);
}

struct outbox_walk {
    int (*fn)(void *ctx, const struct journal_outbox *o);
    void *ctx;
    bool found;
};

static int outbox_row(sqlite3_stmt *st, void *arg)
{
    struct outbox_walk *w = arg;
    struct journal_outbox o = {
        .n = sqlite3_column_int64(st, 0),
        .add = sqlite3_column_int(st, 2) != 0,
        .badge = {.id = sqlite3_column_int64(st, 1),
                  .attendee = sq_col_text_or_null(st, 3),
                  .kiosk = sq_col_text_or_null(st, 4),
                  .serial = sq_col_text_or_null(st, 5),
                  .reason = sq_col_text_or_null(st, 6),
                  .printer = sq_col_text_or_null(st, 9),
                  .job = sqlite3_column_int(st, 10),
                  .detail = sq_col_text_or_null(st, 11),
                  .at_ms = sqlite3_column_int64(st, 12),
                  .updated_ms = sqlite3_column_int64(st, 12)},
        .expect = STORE_BADGE_ANY,
    };
    const char *expect = sq_col_text_or_null(st, 7);
    if (expect)
        store_badge_status_from_code(expect, &o.expect);
    store_badge_status_from_code(sq_col_text(st, 8), &o.badge.status);
    w->found = true;
    return w->fn(w->ctx, &o) || 1;
}

enum bk_status journal_outbox_first(void *impl, bool *found,
                                    int (*fn)(void *ctx, const struct journal_outbox *o),
                                    void *ctx, struct bk_err *err)
{
    struct outbox_walk w = {fn, ctx, false};
    enum bk_status st = sq_walk_with(impl,
                                     "SELECT n, badge, is_add, attendee, kiosk, serial, reason,"
                                     " expect, status, printer, job, detail, at_ms"
                                     " FROM journal_outbox ORDER BY n LIMIT 1",
                                     NULL, outbox_row, &w, err);
    *found = w.found;
    return st;
}

enum bk_status journal_outbox_done(void *impl, int64_t n, bool conflict, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    int rc = sq_exec(q->db, "BEGIN IMMEDIATE");
    sqlite3_stmt *st = NULL;
    if (rc == SQLITE_OK)
        rc = prepare(q, "DELETE FROM journal_outbox WHERE n = ?1", &st);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, n);
    if (rc == SQLITE_OK)
        rc = sq_step_done(st);
    sq_give(q, st);
    if (rc == SQLITE_OK && conflict)
        rc = sq_exec(q->db,
                     "INSERT INTO journal_meta (key, value) VALUES ('badge_conflicts', 1)"
                     " ON CONFLICT (key) DO UPDATE SET value = value + 1");
    if (rc == SQLITE_OK)
        rc = sq_exec(q->db, "COMMIT");
    return rc == SQLITE_OK ? BK_OK : fail(q, rc, err);
}
