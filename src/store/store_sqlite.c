/* store_sqlite: the attendance store kept in one SQLite file.
 *
 * The engine behind store.h (see store_backend.h). Durability comes from WAL
 * with synchronous=FULL: a commit returns once the log is on disk. Several
 * kiosk and badgectl processes may share the file; every write is a
 * BEGIN IMMEDIATE transaction, so a read-then-write (the previous hash, the
 * earlier check-in) cannot interleave with another process's write, and
 * waiting for the lock is left to SQLite's busy timeout. Statements are
 * prepared per call (cheap next to an fsync) so callbacks may re-enter.
 * Checkpoints run on a thread of their own when the file is quiet, in a
 * commit only when no quiet comes (struct sq_checkpointer). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "util/i18n.h"
#include "store/importplan.h"
#include "store/sqlite_internal.h"
#include "store/store_backend.h"
#include "util/clock.h"
#include "util/xalloc.h"

#define SCHEMA_VERSION 2
/* WAL frames past which the checkpointer is woken, to checkpoint once the
 * file is quiet: about ten check-ins. */
#define CHECKPOINT_FRAMES 100
/* Past this the committing connection checkpoints itself, as SQLite's own
 * automatic checkpoint does (its bound, about 80 check-ins): the commits
 * never left the file quiet (a flat-out stream), or the thread is stuck or
 * failing, or one transaction was huge (an import). */
#define CHECKPOINT_SELF_FRAMES 1000
/* The checkpointer's connection waits this long for a lock when it opens;
 * a pass that cannot get in is tried again at the next wake, and closing
 * the store waits for the pass under way. */
#define CHECKPOINT_BUSY_MS 1000
/* A pass waits until the file has been quiet this long (no commit from any
 * connection: the WAL unchanged), so that at a door it runs between two
 * people rather than beside a check-in's own disk writes. */
#define CHECKPOINT_QUIET_MS 250

/* True when the file system holding path is mounted read-only: then no
 * permission change helps, and saying "make it writable" would mislead. */
static bool read_only_disk(const char *path)
{
    struct statvfs vfs;
    return statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
}

/* True when path cannot be written although permissions allow it: the
 * immutable attribute (chattr +i) refuses even root, with EPERM. */
static bool immutable_file(const char *path)
{
    return access(path, W_OK) != 0 && errno == EPERM;
}

static enum bk_status read_only_disk_error(const char *path, struct bk_err *err)
{
    return bk_err_set(err, BK_ERR_IO, path, 0, NULL,
                      _("the disk holding the store is read-only (mounted read-only, or "
                        "switched to read-only after disk errors): make it writable again, then "
                        "try again (nothing was recorded)"));
}

/* Turns an SQLite failure into a status and a sentence naming the file and
 * what the person at the kiosk or desk can do about it. */
enum bk_status sq_db_error(const struct sqlite_store *q, int rc, struct bk_err *err)
{
    const char *path = q->path;
    const char *detail = q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc);
    /* A full disk does not always read SQLITE_FULL: when the WAL index
     * (-shm) or the WAL cannot grow, SQLite says "disk I/O error" and only
     * the system's errno tells that the disk is full, which is what the
     * person at the kiosk must be told. */
    int sys = q->db ? sqlite3_system_errno(q->db) : 0;
    if ((rc & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT))
        rc = SQLITE_FULL;
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return bk_err_set(err, BK_ERR_FULL, path, 0, NULL,
                          _("the disk holding the store is full: free space, then try again "
                            "(nothing was recorded)"));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return bk_err_set(err, BK_ERR_BUSY, path, 0, NULL,
                          _("the store stayed locked by another program for more than 10 "
                            "seconds: check that no other program is holding it, then try "
                            "again"));
    case SQLITE_READONLY:
        if (read_only_disk(path))
            return read_only_disk_error(path, err);
        if (immutable_file(path))
            return bk_err_set(err, BK_ERR_IO, path, 0, NULL,
                              _("the store file is protected against changes (immutable "
                                "attribute): remove it with chattr -i, then try again (nothing "
                                "was recorded)"));
        return bk_err_set(err, BK_ERR_IO, path, 0, NULL,
                          _("the store cannot be written: make the file and its folder writable "
                            "by the user running badgekiosk"));
    case SQLITE_CANTOPEN:
        if (read_only_disk(path))
            return read_only_disk_error(path, err);
        return bk_err_set(err, BK_ERR_IO, path, 0, NULL,
                          _("the store cannot be opened: check that its folder exists and that "
                            "the user running badgekiosk may read and write there"));
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return bk_err_set(err, BK_ERR_IO, path, 0, NULL,
                          _("access to the store was refused: give the user running "
                            "badgekiosk permission to read and write it"));
    case SQLITE_IOERR:
        return bk_err_set(err, BK_ERR_IO, path, 0, NULL,
                          _("reading or writing the store failed (%s): check the disk, then try "
                            "again"),
                          detail);
    case SQLITE_NOTADB:
        return bk_err_set(err, BK_ERR_STORE, path, 0, NULL,
                          _("not a badgekiosk store (not an SQLite database): check the path, "
                            "or move the file away to start a new store"));
    case SQLITE_CORRUPT:
        return bk_err_set(err, BK_ERR_STORE, path, 0, NULL,
                          _("the store is damaged: restore it from a backup"));
    default:
        return bk_err_set(err, BK_ERR_STORE, path, 0, NULL, _("the store failed: %s"), detail);
    }
}

/* Ends a failed write transaction; after some errors SQLite has already
 * rolled back, so only roll back what is still open. */
void sq_rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int sq_exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

int sq_take(struct sqlite_store *q, const char *sql, sqlite3_stmt **st)
{
    *st = NULL;
    for (size_t i = 0; i < q->n_kept; i++) {
        struct sq_kept *k = &q->kept[i];
        if (strcmp(k->sql, sql) != 0)
            continue;
        if (k->taken)
            break;
        k->taken = true;
        *st = k->st;
        return SQLITE_OK;
    }
    bool keep = q->n_kept < SQ_KEPT_MAX;
    /* PERSISTENT: SQLite's hint for a statement reused many times. */
    int rc = sqlite3_prepare_v3(q->db, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, st, NULL);
    if (rc != SQLITE_OK || !keep)
        return rc;
    for (size_t i = 0; i < q->n_kept; i++)
        if (strcmp(q->kept[i].sql, sql) == 0)
            return rc; /* the nested use: its own, finalized when given */
    q->kept[q->n_kept++] = (struct sq_kept){.sql = xstrdup(sql), .st = *st, .taken = true};
    return rc;
}

void sq_give(struct sqlite_store *q, sqlite3_stmt *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < q->n_kept; i++) {
        if (q->kept[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            q->kept[i].taken = false;
            return;
        }
    }
    sqlite3_finalize(st);
}

int sq_exec_kept(struct sqlite_store *q, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int rc = sq_take(q, sql, &st);
    if (rc == SQLITE_OK)
        rc = sq_step_done(st);
    sq_give(q, st);
    return rc;
}

const char *sq_col_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

const char *sq_col_text_or_null(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return NULL;
    return sq_col_text(st, col);
}

/* Makes the folder of path (one level), private to the operator: a
 * store's folder is made on its first use. */
static void make_folder_of(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        mkdir(dir, 0700);
    }
    free(dir);
}

/* Creates the file ourselves so that it is 0600 whatever the umask allows
 * SQLite; the -wal and -shm files then take the same mode from it. */
