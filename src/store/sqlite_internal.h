/* sqlite_internal: the SQLite engine's pieces that its use as a journal
 * (journal.c) shares.
 *
 * Private to src/store/ and to those two files. Functions returning int
 * return an SQLite result code (SQLITE_OK when done) and leave the
 * transaction to the caller; sq_db_error turns a code into the store's
 * status and words. */
#ifndef BK_SQLITE_INTERNAL_H
#define BK_SQLITE_INTERNAL_H

#include <sqlite3.h>

#include "store/importplan.h"
#include "store/store.h"

/* A statement compiled once for a connection and kept (sq_take). */
struct sq_kept {
    char *sql; /* owned: its text, the key */
    sqlite3_stmt *st;
    bool taken; /* handed out and not given back yet */
};

/* Statements kept per connection: the hot paths' few (a check-in's, the
 * journal's), not every query a command ever runs. */
#define SQ_KEPT_MAX 32

/* How long a connection waits for another writer of the file. */
#define SQ_BUSY_TIMEOUT_MS 10000

/* What a connection's checkpointer did (store_sqlite.c). */
struct sq_checkpoint_stats {
    bool started;      /* its thread runs: a commit crossed the bound */
    uint64_t passes;   /* checkpoints run on its thread */
    uint64_t failures; /* of those, failed (the next wake tries again) */
    /* Commits that checkpointed themselves: the WAL reached SQLite's own
     * bound with no quiet moment for the thread. */
    uint64_t by_commits;
    /* The last failed pass's SQLite code (SQLITE_OK when none) and words. */
    int last_rc;
    char last_error[160];
};

struct sq_checkpointer;

struct sqlite_store {
    sqlite3 *db;
    const char *path; /* owned by struct store */
    size_t n_kept;
    struct sq_kept kept[SQ_KEPT_MAX];
    bool wal_synced; /* the WAL synced once by SQLite itself (journal_sync_start) */
    struct sq_checkpointer *checkpointer; /* owned; NULL until a commit needs it */
    bool checkpointer_failed;             /* its thread could not start: commits checkpoint */
    uint64_t checkpoints_by_commits;
};

/* The event log's columns as sq_scan_row reads them (a query may add
 * journal_event.offline as an 11th). */
#define SQ_SCAN_COLUMNS                                                                            \
    "seq, at_ms, kiosk, method, outcome, attendee, day, detail, prev_hash, hash"

/* The badge columns as sq_badge_row reads them. */
#define SQ_BADGE_COLUMNS                                                                           \
    "id, attendee, at_ms, kiosk, serial, reason, status, printer, job, detail, updated_ms"

/* Waits until q's checkpointer has no pass wanted or under way, then
 * gives what it did. For tests: the store never needs to wait for it. */
void sq_checkpoint_wait(struct sqlite_store *q, struct sq_checkpoint_stats *stats);

enum bk_status sq_db_error(const struct sqlite_store *q, int rc, struct bk_err *err);
void sq_rollback(sqlite3 *db);
int sq_exec(sqlite3 *db, const char *sql);
const char *sq_col_text(sqlite3_stmt *st, int col);
const char *sq_col_text_or_null(sqlite3_stmt *st, int col);
int sq_bind_optional_text(sqlite3_stmt *st, int i, const char *s);
int sq_step_done(sqlite3_stmt *st);

/* sql's statement on q's connection, compiled the first time and kept
 * until the store closes, so a check-in's statements are not compiled
 * again at every scan (compiling costs more than running them). Give it
 * back with sq_give, which resets it and clears its bindings, so that it
 * holds no read snapshot between uses. A nested use of the same sql while
 * it is taken, or a full cache, gets a statement of its own, which sq_give
 * finalizes. Returns an SQLite result code. */
int sq_take(struct sqlite_store *q, const char *sql, sqlite3_stmt **st);
void sq_give(struct sqlite_store *q, sqlite3_stmt *st);

/* Runs sql, one statement that returns no rows, as a kept statement. */
int sq_exec_kept(struct sqlite_store *q, const char *sql);

/* The import's two halves (importplan.h) on db, inside a transaction. */
int sq_plan_merge(sqlite3 *db, struct import_plan *p);
int sq_plan_apply(sqlite3 *db, const struct import_plan *p, int64_t now_ms);

/* The checked_in event of attendee on day in this file's log. */
int sq_find_checkin(struct sqlite_store *q, const char *attendee, bk_day day, bool *found,
                    int64_t *at_ms);

/* The last record's seq and hash (0 and zeros for an empty log); *damaged
 * when its hash is not STORE_HASH_BYTES long. */
int sq_read_chain_tail(struct sqlite_store *q, int64_t *seq, unsigned char hash[STORE_HASH_BYTES],
                       bool *damaged);
int sq_insert_event(struct sqlite_store *q, const struct store_event *ev);

/* Runs sql (?1 bound to param when not NULL) and hands each row to row(),
 * which returns non-zero to stop. */
enum bk_status sq_walk_with(struct sqlite_store *q, const char *sql, const char *param,
                            int (*row)(sqlite3_stmt *st, void *arg), void *arg,
                            struct bk_err *err);
/* sq_walk_with of a query run again and again, its statement kept (sq_take). */
enum bk_status sq_walk_kept(struct sqlite_store *q, const char *sql, const char *param,
                            int (*row)(sqlite3_stmt *st, void *arg), void *arg,
                            struct bk_err *err);

struct sq_scan_walk {
    int (*fn)(void *ctx, const struct store_event *ev);
    void *ctx;
};

/* A row of SQ_SCAN_COLUMNS to an sq_scan_walk. */
int sq_scan_row(sqlite3_stmt *st, void *arg);

/* A badge row with the given id (0: the next rowid). A serial already
 * used is SQLITE_CONSTRAINT_UNIQUE. */
int sq_badge_insert(struct sqlite_store *q, const struct store_badge *b);

/* True in *has when attendee has a badge row printed, pending or submitted:
 * then a check-in owes no badge. */
int sq_has_live_badge(struct sqlite_store *q, const char *attendee, bool *has);

/* A badge's change, as store_badge_update takes it. */
struct sq_badge_change {
    int64_t id;
    enum store_badge_status expect, status;
    const char *printer;
    int job;
    const char *detail;
    int64_t at_ms;
};
int sq_badge_change(sqlite3 *db, const struct sq_badge_change *c);

/* BK_ERR_BUSY for a badge that was no longer expect. */
enum bk_status sq_badge_moved_on(const struct sqlite_store *q, int64_t id,
                                 enum store_badge_status expect, struct bk_err *err);

struct sq_badge_walk {
    int (*fn)(void *ctx, const struct store_badge *b);
    void *ctx;
    bool bad; /* a row holds a status with no code: the walk stopped there */
    int64_t bad_id;
    char bad_text[32];
};
int sq_badge_row(sqlite3_stmt *st, void *arg);

/* Badges of a query of SQ_BADGE_COLUMNS (?1: attendee or NULL) to fn; a
 * status with no code is an error. */
enum bk_status sq_walk_badges(struct sqlite_store *q, const char *sql, const char *attendee,
                              int (*fn)(void *ctx, const struct store_badge *b), void *ctx,
                              struct bk_err *err);

int sq_tokens_put(sqlite3 *db, size_t n, const char *const *attendees,
                  const char *const *payloads);

#endif