static enum bk_status create_private_file(const char *path, struct bk_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ENOENT) {
        make_folder_of(path);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    }
    if (fd >= 0) {
        close(fd);
        return BK_OK;
    }
    if (errno == EEXIST)
        return BK_OK;
    int e = errno;
    if (e == ENOSPC || e == EDQUOT)
        return bk_err_set(err, BK_ERR_FULL, path, 0, NULL,
                          _("the disk holding the store is full: free space, then try again"));
    return bk_err_set(err, BK_ERR_IO, path, 0, NULL,
                      _("the store cannot be created (%s): check that its folder exists and "
                        "that the user running badgekiosk may write there"),
                      i18n_strerror(e));
}

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS attendee ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " title TEXT NOT NULL DEFAULT '',"
    " first_name TEXT NOT NULL DEFAULT '',"
    " last_name TEXT NOT NULL DEFAULT '',"
    " badge_name TEXT NOT NULL DEFAULT '',"
    " organization TEXT NOT NULL DEFAULT '',"
    " country TEXT NOT NULL DEFAULT '',"
    " category TEXT NOT NULL DEFAULT '',"
    " events TEXT NOT NULL DEFAULT '',"
    " email TEXT NOT NULL DEFAULT '',"
    " language TEXT NOT NULL DEFAULT '',"
    " status TEXT NOT NULL CHECK (status IN ('confirmed', 'withdrawn')),"
    " updated_at INTEGER NOT NULL,"
    " valid_from TEXT NOT NULL DEFAULT '',"
    " valid_until TEXT NOT NULL DEFAULT '',"
    /* store_code_hash of the ticket's code ([qr] mode = export), NULL
     * without one: the code itself is never a key (store.h says why). */
    " code_hash BLOB) WITHOUT ROWID;"
    /* seq is assigned by us (last + 1) because it is hashed into the chain. */
    "CREATE TABLE IF NOT EXISTS scan_event ("
    " seq INTEGER PRIMARY KEY,"
    " at_ms INTEGER NOT NULL,"
    " kiosk TEXT NOT NULL,"
    " method TEXT NOT NULL,"
    " outcome TEXT NOT NULL,"
    " attendee TEXT,"
    " day INTEGER,"
    " detail TEXT,"
    " prev_hash BLOB NOT NULL,"
    " hash BLOB NOT NULL);"
    /* The database itself refuses a second check-in for one person and day,
     * whatever a buggy or concurrent writer does. */
    "CREATE UNIQUE INDEX IF NOT EXISTS scan_event_one_checkin_a_day"
    " ON scan_event(attendee, day) WHERE outcome = 'checked_in';"
    /* Nothing reads the log by (attendee, day) but for the counted
     * check-in, which the index above answers: one index less to write at
     * every scan (older stores had it). */
    "DROP INDEX IF EXISTS scan_event_by_attendee_day;"
    "CREATE TABLE IF NOT EXISTS badge_print ("
    " id INTEGER PRIMARY KEY,"
    " attendee TEXT NOT NULL REFERENCES attendee(id),"
    " at_ms INTEGER NOT NULL,"
    " kiosk TEXT NOT NULL,"
    " serial TEXT NOT NULL UNIQUE,"
    " reason TEXT,"
    /* store_badge_status_code's texts; test_store checks they agree. */
    " status TEXT NOT NULL"
    "  CHECK (status IN ('pending', 'submitted', 'printed', 'cancelled')),"
    " printer TEXT,"
    " job INTEGER NOT NULL DEFAULT 0,"
    " detail TEXT,"
    " updated_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS badge_print_by_attendee ON badge_print(attendee, status);"
    /* The payload each person was mailed, so any kiosk can put it on a badge. */
    "CREATE TABLE IF NOT EXISTS token ("
    " attendee TEXT PRIMARY KEY NOT NULL REFERENCES attendee(id),"
    " payload TEXT NOT NULL) WITHOUT ROWID;"
    /* Each kiosk's newest heartbeat (store.h): a state, replaced each time.
     * Older badgekiosks ignore the table, so it needs no new version. */
    "CREATE TABLE IF NOT EXISTS kiosk_heartbeat ("
    " kiosk TEXT PRIMARY KEY NOT NULL,"
    " at_ms INTEGER NOT NULL,"
    " received_ms INTEGER NOT NULL,"
    " waiting INTEGER NOT NULL,"
    " last_scan_ms INTEGER NOT NULL,"
    " printer_state TEXT NOT NULL,"
    " printer_reasons TEXT NOT NULL,"
    " badges_pending INTEGER NOT NULL,"
    " camera TEXT NOT NULL,"
    " corrections INTEGER NOT NULL,"
    " correction_ids TEXT NOT NULL) WITHOUT ROWID;";

/* Version 2 added the validity days and the code hash to attendee; a
 * version 1 store gains them here, empty. */
static const char *const migrate_v1_sql =
    "ALTER TABLE attendee ADD COLUMN valid_from TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE attendee ADD COLUMN valid_until TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE attendee ADD COLUMN code_hash BLOB;";

/* After any migration, since it names a column version 1 lacked. A code
 * belongs to one ticket: the database refuses a second. */
static const char *const code_index_sql =
    "CREATE UNIQUE INDEX IF NOT EXISTS attendee_by_code_hash ON attendee(code_hash)"
    " WHERE code_hash IS NOT NULL;";

/* Creates or checks the schema in one transaction, so two processes opening
 * a new file at once cannot both write version 1 half-way. */
static enum bk_status ensure_schema(struct sqlite_store *q, struct bk_err *err)
{
    sqlite3 *db = q->db;
    sqlite3_stmt *st = NULL;
    int rc = sq_exec(db, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return sq_db_error(q, rc, err);
    rc =
        sq_exec(db, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY NOT NULL, value NOT NULL)");
    if (rc != SQLITE_OK)
        goto fail;
    rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &st,
                            NULL);
    if (rc != SQLITE_OK)
        goto fail;
    rc = sqlite3_step(st);
    bool migrate_v1 = false;
    if (rc == SQLITE_ROW) {
        sqlite3_int64 version = sqlite3_column_int64(st, 0);
        migrate_v1 = version == 1;
        sqlite3_finalize(st);
        st = NULL;
        if (version > SCHEMA_VERSION) {
            sq_rollback(db);
            return bk_err_set(err, BK_ERR_STORE, q->path, 0, NULL,
                              _("the store was written by a newer badgekiosk (store version %lld; "
                                "this one reads up to version %d): install the newer badgekiosk"),
                              (long long)version, SCHEMA_VERSION);
        }
        if (version < 1) {
            sq_rollback(db);
            return bk_err_set(err, BK_ERR_STORE, q->path, 0, NULL,
                              _("the store has an unknown version: restore it from a backup"));
        }
    } else if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        st = NULL;
        rc = sq_exec(db, "INSERT INTO meta(key, value) VALUES ('schema_version', 2)");
        if (rc != SQLITE_OK)
            goto fail;
    } else {
        goto fail;
    }
    rc = sq_exec(db, schema_sql);
    if (rc == SQLITE_OK && migrate_v1)
        rc = sq_exec(db, migrate_v1_sql);
    if (rc == SQLITE_OK && migrate_v1)
        rc = sq_exec(db, "UPDATE meta SET value = 2 WHERE key = 'schema_version'");
    if (rc == SQLITE_OK)
        rc = sq_exec(db, code_index_sql);
    if (rc != SQLITE_OK)
        goto fail;
    rc = sq_exec(db, "COMMIT");
    if (rc != SQLITE_OK)
        goto fail;
    return BK_OK;
fail:;
    enum bk_status s = sq_db_error(q, rc, err);
    sqlite3_finalize(st);
    sq_rollback(db);
    return s;
}

/* Checkpoints in the quiet between two commits.
 *
 * SQLite's automatic checkpoint runs inside the commit that crosses its
 * bound: that commit copies about a thousand pages into the database file
 * and syncs it before it returns, so one check-in in eighty waits for it.
 * Here the commit's WAL hook wakes a thread that runs the checkpoint on a
 * connection of its own (a PASSIVE one: it never waits for this
 * connection's readers or writers). Durability does not change: a commit
 * still syncs the WAL as before, and a checkpoint only copies what the WAL
 * holds, syncing the WAL first and the database after.
 *
 * The pass waits for the file to be quiet (CHECKPOINT_QUIET_MS): its
 * database sync is the largest write the store makes, and on one disk it
 * slows every commit that runs beside it. A kiosk is quiet between two
 * people, so there the pass costs nobody and no commit checkpoints. A
 * stream of commits with no quiet in it (a benchmark flat out) reaches
 * CHECKPOINT_SELF_FRAMES and checkpoints in the commit, as SQLite would:
 * measured flat out (bench/shared, one kiosk, three runs each), a thread
 * checkpointing beside the commits moved the median check-in from 2.9-3.1x
 * a bare server INSERT to 3.2-3.4x, and letting the WAL grow until a quiet
 * moment to 3.3-3.5x (each commit then lengthens the file, and its sync
 * must write the file's new size too). */
struct sq_checkpointer {
    pthread_mutex_t mu;
    pthread_cond_t wake; /* to the thread: a pass is wanted, or stop */
    pthread_cond_t idle; /* from the thread: a pass ended */
    pthread_t thread;
    char *path; /* owned: the database's full name, for the thread's connection */
    char *wal;  /* owned: its WAL's name, whose changes say the file is not quiet */
    bool wanted, running, stop;
    struct sq_checkpoint_stats stats; /* by_commits excepted: the committing thread's */
};

/* Runs one PASSIVE checkpoint on the thread's connection, opening it when
 * there is none (or the last pass lost it). Returns an SQLite code, with
 * its words in words when it failed (the connection is then closed, so the
 * next pass starts afresh). */
static int checkpoint_pass(struct sq_checkpointer *c, sqlite3 **db, char *words, size_t cap)
{
    int rc = SQLITE_OK;
    if (!*db) {
        rc = sqlite3_open_v2(c->path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_busy_timeout(*db, CHECKPOINT_BUSY_MS);
            /* The checkpoint syncs the WAL before it copies and the database
             * after; a first read puts the new connection into WAL mode,
             * without which a checkpoint finds no WAL to copy. */
            rc = sq_exec(*db, "PRAGMA synchronous=FULL; PRAGMA schema_version");
        }
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_wal_checkpoint_v2(*db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    /* BUSY: another connection is checkpointing; what it leaves is the next
     * pass's. */
    if (rc == SQLITE_OK || rc == SQLITE_BUSY)
        return SQLITE_OK;
    snprintf(words, cap, "%s", *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
    sqlite3_close_v2(*db);
    *db = NULL;
    return rc;
}

/* How long the WAL has been unchanged, in ms; a WAL that is not there (or
 * changed "in the future": the clock was set back) counts as quiet. */
static int64_t quiet_ms(const char *wal)
{
    struct stat st;
    if (stat(wal, &st) != 0)
        return CHECKPOINT_QUIET_MS;
    int64_t changed = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    int64_t ms = clock_wall_ms() - changed;
    return ms < 0 ? CHECKPOINT_QUIET_MS : ms;
}

/* Waits, with c->mu held, until the file has been quiet long enough or the
 * thread is told to stop, looking again when the quiet it saw would end. */
static void wait_for_quiet(struct sq_checkpointer *c)
{
    for (;;) {
        int64_t quiet = quiet_ms(c->wal);
        if (c->stop || quiet >= CHECKPOINT_QUIET_MS)
            return;
        struct timespec until = clock_deadline_in(CHECKPOINT_QUIET_MS - quiet);
        pthread_cond_timedwait(&c->wake, &c->mu, &until);
    }
}

static void *checkpointer_main(void *arg)
{
    struct sq_checkpointer *c = arg;
    sqlite3 *db = NULL;
    char words[sizeof c->stats.last_error];
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->wanted && !c->stop)
            pthread_cond_wait(&c->wake, &c->mu);
        wait_for_quiet(c);
        if (c->stop)
            break;
        c->wanted = false;
        c->running = true;
        pthread_mutex_unlock(&c->mu);
        int rc = checkpoint_pass(c, &db, words, sizeof words);
        pthread_mutex_lock(&c->mu);
        c->running = false;
        c->stats.passes++;
        /* Not fatal: the next wake tries again. Kept, not printed, for
         * whoever asks (sq_checkpoint_wait). */
        if (rc != SQLITE_OK) {
            c->stats.failures++;
            c->stats.last_rc = rc;
            snprintf(c->stats.last_error, sizeof c->stats.last_error, "%s", words);
        }
        pthread_cond_broadcast(&c->idle);
    }
    pthread_mutex_unlock(&c->mu);
    /* Before the store's own connection closes (sq_close joins first), so
     * this one is never the last: the WAL stays, for journal_sync_start's
     * descriptor too. */
    sqlite3_close_v2(db);
    return NULL;
}

/* A checkpointer whose thread is not running (never started, or joined). */
static void checkpointer_free(struct sq_checkpointer *c)
{
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->wake);
    pthread_cond_destroy(&c->idle);
    free(c->wal);
    free(c->path);
    free(c);
}

/* The checkpointer of q's connection, started the first time a commit
 * crosses the bound: a badgectl command that writes little never starts
 * it. NULL when no thread can be started. */
static struct sq_checkpointer *checkpointer_start(struct sqlite_store *q)
{
    const char *path = sqlite3_db_filename(q->db, "main");
    if (!path || !*path)
        return NULL;
    struct sq_checkpointer *c = xcalloc(1, sizeof *c);
    c->path = xstrdup(path);
    c->wal = xasprintf("%s-wal", path);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->wake, NULL);
    pthread_cond_init(&c->idle, NULL);
    /* Signals stay with the process's own threads (the kiosk's SIGTERM). */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&c->thread, NULL, checkpointer_main, c);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        checkpointer_free(c);
        return NULL;
    }
    return c;
}

static void checkpointer_stop(struct sq_checkpointer *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    checkpointer_free(c);
}

/* Wakes q's checkpointer, starting it the first time (no thread, no
 * wake: the commits then checkpoint at SQLite's own bound). */
static void checkpointer_wake(struct sqlite_store *q)
{
    if (!q->checkpointer && !q->checkpointer_failed) {
        q->checkpointer = checkpointer_start(q);
        q->checkpointer_failed = !q->checkpointer;
    }
    struct sq_checkpointer *c = q->checkpointer;
    if (!c)
        return;
    /* Once: a thread waiting for quiet looks at the file by itself, and a
     * wake at every commit of a stream would cost each of them a switch. */
    pthread_mutex_lock(&c->mu);
    if (!c->wanted) {
        c->wanted = true;
        pthread_cond_signal(&c->wake);
    }
    pthread_mutex_unlock(&c->mu);
}

/* The connection's WAL hook, called after each commit with the frames the
 * WAL holds; it replaces SQLite's automatic checkpoint. */
static int wal_committed(void *arg, sqlite3 *db, const char *schema, int frames)
{
    struct sqlite_store *q = arg;
    if (frames < CHECKPOINT_FRAMES)
        return SQLITE_OK;
    checkpointer_wake(q);
    if (frames < CHECKPOINT_SELF_FRAMES)
        return SQLITE_OK;
    q->checkpoints_by_commits++;
    /* As SQLite's own would: a failure is the next commit's to retry, and
     * the commit has happened whatever this returns. */
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

void sq_checkpoint_wait(struct sqlite_store *q, struct sq_checkpoint_stats *stats)
{
    struct sq_checkpointer *c = q->checkpointer;
    *stats = (struct sq_checkpoint_stats){0};
    if (c) {
        pthread_mutex_lock(&c->mu);
        while (c->wanted || c->running)
            pthread_cond_wait(&c->idle, &c->mu);
        *stats = c->stats;
        pthread_mutex_unlock(&c->mu);
        stats->started = true;
    }
    stats->by_commits = q->checkpoints_by_commits;
}

static void sq_close(void *impl)
{
    struct sqlite_store *q = impl;
    if (!q)
        return;
    checkpointer_stop(q->checkpointer);
    for (size_t i = 0; i < q->n_kept; i++) {
        sqlite3_finalize(q->kept[i].st);
        free(q->kept[i].sql);
    }
    /* sqlite3_close_v2 checkpoints and removes the WAL when it is the last
     * connection; statements are always finalized before we get here. */
    sqlite3_close_v2(q->db);
    free(q);
}

static enum bk_status sq_open(const struct store_options *o, void **impl, struct bk_err *err)
{
    const char *path = o->path;
    bool create = o->create;
    *impl = NULL;
    enum bk_status s = BK_OK;
    struct stat info;
    if (create)
        s = create_private_file(path, err);
    else if (stat(path, &info) != 0 && errno == ENOENT)
        /* Only import makes a store: a mistyped path must not become a new,
         * empty one that answers "0 registered". */
        return bk_err_set(err, BK_ERR_NOT_FOUND, path, 0, NULL,
                          _("there is no store at %s: check the path (only 'badgectl import' "
                            "creates a store)"),
                          path);
    if (stat(path, &info) == 0 && S_ISDIR(info.st_mode))
        return bk_err_set(err, BK_ERR_INVALID, path, 0, NULL,
                          _("is a folder, not a store file: give the store's file"));
    if (s != BK_OK)
        return s;
    struct sqlite_store *q = xcalloc(1, sizeof *q);
    q->path = path;
    int rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    /* SQLite quietly falls back to read-only when the file is not writable;
     * a store that cannot record a scan must not pretend to work. */
    if (sqlite3_db_readonly(q->db, "main") == 1) {
        rc = SQLITE_READONLY;
        goto fail;
    }
    sqlite3_busy_timeout(q->db, SQ_BUSY_TIMEOUT_MS);

    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(q->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        bool wal = strcasecmp(sq_col_text(st, 0), "wal") == 0;
        sqlite3_finalize(st);
        if (!wal) {
            sq_close(q);
            return bk_err_set(err, BK_ERR_STORE, path, 0, NULL,
                              _("the store cannot use write-ahead logging: keep it on a local "
                                "disk"));
        }
    } else {
        /* The first read of the file happens here, so this is where a file
         * that is not a database or is damaged shows up. */
        sqlite3_finalize(st);
        goto fail;
    }
    /* Checkpoints run on their own thread (wal_committed); the hook
     * replaces the automatic one, which is turned off first so that it
     * cannot come back in the hook's place. */
    sqlite3_wal_autocheckpoint(q->db, 0);
    sqlite3_wal_hook(q->db, wal_committed, q);
    rc = sq_exec(q->db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON");
    if (rc != SQLITE_OK)
        goto fail;
    s = ensure_schema(q, err);
    if (s != BK_OK) {
        sq_close(q);
        return s;
    }
    *impl = q;
    return BK_OK;
fail:
    s = sq_db_error(q, rc, err);
    sq_close(q);
    return s;
}

/* The attendee columns in importplan's order, used by every statement below. */
#define ATTENDEE_COLUMNS                                                                           \
    "id, title, first_name, last_name, badge_name, organization, country, category, events, "      \
    "email, language, valid_from, valid_until, status, code_hash"
#define N_TEXT_FIELDS IMPORTPLAN_TEXT_FIELDS /* id .. valid_until */
#define COL_STATUS N_TEXT_FIELDS
#define COL_CODE_HASH (N_TEXT_FIELDS + 1)

/* Binds ?1..?13 to the fields, ?14 to the status, ?15 to the code hash
 * (NULL when hash is) and ?16 to now_ms. */
static int bind_attendee(sqlite3_stmt *st, const struct attendee *a, const unsigned char *hash,
                         int64_t now_ms)
{
    const char *f[N_TEXT_FIELDS];
    importplan_fields(a, f);
    int rc = SQLITE_OK;
    for (int i = 0; i < N_TEXT_FIELDS && rc == SQLITE_OK; i++)
        rc = sqlite3_bind_text(st, i + 1, f[i], -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 14, importplan_status_code(a->status), -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = hash ? sqlite3_bind_blob(st, 15, hash, STORE_HASH_BYTES, SQLITE_STATIC)
                  : sqlite3_bind_null(st, 15);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 16, now_ms);
    return rc;
}

/* Runs a statement that returns no rows, leaving it ready for the next use. */
int sq_step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void sq_fill_attendee(sqlite3_stmt *st, struct attendee *a)
{
    /* Borrowed from the statement: the callers hand these out as const. */
    char **f[N_TEXT_FIELDS] = {&a->id,         &a->title,        &a->first_name, &a->last_name,
                               &a->badge_name, &a->organization, &a->country,    &a->category,
                               &a->events,     &a->email,        &a->language,   &a->valid_from,
                               &a->valid_until};
    for (int i = 0; i < N_TEXT_FIELDS; i++)
        *f[i] = (char *)sq_col_text(st, i);
    a->status = strcmp(sq_col_text(st, COL_STATUS), "withdrawn") == 0 ? ATTENDEE_WITHDRAWN
                                                                   : ATTENDEE_CONFIRMED;
}

/* The code hash of the statement's row, or NULL when it has none. */
static const unsigned char *col_code_hash(sqlite3_stmt *st)
{
    return sqlite3_column_bytes(st, COL_CODE_HASH) == STORE_HASH_BYTES
               ? sqlite3_column_blob(st, COL_CODE_HASH)
               : NULL;
}

/* The read half: the table, in ID order (SQLite's BINARY order is strcmp's
 * byte order), merged with the sorted export by importplan. */
int sq_plan_merge(sqlite3 *db, struct import_plan *p)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT " ATTENDEE_COLUMNS " FROM attendee ORDER BY id", -1,
                                &st, NULL);
    while (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
            break;
        rc = SQLITE_OK;
        struct attendee row;
        sq_fill_attendee(st, &row);
        import_plan_row(p, &row, col_code_hash(st));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return rc;
    import_plan_end(p);
    return SQLITE_OK;
}

enum import_stmt { IMP_INSERT, IMP_UPDATE, IMP_WITHDRAW, IMP_TOKEN, IMP_N };

static const char *const import_sql[IMP_N] = {
    [IMP_INSERT] = "INSERT INTO attendee (" ATTENDEE_COLUMNS ", updated_at)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    [IMP_UPDATE] = "UPDATE attendee SET title = ?2, first_name = ?3, last_name = ?4,"
                   " badge_name = ?5, organization = ?6, country = ?7, category = ?8,"
                   " events = ?9, email = ?10, language = ?11, valid_from = ?12,"
                   " valid_until = ?13, status = ?14, code_hash = coalesce(?15, code_hash),"
                   " updated_at = ?16 WHERE id = ?1",
    [IMP_WITHDRAW] = "UPDATE attendee SET status = 'withdrawn', updated_at = ?2 WHERE id = ?1",
    /* A ticket's code is what its badge carries (store_get_token). */
    [IMP_TOKEN] = ("INSERT INTO token (attendee, payload) VALUES (?1, ?2) ON CONFLICT (attendee)"
                   " DO UPDATE SET payload = excluded.payload"),
};

/* The write half: carries out the plan with prepared statements. */
int sq_plan_apply(sqlite3 *db, const struct import_plan *p, int64_t now_ms)
{
    sqlite3_stmt *st[IMP_N] = {0};
    int rc = SQLITE_OK;
    for (int i = 0; i < IMP_N && rc == SQLITE_OK; i++)
        rc = sqlite3_prepare_v2(db, import_sql[i], -1, &st[i], NULL);
    for (size_t j = 0; j < p->n && rc == SQLITE_OK; j++) {
        if (p->action[j] == IMPORT_KEEP)
            continue;
        sqlite3_stmt *w = st[p->action[j] == IMPORT_ADD ? IMP_INSERT : IMP_UPDATE];
        rc = bind_attendee(w, p->sorted[j], import_plan_hash(p, j), now_ms);
        if (rc == SQLITE_OK)
            rc = sq_step_done(w);
        const char *code = import_plan_code(p, j);
        if (rc == SQLITE_OK && code) {
            rc = sqlite3_bind_text(st[IMP_TOKEN], 1, p->sorted[j]->id, -1, SQLITE_STATIC);
            if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st[IMP_TOKEN], 2, code, -1, SQLITE_STATIC);
            if (rc == SQLITE_OK)
                rc = sq_step_done(st[IMP_TOKEN]);
        }
    }
    for (size_t i = 0; i < p->n_withdraw && rc == SQLITE_OK; i++) {
        rc = sqlite3_bind_text(st[IMP_WITHDRAW], 1, p->withdraw[i], -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_int64(st[IMP_WITHDRAW], 2, now_ms);
        if (rc == SQLITE_OK)
            rc = sq_step_done(st[IMP_WITHDRAW]);
    }
    for (int i = 0; i < IMP_N; i++)
        sqlite3_finalize(st[i]);
    return rc;
}

static enum bk_status sq_import(void *impl, const struct roster *r,
                                const struct store_import_options *opt, int64_t now_ms,
                                struct store_import_summary *summary, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    struct import_plan plan;
    import_plan_start(&plan, r);
    /* IMMEDIATE: the table read for the plan cannot change before the
     * writes that follow from it. */
    int rc = sq_exec(q->db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = sq_plan_merge(q->db, &plan);
    bool apply = rc == SQLITE_OK && store_import_may_apply(opt, &plan.sum);
    if (apply)
        rc = sq_plan_apply(q->db, &plan, now_ms);
    if (apply && rc == SQLITE_OK)
        rc = sq_exec(q->db, "COMMIT");
    enum bk_status s = BK_OK;
    if (rc == SQLITE_OK) {
        if (!apply)
            sq_rollback(q->db);
        plan.sum.applied = apply;
        *summary = plan.sum;
        import_plan_report_withdrawn(&plan, opt);
    } else {
        s = sq_db_error(q, rc, err);
        sq_rollback(q->db);
    }
    import_plan_free(&plan);
    return s;
}

static enum bk_status sq_get_attendee(void *impl, const char *id, struct attendee *a,
                                      struct bk_err *err)
{
    struct sqlite_store *q = impl;
    sqlite3_stmt *st = NULL;
    /* Kept compiled: every scan reads its person. */
    int rc = sq_take(q, "SELECT " ATTENDEE_COLUMNS " FROM attendee WHERE id = ?1", &st);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    enum bk_status s = BK_OK;
    if (rc == SQLITE_ROW) {
        struct attendee borrowed;
        sq_fill_attendee(st, &borrowed);
        attendee_copy(a, &borrowed);
    } else if (rc == SQLITE_DONE) {
        s = bk_err_set(err, BK_ERR_NOT_FOUND, q->path, 0, "id",
                       _("nobody with ID %s is registered"), id);
    } else {
        s = sq_db_error(q, rc, err);
    }
    sq_give(q, st);
    return s;
}

/* The earliest checked_in event of attendee on day, when there is one. The
 * unique index makes it the only one. */
int sq_find_checkin(struct sqlite_store *q, const char *attendee, bk_day day, bool *found,
                    int64_t *at_ms)
{
    sqlite3_stmt *st = NULL;
    int rc = sq_take(q,
                     "SELECT at_ms FROM scan_event WHERE attendee = ?1 AND day = ?2"
                     " AND outcome = 'checked_in'",
                     &st);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, attendee, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, day);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        *at_ms = sqlite3_column_int64(st, 0);
    sq_give(q, st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The last record's seq and hash (0 and zeros for an empty log). */
int sq_read_chain_tail(struct sqlite_store *q, int64_t *seq, unsigned char hash[STORE_HASH_BYTES],
                       bool *damaged)
{
    sqlite3_stmt *st = NULL;
    *seq = 0;
    *damaged = false;
    memset(hash, 0, STORE_HASH_BYTES);
    int rc = sq_take(q, "SELECT seq, hash FROM scan_event ORDER BY seq DESC LIMIT 1", &st);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        const void *h = sqlite3_column_blob(st, 1);
        if (sqlite3_column_bytes(st, 1) == STORE_HASH_BYTES)
            memcpy(hash, h, STORE_HASH_BYTES);
        else
            *damaged = true;
    }
    sq_give(q, st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int sq_bind_optional_text(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

int sq_insert_event(struct sqlite_store *q, const struct store_event *ev)
{
    sqlite3_stmt *st = NULL;
    int rc = sq_take(q,
                     "INSERT INTO scan_event (seq, at_ms, kiosk, method, outcome,"
                     " attendee, day, detail, prev_hash, hash)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                     &st);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, ev->seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, ev->at_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 3, ev->kiosk, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 4, ev->method, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 5, ev->outcome, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sq_bind_optional_text(st, 6, ev->attendee);
    if (rc == SQLITE_OK)
        rc = ev->has_day ? sqlite3_bind_int64(st, 7, ev->day) : sqlite3_bind_null(st, 7);
    if (rc == SQLITE_OK)
        rc = sq_bind_optional_text(st, 8, ev->detail);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, 9, ev->prev_hash, (int)ev->prev_hash_len, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, 10, ev->hash, (int)ev->hash_len, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sq_step_done(st);
    sq_give(q, st);
    return rc;
}

/* True in *has when attendee has a badge row whose status is (or, without
 * equal, is not) status. */
static int badge_with_status(struct sqlite_store *q, const char *attendee, bool equal,
                             enum store_badge_status status, bool *has)
{
    sqlite3_stmt *st = NULL;
    int rc = sq_take(q,
                     equal ? "SELECT EXISTS (SELECT 1 FROM badge_print"
                             " WHERE attendee = ?1 AND status = ?2)"
                           : "SELECT EXISTS (SELECT 1 FROM badge_print"
                             " WHERE attendee = ?1 AND status <> ?2)",
                     &st);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, attendee, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, store_badge_status_code(status), -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *has = sqlite3_column_int(st, 0) != 0;
    sq_give(q, st);
    return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* True in *has when attendee has a badge row printed, pending or submitted:
 * then no badge is owed. */
int sq_has_live_badge(struct sqlite_store *q, const char *attendee, bool *has)
{
    return badge_with_status(q, attendee, false, STORE_BADGE_CANCELLED, has);
}

static enum bk_status sq_append(void *impl, struct store_append *a, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    sqlite3 *db = q->db;
    const struct store_scan *scan = a->scan;
    /* IMMEDIATE takes the write lock now, so nobody can append between our
     * reading the tail (or the earlier check-in, or the badges) and our
     * insert. */
    int rc = sq_exec_kept(q, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK)
        return sq_db_error(q, rc, err);

    bool found = false;
    int64_t first = 0;
    if (a->check_first)
        rc = sq_find_checkin(q, scan->attendee, scan->day, &found, &first);

    int64_t last_seq = 0;
    unsigned char prev[STORE_HASH_BYTES];
    bool damaged = false;
    if (rc == SQLITE_OK)
        rc = sq_read_chain_tail(q, &last_seq, prev, &damaged);
    if (rc == SQLITE_OK && damaged) {
        sq_rollback(db);
        return bk_err_set(err, BK_ERR_STORE, q->path, 0, NULL,
                          _("the last event log record is damaged, so no more scans can be "
                            "added: restore the store from a backup"));
    }

    struct store_event ev = {
        .seq = last_seq + 1,
        .at_ms = scan->at_ms,
        .kiosk = scan->kiosk,
        .method = scan->method,
        .outcome = !a->check_first ? scan->outcome
                   : found         ? "already_checked_in"
                                   : "checked_in",
        .attendee = scan->attendee,
        .day = scan->has_day ? scan->day : 0,
        .has_day = scan->has_day,
        .detail = scan->detail,
        .prev_hash = prev,
        .prev_hash_len = sizeof prev,
        .hash = a->hash,
        .hash_len = sizeof a->hash,
    };
    if (rc == SQLITE_OK) {
        store_event_hash(&ev, a->hash);
        rc = sq_insert_event(q, &ev);
    }
    /* The badge this check-in owes, in the same transaction: it cannot be
     * lost between the check-in and the printer. */
    bool has_badge = true;
    a->owed_id = 0;
    if (rc == SQLITE_OK && a->check_first && a->owed_serial)
        rc = sq_has_live_badge(q, scan->attendee, &has_badge);
    if (rc == SQLITE_OK && !has_badge) {
        struct store_badge owed = {.attendee = scan->attendee,
                                   .at_ms = scan->at_ms,
                                   .kiosk = scan->kiosk,
                                   .serial = a->owed_serial,
                                   .status = STORE_BADGE_PENDING,
                                   .updated_ms = scan->at_ms};
        rc = sq_badge_insert(q, &owed);
        if (rc == SQLITE_OK)
            a->owed_id = sqlite3_last_insert_rowid(db);
        else if (rc == SQLITE_CONSTRAINT_UNIQUE) {
            sq_rollback(db);
            return bk_err_set(err, BK_ERR_EXISTS, q->path, 0, NULL,
                              _("badge serial %s is taken: nothing was recorded"),
                              a->owed_serial);
        }
    }
    /* With synchronous=FULL in WAL mode, COMMIT returns after the fsync. */
    if (rc == SQLITE_OK)
        rc = sq_exec_kept(q, "COMMIT");
    if (rc != SQLITE_OK) {
        enum bk_status s = sq_db_error(q, rc, err);
        sq_rollback(db);
        a->owed_id = 0;
        return s;
    }
    a->seq = ev.seq;
    a->already = found;
    a->first_at_ms = found ? first : 0;
    return BK_OK;
}

static enum bk_status sq_head(void *impl, struct store_head *head, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    bool damaged = false;
    int rc = sq_read_chain_tail(q, &head->seq, head->hash, &damaged);
    if (rc != SQLITE_OK)
        return sq_db_error(q, rc, err);
    if (damaged)
        return bk_err_set(err, BK_ERR_STORE, q->path, 0, NULL,
                          _("the last event log record is damaged: restore the store from a "
                            "backup"));
    return BK_OK;
}

static enum bk_status sq_badge_printed(void *impl, const char *id, bool *printed,
                                       struct bk_err *err)
{
    struct sqlite_store *q = impl;
    int rc = badge_with_status(q, id, true, STORE_BADGE_PRINTED, printed);
    return rc == SQLITE_OK ? BK_OK : sq_db_error(q, rc, err);
}

/* Runs a query (param, when not NULL, bound to ?1) and hands each row to
 * row(), which returns non-zero to stop.
 * One statement is one read snapshot, so a walk sees a consistent log even
 * while other processes append. */
static enum bk_status walk_sql(struct sqlite_store *q, bool keep, const char *sql,
                               const char *param, int (*row)(sqlite3_stmt *st, void *arg),
                               void *arg, struct bk_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = keep ? sq_take(q, sql, &st) : sqlite3_prepare_v2(q->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && param)
        rc = sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && row(st, arg))
            rc = SQLITE_DONE;
    }
    enum bk_status s = rc == SQLITE_DONE ? BK_OK : sq_db_error(q, rc, err);
    sq_give(q, st);
    return s;
}

enum bk_status sq_walk_with(struct sqlite_store *q, const char *sql, const char *param,
                            int (*row)(sqlite3_stmt *st, void *arg), void *arg,
                            struct bk_err *err)
{
    return walk_sql(q, false, sql, param, row, arg, err);
}

enum bk_status sq_walk_kept(struct sqlite_store *q, const char *sql, const char *param,
                            int (*row)(sqlite3_stmt *st, void *arg), void *arg,
                            struct bk_err *err)
{
    return walk_sql(q, true, sql, param, row, arg, err);
}

static enum bk_status walk(struct sqlite_store *q, const char *sql,
                           int (*row)(sqlite3_stmt *st, void *arg), void *arg, struct bk_err *err)
{
    return sq_walk_with(q, sql, NULL, row, arg, err);
}

int sq_scan_row(sqlite3_stmt *st, void *arg)
{
    struct sq_scan_walk *w = arg;
    struct store_event ev = {
        .seq = sqlite3_column_int64(st, 0),
        .at_ms = sqlite3_column_int64(st, 1),
        .kiosk = sq_col_text(st, 2),
        .method = sq_col_text(st, 3),
        .outcome = sq_col_text(st, 4),
        .attendee = sq_col_text_or_null(st, 5),
        .has_day = sqlite3_column_type(st, 6) != SQLITE_NULL,
        .day = (bk_day)sqlite3_column_int64(st, 6),
        .detail = sq_col_text_or_null(st, 7),
    };
    ev.prev_hash = sqlite3_column_blob(st, 8);
    ev.prev_hash_len = (size_t)sqlite3_column_bytes(st, 8);
    ev.hash = sqlite3_column_blob(st, 9);
    ev.hash_len = (size_t)sqlite3_column_bytes(st, 9);
    if (sqlite3_column_count(st) > 10)
        ev.offline = sqlite3_column_int(st, 10) != 0;
    return w->fn(w->ctx, &ev);
}

static enum bk_status sq_foreach_scan(void *impl,
                                      int (*fn)(void *ctx, const struct store_event *ev), void *ctx,
                                      struct bk_err *err)
{
    struct sq_scan_walk w = {fn, ctx};
    return walk(impl,
                "SELECT " SQ_SCAN_COLUMNS " FROM scan_event ORDER BY seq",
                sq_scan_row, &w, err);
}

struct attendee_walk {
    int (*fn)(void *ctx, const struct attendee *a);
    void *ctx;
};

static int attendee_row(sqlite3_stmt *st, void *arg)
{
    struct attendee_walk *w = arg;
    struct attendee a;
    sq_fill_attendee(st, &a);
    return w->fn(w->ctx, &a);
}

static enum bk_status sq_foreach_attendee(void *impl,
                                          int (*fn)(void *ctx, const struct attendee *a), void *ctx,
                                          struct bk_err *err)
{
    struct attendee_walk w = {fn, ctx};
    return walk(impl, "SELECT " ATTENDEE_COLUMNS " FROM attendee ORDER BY id", attendee_row, &w,
                err);
}

struct attendance_walk {
    int (*fn)(void *ctx, const char *attendee, bk_day day, int64_t first_at_ms);
    void *ctx;
};

static int attendance_row(sqlite3_stmt *st, void *arg)
{
    struct attendance_walk *w = arg;
    return w->fn(w->ctx, sq_col_text(st, 0), (bk_day)sqlite3_column_int64(st, 1),
                 sqlite3_column_int64(st, 2));
}

static enum bk_status sq_foreach_attendance(void *impl,
                                            int (*fn)(void *ctx, const char *attendee, bk_day day,
                                                      int64_t first_at_ms),
                                            void *ctx, struct bk_err *err)
{
    struct attendance_walk w = {fn, ctx};
    /* One checked_in event per person and day (the unique index), and it is
     * the first scan that day by definition. */
    return walk(impl,
                "SELECT attendee, day, at_ms FROM scan_event WHERE outcome = 'checked_in'"
                " ORDER BY day, at_ms, seq",
                attendance_row, &w, err);
}

static int count_row(sqlite3_stmt *st, void *arg)
{
    *(size_t *)arg = (size_t)sqlite3_column_int64(st, 0);
    return 1;
}

static enum bk_status sq_count_attendees(void *impl, size_t *n, struct bk_err *err)
{
    return walk(impl, "SELECT count(*) FROM attendee", count_row, n, err);
}

static enum bk_status sq_count_scans(void *impl, size_t *n, struct bk_err *err)
{
    return walk(impl, "SELECT count(*) FROM scan_event", count_row, n, err);
}

/* Runs write(db, arg) in its own IMMEDIATE transaction; *changes (when
 * not NULL) receives the rows the last statement changed. */
static enum bk_status write_one(struct sqlite_store *q,
                                int (*write)(struct sqlite_store *q, void *arg), void *arg,
                                int *changes, struct bk_err *err)
{
    int rc = sq_exec_kept(q, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = write(q, arg);
    if (rc == SQLITE_OK && changes)
        *changes = sqlite3_changes(q->db);
    if (rc == SQLITE_OK)
        rc = sq_exec_kept(q, "COMMIT");
    if (rc != SQLITE_OK) {
        enum bk_status s = sq_db_error(q, rc, err);
        sq_rollback(q->db);
        return s;
    }
    return BK_OK;
}

int sq_badge_insert(struct sqlite_store *q, const struct store_badge *b)
{
    sqlite3_stmt *st = NULL;
    int rc = sq_take(q,
                     "INSERT INTO badge_print (id, attendee, at_ms, kiosk, serial, reason,"
                     " status, printer, job, detail, updated_ms)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                     &st);
    if (rc == SQLITE_OK)
        rc = b->id ? sqlite3_bind_int64(st, 1, b->id) : sqlite3_bind_null(st, 1);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, b->attendee, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 3, b->at_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 4, b->kiosk, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 5, b->serial, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sq_bind_optional_text(st, 6, b->reason);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 7, store_badge_status_code(b->status), -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sq_bind_optional_text(st, 8, b->printer);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(st, 9, b->job);
    if (rc == SQLITE_OK)
        rc = sq_bind_optional_text(st, 10, b->detail);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 11, b->updated_ms);
    if (rc == SQLITE_OK)
        rc = sq_step_done(st);
    /* The extended code tells a serial already used (the unique key) from
     * any other refused row. */
    if (rc == SQLITE_CONSTRAINT)
        rc = sqlite3_extended_errcode(q->db);
    sq_give(q, st);
    return rc;
}

static int badge_insert_one(struct sqlite_store *q, void *arg)
{
    return sq_badge_insert(q, arg);
}

static enum bk_status sq_badge_add(void *impl, const char *attendee, const char *serial,
                                   const char *reason, const char *kiosk, int64_t at_ms,
                                   int64_t *id, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    struct store_badge b = {.attendee = attendee,
                            .at_ms = at_ms,
                            .kiosk = kiosk,
                            .serial = serial,
                            .reason = reason,
                            .status = STORE_BADGE_PENDING,
                            .updated_ms = at_ms};
    enum bk_status s = write_one(q, badge_insert_one, &b, NULL, err);
    if (s == BK_OK && id)
        *id = sqlite3_last_insert_rowid(q->db);
    return s;
}

int sq_badge_change(sqlite3 *db, const struct sq_badge_change *c)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "UPDATE badge_print SET status = ?2,"
                                " printer = coalesce(?3, printer),"
                                " job = CASE WHEN ?4 = 0 THEN job ELSE ?4 END,"
                                " detail = CASE WHEN ?2 = 'printed' THEN ?5"
                                "  ELSE coalesce(?5, detail) END, updated_ms = ?6"
                                " WHERE id = ?1 AND (?7 IS NULL OR status = ?7)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, c->id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, store_badge_status_code(c->status), -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sq_bind_optional_text(st, 3, c->printer);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(st, 4, c->job);
    if (rc == SQLITE_OK)
        rc = sq_bind_optional_text(st, 5, c->detail);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 6, c->at_ms);
    if (rc == SQLITE_OK)
        rc = sq_bind_optional_text(
            st, 7, c->expect == STORE_BADGE_ANY ? NULL : store_badge_status_code(c->expect));
    if (rc == SQLITE_OK)
        rc = sq_step_done(st);
    sqlite3_finalize(st);
    return rc;
}

static int badge_change_one(struct sqlite_store *q, void *arg)
{
    return sq_badge_change(q->db, arg);
}

enum bk_status sq_badge_moved_on(const struct sqlite_store *q, int64_t id,
                                 enum store_badge_status expect, struct bk_err *err)
{
    return bk_err_set(err, BK_ERR_BUSY, q->path, 0, NULL,
                      _("badge %lld is no longer %s: another kiosk or the desk is handling it"),
                      (long long)id,
                      expect == STORE_BADGE_ANY ? "there" : store_badge_status_code(expect));
}

static enum bk_status sq_badge_update(void *impl, int64_t id, enum store_badge_status expect,
                                      enum store_badge_status status, const char *printer, int job,
                                      const char *detail, int64_t at_ms, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    struct sq_badge_change c = {id, expect, status, printer, job, detail, at_ms};
    int changes = 0;
    enum bk_status s = write_one(q, badge_change_one, &c, &changes, err);
    if (s == BK_OK && changes == 0)
        return sq_badge_moved_on(q, id, expect, err);
    return s;
}

int sq_badge_row(sqlite3_stmt *st, void *arg)
{
    struct sq_badge_walk *w = arg;
    struct store_badge b = {
        .id = sqlite3_column_int64(st, 0),
        .attendee = sq_col_text(st, 1),
        .at_ms = sqlite3_column_int64(st, 2),
        .kiosk = sq_col_text(st, 3),
        .serial = sq_col_text(st, 4),
        .reason = sq_col_text_or_null(st, 5),
        .printer = sq_col_text_or_null(st, 7),
        .job = sqlite3_column_int(st, 8),
        .detail = sq_col_text_or_null(st, 9),
        .updated_ms = sqlite3_column_int64(st, 10),
    };
    /* The schema's CHECK allows only the codes; a row that holds anything
     * else was written around it, and no rule can be applied to it. */
    if (!store_badge_status_from_code(sq_col_text(st, 6), &b.status)) {
        w->bad_id = b.id;
        snprintf(w->bad_text, sizeof w->bad_text, "%s", sq_col_text(st, 6));
        w->bad = true;
        return 1;
    }
    return w->fn(w->ctx, &b);
}

enum bk_status sq_walk_badges(struct sqlite_store *q, const char *sql, const char *attendee,
                              int (*fn)(void *ctx, const struct store_badge *b), void *ctx,
                              struct bk_err *err)
{
    struct sq_badge_walk w = {fn, ctx, false, 0, ""};
    enum bk_status s = sq_walk_with(q, sql, attendee, sq_badge_row, &w, err);
    if (s == BK_OK && w.bad)
        return bk_err_set(err, BK_ERR_STORE, q->path, 0, NULL,
                          _("badge %lld has the unknown status '%s': the store was changed by "
                            "another program"),
                          (long long)w.bad_id, w.bad_text);
    return s;
}

static enum bk_status sq_foreach_badge(void *impl, const char *attendee,
                                       int (*fn)(void *ctx, const struct store_badge *b), void *ctx,
                                       struct bk_err *err)
{
    return sq_walk_badges(impl,
                          "SELECT " SQ_BADGE_COLUMNS " FROM badge_print"
                          " WHERE ?1 IS NULL OR attendee = ?1 ORDER BY id",
                          attendee, fn, ctx, err);
}

int sq_tokens_put(sqlite3 *db, size_t n, const char *const *attendees,
                  const char *const *payloads)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "INSERT INTO token (attendee, payload) VALUES (?1, ?2)"
                                " ON CONFLICT (attendee) DO UPDATE SET payload = excluded.payload",
                                -1, &st, NULL);
    for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
        rc = sqlite3_bind_text(st, 1, attendees[i], -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_text(st, 2, payloads[i], -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sq_step_done(st);
    }
    sqlite3_finalize(st);
    return rc;
}

struct tokens_arg {
    size_t n;
    const char *const *attendees, *const *payloads;
};

static int tokens_put_one(struct sqlite_store *q, void *arg)
{
    struct tokens_arg *t = arg;
    return sq_tokens_put(q->db, t->n, t->attendees, t->payloads);
}

static enum bk_status sq_set_tokens(void *impl, size_t n, const char *const *attendees,
                                    const char *const *payloads, struct bk_err *err)
{
    struct tokens_arg t = {n, attendees, payloads};
    return write_one(impl, tokens_put_one, &t, NULL, err);
}

static enum bk_status sq_get_token(void *impl, const char *attendee, char **payload,
                                   struct bk_err *err)
{
    struct sqlite_store *q = impl;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(q->db, "SELECT payload FROM token WHERE attendee = ?1", -1, &st,
                                NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, attendee, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    enum bk_status s = BK_OK;
    if (rc == SQLITE_ROW)
        *payload = xstrdup(sq_col_text(st, 0));
    else if (rc == SQLITE_DONE)
        s = bk_err_set(err, BK_ERR_NOT_FOUND, q->path, 0, "id",
                       _("no QR code was issued for %s: run badgectl issue (or token) on the "
                         "organiser's machine"),
                       attendee);
    else
        s = sq_db_error(q, rc, err);
    sqlite3_finalize(st);
    return s;
}

/* ---- heartbeats ---- */

/* The statement is kept (sq_take): a kiosk writes one every few seconds. */
static int heartbeat_put(struct sqlite_store *q, void *arg)
{
    const struct store_heartbeat *hb = arg;
    sqlite3_stmt *st = NULL;
    int rc = sq_take(q,
                     "INSERT OR REPLACE INTO kiosk_heartbeat (kiosk, at_ms, received_ms, waiting,"
                     " last_scan_ms, printer_state, printer_reasons, badges_pending, camera,"
                     " corrections, correction_ids)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                     &st);
    const char *texts[] = {hb->kiosk, hb->printer_state, hb->printer_reasons, hb->camera,
                           hb->correction_ids};
    const int text_at[] = {1, 6, 7, 9, 11};
    const int64_t ints[] = {hb->at_ms,        clock_wall_ms(),    hb->waiting,
                            hb->last_scan_ms, hb->badges_pending, hb->corrections};
    const int int_at[] = {2, 3, 4, 5, 8, 10};
    for (size_t i = 0; rc == SQLITE_OK && i < 5; i++)
        rc = sqlite3_bind_text(st, text_at[i], texts[i], -1, SQLITE_STATIC);
    for (size_t i = 0; rc == SQLITE_OK && i < 6; i++)
        rc = sqlite3_bind_int64(st, int_at[i], ints[i]);
    if (rc == SQLITE_OK)
        rc = sq_step_done(st);
    sq_give(q, st);
    return rc;
}

static enum bk_status sq_put_heartbeat(void *impl, const struct store_heartbeat *hb,
                                       struct bk_err *err)
{
    return write_one(impl, heartbeat_put, (void *)hb, NULL, err);
}

struct heartbeat_walk {
    int (*fn)(void *ctx, const struct store_heartbeat *hb);
    void *ctx;
    int64_t now_ms;
};

static int heartbeat_row(sqlite3_stmt *st, void *arg)
{
    struct heartbeat_walk *w = arg;
    struct store_heartbeat hb = {
        .kiosk = sq_col_text(st, 0),
        .at_ms = sqlite3_column_int64(st, 1),
        .received_ms = sqlite3_column_int64(st, 2),
        .waiting = sqlite3_column_int64(st, 3),
        .last_scan_ms = sqlite3_column_int64(st, 4),
        .printer_state = sq_col_text(st, 5),
        .printer_reasons = sq_col_text(st, 6),
        .badges_pending = sqlite3_column_int64(st, 7),
        .camera = sq_col_text(st, 8),
        .corrections = sqlite3_column_int64(st, 9),
        .correction_ids = sq_col_text(st, 10),
    };
    hb.age_ms = w->now_ms - hb.received_ms;
    return w->fn(w->ctx, &hb);
}

static enum bk_status sq_foreach_heartbeat(void *impl,
                                           int (*fn)(void *ctx, const struct store_heartbeat *hb),
                                           void *ctx, struct bk_err *err)
{
    struct heartbeat_walk w = {fn, ctx, clock_wall_ms()};
    return walk(impl,
                "SELECT kiosk, at_ms, received_ms, waiting, last_scan_ms, printer_state,"
                " printer_reasons, badges_pending, camera, corrections, correction_ids"
                " FROM kiosk_heartbeat"
                " ORDER BY kiosk",
                heartbeat_row, &w, err);
}

static enum bk_status sq_find_code(void *impl, const unsigned char hash[STORE_HASH_BYTES],
                                   char **id, struct bk_err *err)
{
    struct sqlite_store *q = impl;
    sqlite3_stmt *st = NULL;
    /* An equality lookup on the unique index: the B-tree compares hashes,
     * never the code itself (store.h). */
    int rc = sqlite3_prepare_v2(q->db, "SELECT id FROM attendee WHERE code_hash = ?1", -1, &st,
                                NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, 1, hash, STORE_HASH_BYTES, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    enum bk_status s = BK_OK;
    if (rc == SQLITE_ROW)
        *id = xstrdup(sq_col_text(st, 0));
    else if (rc == SQLITE_DONE)
        s = bk_err_set(err, BK_ERR_NOT_FOUND, q->path, 0, NULL,
                       _("no ticket in the attendee list has this code"));
    else
        s = sq_db_error(q, rc, err);
    sqlite3_finalize(st);
    return s;
}

struct code_walk {
    int (*fn)(void *ctx, const char *id, const unsigned char *hash);
    void *ctx;
};

static int code_row(sqlite3_stmt *st, void *arg)
{
    struct code_walk *w = arg;
    const unsigned char *hash = sqlite3_column_bytes(st, 1) == STORE_HASH_BYTES
                                    ? sqlite3_column_blob(st, 1)
                                    : NULL;
    return w->fn(w->ctx, sq_col_text(st, 0), hash);
}

static enum bk_status sq_foreach_code(void *impl,
                                      int (*fn)(void *ctx, const char *id,
                                                const unsigned char *hash),
                                      void *ctx, struct bk_err *err)
{
    struct code_walk w = {fn, ctx};
    return walk(impl, "SELECT id, code_hash FROM attendee ORDER BY id", code_row, &w, err);
}

const struct store_backend store_sqlite_backend = {
    .name = "sqlite",
    /* Beside the store file, like SQLite's -wal and -shm. */
    .witness_suffix = "-witness",
    .open = sq_open,
    .close = sq_close,
    .import = sq_import,
    .get_attendee = sq_get_attendee,
    .append = sq_append,
    .head = sq_head,
    .badge_printed = sq_badge_printed,
    .foreach_scan = sq_foreach_scan,
    .foreach_attendee = sq_foreach_attendee,
    .foreach_attendance = sq_foreach_attendance,
    .count_attendees = sq_count_attendees,
    .count_scans = sq_count_scans,
    .badge_add = sq_badge_add,
    .badge_update = sq_badge_update,
    .foreach_badge = sq_foreach_badge,
    .set_tokens = sq_set_tokens,
    .get_token = sq_get_token,
    .find_code = sq_find_code,
    .foreach_code = sq_foreach_code,
    .put_heartbeat = sq_put_heartbeat,
    .foreach_heartbeat = sq_foreach_heartbeat,
};
