/* store_replica: a machine's journal in front of the shared store.
 *
 * The engine behind store.h when a machine has both a server ([store] url)
 * and a journal ([kiosk] database). It composes the two other engines: the
 * SQLite engine keeps the journal (journal.h), the PostgreSQL engine talks
 * to the server (store_pg.h). Callers (checkin, flow, badgeplan) see one
 * store and never learn which of the two answered, except through
 * store_last_offline.
 *
 * An event (a scan, a check-in) is written to the journal before its
 * answer is shown, and given a key there: the journal's epoch and the
 * event's sequence number in it. Online, the server decides (its unique
 * index counts one check-in a day whatever every kiosk does) within the
 * bound; the event goes first into the journal as an intent, durable, then
 * to the server, then into the journal's log with the server's answer. A
 * crash in between leaves the intent, resolved at the next append by
 * sending it again (the server answers a key it holds from what it holds).
 * Offline (no answer in time, a waiting backlog, or a server the sync
 * thread knows is gone), the journal decides from what it knows (its own
 * events and the check-ins last pulled), and the event waits.
 *
 * Waiting events go to the server in order and exactly once (push): each is
 * sent under its key, so one whose commit happened but whose answer was lost
 * is answered "same" when sent again, and one sent again with other content
 * is set aside there, never dropped or overwritten. A machine's appends are
 * serialised by a lock file beside the journal (the seq and the previous
 * hash are read, then written after the server's answer); its replays by
 * another, so two processes never send the same backlog at once.
 *
 * Reads that decide at the door (a person's badges) ask the server when it
 * answers and the journal otherwise; the attendee list and tokens are read
 * from the journal, pulled from the server when it announces a change;
 * reports and the log (foreach_scan, attendance) need the server. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "store/journal.h"
#include "store/store_backend.h"
#include "store/store_pg.h"
#include "util/clock.h"
#include "util/i18n.h"
#include "util/xalloc.h"

/* Events sent to the server in one transaction when replaying. */
#define PUSH_BATCH 200
/* Badge rows and check-ins are pulled again this far back by change
 * number: a change whose number was taken before a later one's may commit
 * after it. */
#define PULL_OVERLAP 100
/* The sync thread pulls at least this often, and retries a gone server. */
#define WORKER_PULL_MS 5000
#define WORKER_RETRY_MS 1500
/* last_sync is written when it moves by this much, not at every round. */
#define LAST_SYNC_EVERY_MS 10000

/* One journal connection and one server engine: the caller's thread has
 * one, the sync thread another. */
struct link {
    void *j;   /* the journal (store_sqlite_backend's impl) */
    void *srv; /* the server (store_pg_backend's impl); NULL until reached */
    bool listening;
};

struct replica {
    const struct store_options *o; /* kept by struct store */
    struct link fg;
    char epoch[JOURNAL_EPOCH_LEN + 1];
    char source[128];
    char *append_lock, *push_lock; /* lock files beside the journal */
    bool last_offline;
    /* The sync thread (store_sync_start). */
    bool worker;
    pthread_t thread;
    atomic_bool stop;
    atomic_bool server_ok;          /* the thread reached the server and nothing waits */
    _Atomic int64_t server_ok_at;   /* when it last found so (monotonic ms) */
    int64_t fg_down_at;             /* when the caller's connection last failed (monotonic) */
    int wake[2];           /* a pipe: written to stop the thread */
};

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* ---- lock files ---- */

/* Takes an exclusive lock on path, waiting at most wait_ms (0: not at
 * all). The descriptor to unlock with, or -1 (*busy when held by another). */
static int lock_file(const char *path, int wait_ms, bool *busy)
{
    *busy = false;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int64_t until = clock_mono_ms() + wait_ms;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK || clock_mono_ms() >= until) {
            *busy = errno == EWOULDBLOCK;
            close(fd);
            return -1;
        }
        struct timespec pause = {0, 2 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return fd;
}

static void unlock_file(int fd)
{
    if (fd >= 0)
        close(fd); /* closing drops the flock */
}

/* ---- the server, and being offline ---- */

/* Notes that the server was not reached: since when, and why, in the
 * journal (the status line and badgectl sync --status read it there). */
static void note_offline(struct replica *r, struct link *l, const struct bk_err *why)
{
    int64_t since = 0;
    if (journal_get_int(l->j, "offline_since", &since, NULL) == BK_OK && !since)
        journal_set_int(l->j, "offline_since", clock_wall_ms(), NULL);
    if (why && why->msg[0]) {
        char old[sizeof why->msg];
        if (journal_get_text(l->j, "problem", old, sizeof old, NULL) == BK_OK &&
            strcmp(old, why->msg) != 0)
            journal_set_text(l->j, "problem", why->msg, NULL);
    }
    (void)r;
}

/* A server call failed: offline from here on (the connection holds down). */
static void went_offline(struct replica *r, const struct bk_err *why)
{
    r->fg_down_at = clock_mono_ms();
    note_offline(r, &r->fg, why);
}

/* Opens the server engine for l when needed and connects it. A journal
 * belongs to one shared store: the first server it reaches is written
 * into it, and any other is refused. */
static enum bk_status link_server(struct replica *r, struct link *l, struct bk_err *err)
{
    if (l->srv)
        return pgconn_connect(store_pg_conn(l->srv), err);
    void *srv = NULL;
    enum bk_status st = store_pg_backend.open(r->o, &srv, err);
    if (st != BK_OK)
        return st;
    char known[64];
    st = journal_get_text(l->j, "store_id", known, sizeof known, err);
    const char *id = store_pg_store_id(srv);
    if (st == BK_OK && !known[0]) {
        st = journal_set_text(l->j, "store_id", id, err);
        if (st == BK_OK)
            st = journal_set_text(l->j, "server", pgconn_where(store_pg_conn(srv)), err);
    } else if (st == BK_OK && strcmp(known, id) != 0) {
        char where[256];
        journal_get_text(l->j, "server", where, sizeof where, NULL);
        st = bk_err_set(err, BK_ERR_STORE, r->o->path, 0, NULL,
                        _("this machine's journal belongs to another shared store (it was made "
                          "with the one at %s), so its events must not go to %s: move the journal "
                          "file away (a new one is made), or point [store] url back at that "
                          "store"),
                        where[0] ? where : "?", pgconn_where(store_pg_conn(srv)));
    }
    if (st != BK_OK) {
        store_pg_backend.close(srv);
        return st;
    }
    l->srv = srv;
    l->listening = false;
    return BK_OK;
}

static enum bk_status push(struct replica *r, struct link *l, int wait_ms, struct bk_err *err);

/* May the caller's thread ask the server now? Only when it answers, and
 * when nothing of this machine waits (a new event must not overtake the
 * ones before it). With a sync thread, a server it knows is gone is not
 * tried at all (the answer comes from the journal at once) and a backlog
 * is its to send; without one, the backlog is sent here first. */
static bool fg_online(struct replica *r)
{
    struct bk_err e;
    bk_err_clear(&e);
    if (r->worker) {
        if (!atomic_load(&r->server_ok))
            return false;
        /* Our connection failed: try again only once the thread has
         * reached the server since, or the bound would be waited twice. */
        if (r->fg.srv && !pgconn_is_up(store_pg_conn(r->fg.srv))) {
            if (atomic_load(&r->server_ok_at) <= r->fg_down_at)
                return false;
            pgconn_retry_now(store_pg_conn(r->fg.srv));
        }
    }
    if (link_server(r, &r->fg, &e) != BK_OK) {
        went_offline(r, &e);
        return false;
    }
    size_t events = 0, badges = 0;
    if (journal_waiting(r->fg.j, &events, &badges, NULL) != BK_OK)
        return false;
    if (!events && !badges)
        return true;
    if (r->worker || push(r, &r->fg, 0, &e) != BK_OK)
        return false;
    return journal_waiting(r->fg.j, &events, &badges, NULL) == BK_OK && !events && !badges;
}

/* ---- appending ---- */

/* What the event became, for the caller. */
struct decided {
    bool already;
    int64_t first_at_ms;
    bool offline;
    int64_t owed_id; /* the owed badge row written with the event, or 0 */
};

/* The badge a check-in owes (store_append's owed_serial): its serial, the
 * row id chosen for it with the intent, and when the server took the row,
 * its order there (made; 0: not yet). */
struct owed {
    const char *serial;
    int64_t id, made;
};

/* In the caller's transaction, writes the intent's event into the
 * journal's log with the outcome chosen: by the server (res), or here from
 * the journal (res NULL), and drops the intent. With
 * owed, a first check-in also writes the badge it owes in the same journal
 * transaction: as the server row it already is (owed->made), or queued for
 * the server like any badge made offline. Either way it is durable here
 * before the person is answered: settle's commit waits for the disk, or
 * (wait false, online) the intent, synced while the server worked, holds
 * the event and its badge owed, all it needs to be settled again. */
static enum bk_status settle_rows(struct link *l, const struct journal_intent *in,
                                  const struct pg_append_result *res, const struct owed *owed,
                                  struct decided *d, struct bk_err *err)
{
    void *j = l->j;
    bool found = false;
    int64_t first = 0;
    enum bk_status st = BK_OK;
    if (!res && in->check_first)
        st = journal_tx_checked_in(j, in->scan.attendee, in->scan.day, &found, &first, err);
    if (st != BK_OK)
        return st;
    bool already = in->check_first && (res ? res->already : found);
    const char *outcome = !in->check_first ? in->scan.outcome
                          : already        ? "already_checked_in"
                                           : "checked_in";
    static const char *const results[] = {[PG_APPEND_STORED] = "stored",
                                          [PG_APPEND_SAME] = "same",
                                          [PG_APPEND_DUPLICATE] = "duplicate",
                                          [PG_APPEND_CONFLICT] = "conflict"};
    struct store_event ev = {.seq = in->seq,
                             .at_ms = in->scan.at_ms,
                             .kiosk = in->scan.kiosk,
                             .method = in->scan.method,
                             .outcome = outcome,
                             .attendee = in->scan.attendee,
                             .day = in->scan.has_day ? in->scan.day : 0,
                             .has_day = in->scan.has_day,
                             .detail = in->scan.detail,
                             .prev_hash = in->prev,
                             .prev_hash_len = STORE_HASH_BYTES,
                             .hash = already ? in->alt_hash : in->hash,
                             .hash_len = STORE_HASH_BYTES};
    st = journal_tx_add_event(j, &ev, !res, res != NULL, res ? results[res->status] : NULL, err);
    struct store_badge owed_row = {.id = owed && owed->id ? owed->id : store_pg_badge_id_new(),
                                   .attendee = in->scan.attendee,
                                   .at_ms = in->scan.at_ms,
                                   .kiosk = in->scan.kiosk,
                                   .serial = owed ? owed->serial : NULL,
                                   .status = STORE_BADGE_PENDING,
                                   .updated_ms = in->scan.at_ms};
    bool owed_added = false;
    if (st == BK_OK && owed && owed->serial && in->check_first && !already)
        st = journal_tx_add_owed_badge(j, &owed_row, owed->made, &owed_added, err);
    if (st == BK_OK)
        st = journal_tx_drop_intent(j, err);
    if (st == BK_OK) {
        d->already = already;
        d->first_at_ms = !already ? in->scan.at_ms : res ? res->first_at_ms : first;
        d->offline = !res;
        d->owed_id = owed_added ? owed_row.id : 0;
    }
    return st;
}

/* settle_rows in a transaction of its own; d is set once it committed. */
static enum bk_status settle_tx(struct link *l, const struct journal_intent *in,
                                const struct pg_append_result *res, const struct owed *owed,
                                struct decided *d, struct bk_err *err)
{
    struct decided made = {0};
    enum bk_status st = journal_begin(l->j, err);
    if (st == BK_OK)
        st = settle_rows(l, in, res, owed, &made, err);
    if (st == BK_OK)
        st = journal_commit(l->j, err);
    else
        journal_rollback(l->j);
    if (st == BK_OK)
        *d = made;
    return st;
}

static enum bk_status settle(struct link *l, const struct journal_intent *in,
                             const struct pg_append_result *res, const struct owed *owed,
                             bool wait, struct decided *d, struct bk_err *err)
{
    if (wait)
        return settle_tx(l, in, res, owed, d, err);
    enum bk_status st = journal_wait_for_disk(l->j, false, err);
    if (st == BK_OK)
        st = settle_tx(l, in, res, owed, d, err);
    /* Waiting again whatever happened: every other commit waits. */
    enum bk_status back = journal_wait_for_disk(l->j, true, err);
    return st == BK_OK ? back : st;
}

/* The rows the server's usual answer makes here (the event stored, a first
 * check-in counted, the badge owed taken), written while the server works
 * and left uncommitted: when the answer is that one, only the commit is
 * left for after it; when it is another, they are rolled back and the
 * answer's own rows written. No commit of a guess ever happens before the
 * answer, so a crash leaves the intent as it was. */
struct guess {
    struct decided d;
    bool owes; /* the guess took the badge owed, its order on the server to come */
};

static bool guess_begin(struct link *l, const struct journal_intent *in, const struct owed *owed,
                        struct guess *g)
{
    memset(g, 0, sizeof *g);
    static const struct pg_append_result usual = {.status = PG_APPEND_STORED,
                                                  .owed_made = JOURNAL_MADE_LATER};
    struct owed taken = *owed;
    taken.made = JOURNAL_MADE_LATER;
    g->owes = taken.serial != NULL;
    if (journal_wait_for_disk(l->j, false, NULL) != BK_OK)
        return false;
    /* Never a wait for another writer here: the server's answer is
     * awaited against a deadline that runs from the send. */
    bool ok = journal_try_begin(l->j);
    if (ok && settle_rows(l, in, &usual, &taken, &g->d, NULL) != BK_OK) {
        journal_rollback(l->j);
        ok = false;
    }
    if (!ok)
        journal_wait_for_disk(l->j, true, NULL);
    return ok;
}

static bool guess_right(const struct guess *g, const struct pg_append_result *res)
{
    return res->status == PG_APPEND_STORED && !res->already && (!g->owes || res->owed_made);
}

static enum bk_status guess_commit(struct link *l, struct guess *g,
                                   const struct pg_append_result *res, struct bk_err *err)
{
    enum bk_status st = BK_OK;
    if (g->d.owed_id)
        st = journal_tx_badge_made(l->j, g->d.owed_id, res->owed_made, err);
    if (st == BK_OK)
        st = journal_commit(l->j, err);
    else
        journal_rollback(l->j);
    /* Waiting again whatever happened: every other commit waits. */
    enum bk_status back = journal_wait_for_disk(l->j, true, err);
    return st == BK_OK ? back : st;
}

static void guess_drop(struct link *l)
{
    journal_rollback(l->j);
    journal_wait_for_disk(l->j, true, NULL);
}

/* Sends the intent (already durable in the journal) and settles it with
 * the server's answer, or from the journal when none comes in time. */
static enum bk_status send_and_settle(struct replica *r, struct link *l,
                                      const struct journal_intent *in, struct decided *d,
                                      struct bk_err *err)
{
    /* Online, the badge owed goes with the event, in one call and one
     * commit on the server: whether the person has a badge already is
     * answered there, where every machine's rows are. */
    bool owes = in->owed_serial && in->check_first;
    struct pg_keyed_event ev = {.source = r->source,
                                .epoch = r->epoch,
                                .seq = in->seq,
                                .scan = &in->scan,
                                .outcome = in->check_first ? "checked_in" : in->scan.outcome,
                                .prev_hash = in->prev,
                                .hash = in->hash,
                                .alt_hash = in->check_first ? in->alt_hash : NULL,
                                .owed_serial = owes ? in->owed_serial : NULL,
                                .owed_id = in->owed_id};
    struct pg_append_result res = {0};
    struct bk_err e;
    bk_err_clear(&e);
    struct owed owed = {.serial = owes ? in->owed_serial : NULL, .id = in->owed_id};
    /* The intent goes onto the disk while the server works, and while the
     * server's answer is settled here: one wait for the three, not one
     * after the other. The answer is given only once the intent is
     * durable (journal_sync_finish): then the event is durable here and
     * the server's answer there, so the settle need not wait for the
     * disk. A power cut before the next sync may lose the settle (the
     * WAL's checksums drop a commit not wholly written), never the
     * intent, which is settled again from the server's answer. */
    struct pgconn_call call;
    bool sent = store_pg_append_send(l->srv, &ev, 0, &call, &e) == BK_OK;
    struct journal_syncing *sync = NULL;
    enum bk_status st = journal_sync_start(l->j, &sync, err);
    if (st != BK_OK)
        return st;
    struct guess g;
    bool guessed = sent && guess_begin(l, in, &owed, &g);
    if (sent && store_pg_append_wait(l->srv, &call, &res, &e) == BK_OK) {
        if (guessed && guess_right(&g, &res)) {
            st = guess_commit(l, &g, &res, err);
            if (st == BK_OK)
                *d = g.d;
        } else {
            if (guessed)
                guess_drop(l);
            /* None owed on the server (a badge of theirs is there): none here. */
            owed.made = res.owed_made;
            if (!owed.made)
                owed.serial = NULL;
            st = settle(l, in, &res, &owed, false, d, err);
        }
        enum bk_status synced = journal_sync_finish(l->j, sync, err);
        return st == BK_OK ? synced : st;
    }
    if (guessed)
        guess_drop(l);
    st = journal_sync_finish(l->j, sync, err);
    if (st != BK_OK)
        return st;
    /* No answer in time, the link gone, or the server refused: the person
     * at the door gets the journal's answer, and the event waits. */
    if (l == &r->fg)
        went_offline(r, &e);
    else
        note_offline(r, l, &e);
    return settle(l, in, NULL, &owed, true, d, err);
}

/* An intent left by a process that died between sending and settling:
 * sent again when online (the server answers a key it holds from what it
 * holds, and the badge row the first send made by its id), else settled
 * from the journal, and then it waits like any event decided offline. The
 * badge it owed is kept either way. The caller holds the append lock. */
static enum bk_status recover(struct replica *r, struct link *l, bool online, struct bk_err *err)
{
    struct journal_intent in;
    bool found = false;
    enum bk_status st = journal_tx_get_intent(l->j, &in, &found, err);
    if (st != BK_OK || !found)
        return st;
    struct decided d;
    struct owed owed = {.serial = in.owed_serial, .id = in.owed_id};
    if (online)
        st = send_and_settle(r, l, &in, &d, err);
    else
        st = settle(l, &in, NULL, &owed, true, &d, err);
    journal_intent_clear(&in);
    return st;
}

static enum bk_status rp_append(void *impl, struct store_append *a, struct bk_err *err)
{
    struct replica *r = impl;
    const struct store_scan *scan = a->scan;
    bool check_first = a->check_first;
    bool busy = false;
    int timeout = r->o->timeout_ms > 0 ? r->o->timeout_ms : 500;
    int lock = lock_file(r->append_lock, 4 * timeout + 10000, &busy);
    if (lock < 0)
        return bk_err_set(err, BK_ERR_BUSY, r->append_lock, 0, NULL,
                          busy ? _("another program on this machine kept the journal locked for "
                                   "too long: check that no badgectl is stuck, then try again")
                               : _("the journal's lock file cannot be made: check that the "
                                   "journal's folder is writable"));
    bool intent = false;
    enum bk_status st = journal_has_intent(r->fg.j, &intent, err);
    if (st == BK_OK && intent) {
        /* Nothing older waits behind an intent (an event is sent only when
         * nothing waits), so reaching the server is enough to send it. */
        bool online = !r->worker || atomic_load(&r->server_ok);
        online = online && link_server(r, &r->fg, NULL) == BK_OK;
        st = recover(r, &r->fg, online, err);
    }
    struct journal_intent in = {.scan = *scan,
                                .check_first = check_first,
                                .owed_serial = check_first ? a->owed_serial : NULL,
                                .owed_id = store_pg_badge_id_new()};
    /* One read, no transaction: under the append lock nobody else on this
     * machine adds to the log before this event is written. */
    if (st == BK_OK)
        st = journal_tx_tail(r->fg.j, &in.seq, in.prev, err);
    in.seq++;
    store_scan_hash(scan, in.seq, check_first ? "checked_in" : scan->outcome, in.prev, in.hash);
    if (check_first)
        store_scan_hash(scan, in.seq, "already_checked_in", in.prev, in.alt_hash);
    else
        memcpy(in.alt_hash, in.hash, STORE_HASH_BYTES);
    struct decided d = {0};
    if (st == BK_OK && fg_online(r)) {
        /* Written before it leaves: if this process dies, the journal
         * knows this key was sent. It reaches the disk while the server
         * works (send_and_settle), before the answer is shown: one disk
         * wait per check-in, overlapping the server's. A power cut before
         * it is there may lose it while the server has the event; the
         * next start online takes the event back (adopt_lost_tail). */
        st = journal_put_intent(r->fg.j, &in, err);
        if (st == BK_OK)
            st = send_and_settle(r, &r->fg, &in, &d, err);
    } else if (st == BK_OK) {
        struct owed owed = {.serial = in.owed_serial, .id = in.owed_id};
        st = settle(&r->fg, &in, NULL, &owed, true, &d, err);
    }
    unlock_file(lock);
    a->owed_id = 0;
    if (st != BK_OK)
        return st;
    r->last_offline = d.offline;
    a->already = d.already;
    a->first_at_ms = d.first_at_ms;
    a->owed_id = d.owed_id;
    a->seq = in.seq;
    memcpy(a->hash, d.already ? in.alt_hash : in.hash, STORE_HASH_BYTES);
    return BK_OK;
}

static bool rp_last_offline(void *impl)
{
    return ((struct replica *)impl)->last_offline;
}

/* ---- replaying and pulling ---- */

/* The waiting events of one batch, copied out of the journal's rows. */
struct batch {
    struct store_event ev[PUSH_BATCH];
    struct store_scan scan[PUSH_BATCH];
    unsigned char prev[PUSH_BATCH][STORE_HASH_BYTES], hash[PUSH_BATCH][STORE_HASH_BYTES];
    char *text[PUSH_BATCH][5];
    size_t n;
};

static int take_waiting(void *ctx, const struct store_event *ev)
{
    struct batch *b = ctx;
    size_t i = b->n++;
    char **t = b->text[i];
    t[0] = xstrdup(ev->kiosk);
    t[1] = xstrdup(ev->method);
    t[2] = xstrdup(ev->outcome);
    t[3] = dup_or_null(ev->attendee);
    t[4] = dup_or_null(ev->detail);
    b->ev[i] = *ev;
    memset(b->prev[i], 0, STORE_HASH_BYTES);
    memset(b->hash[i], 0, STORE_HASH_BYTES);
    if (ev->prev_hash_len == STORE_HASH_BYTES)
        memcpy(b->prev[i], ev->prev_hash, STORE_HASH_BYTES);
    if (ev->hash_len == STORE_HASH_BYTES)
        memcpy(b->hash[i], ev->hash, STORE_HASH_BYTES);
    b->scan[i] = (struct store_scan){.at_ms = ev->at_ms,
                                     .kiosk = t[0],
                                     .method = t[1],
                                     .outcome = t[2],
                                     .attendee = t[3],
                                     .day = ev->day,
                                     .has_day = ev->has_day,
                                     .detail = t[4]};
    return 0;
}

static void batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        for (int k = 0; k < 5; k++)
            free(b->text[i][k]);
    b->n = 0;
}

/* Sends one batch of waiting events; *more when there may be others. */
static enum bk_status push_events(struct replica *r, struct link *l, bool *more,
                                  struct bk_err *err)
{
    struct batch *b = xcalloc(1, sizeof *b);
    enum bk_status st = journal_foreach_waiting(l->j, PUSH_BATCH, take_waiting, b, err);
    *more = st == BK_OK && b->n == PUSH_BATCH;
    struct pg_keyed_event keyed[PUSH_BATCH];
    struct pg_append_result res[PUSH_BATCH];
    for (size_t i = 0; i < b->n; i++)
        keyed[i] = (struct pg_keyed_event){.source = r->source,
                                           .epoch = r->epoch,
                                           .seq = b->ev[i].seq,
                                           .scan = &b->scan[i],
                                           .outcome = b->scan[i].outcome,
                                           .prev_hash = b->prev[i],
                                           .hash = b->hash[i],
                                           .offline = b->ev[i].offline};
    if (st == BK_OK && b->n)
        st = store_pg_append_batch(l->srv, keyed, b->n, res, err);
    static const char *const results[] = {[PG_APPEND_STORED] = "stored",
                                          [PG_APPEND_SAME] = "same",
                                          [PG_APPEND_DUPLICATE] = "duplicate",
                                          [PG_APPEND_CONFLICT] = "conflict"};
    /* The server holds them (its transaction committed): a crash before
     * this commit sends them again, which the keys make harmless. */
    if (st == BK_OK && b->n) {
        st = journal_begin(l->j, err);
        for (size_t i = 0; st == BK_OK && i < b->n; i++)
            st = journal_tx_synced(l->j, b->ev[i].seq, results[res[i].status], err);
        if (st == BK_OK)
            st = journal_commit(l->j, err);
        else
            journal_rollback(l->j);
    }
    batch_clear(b);
    free(b);
    return st;
}

struct outbox_send {
    struct replica *r;
    struct link *l;
    bool conflict;
    enum bk_status st;
    struct bk_err *err;
};

/* A first badge (no reason) made here while cut off may meet another
 * machine's row for the same person on the server: the server keeps one
 * waiting to print (store_pg_badge_put_first), and when it retires ours,
 * the journal's copy is retired too, so this kiosk does not print it. */
static enum bk_status send_first_badge(struct outbox_send *x, const struct store_badge *b)
{
    enum store_badge_status here = STORE_BADGE_ANY, there = b->status;
    enum bk_status st = journal_badge_status(x->l->j, b->id, &here, x->err);
    bool sent = here == STORE_BADGE_SUBMITTED || here == STORE_BADGE_PRINTED;
    if (st == BK_OK)
        st = store_pg_badge_put_first(x->l->srv, b, sent, &x->conflict, &there, x->err);
    if (st == BK_OK && !x->conflict && there == STORE_BADGE_CANCELLED &&
        here == STORE_BADGE_PENDING)
        st = journal_update_badge(x->l->j, b->id, STORE_BADGE_ANY, STORE_BADGE_CANCELLED, NULL,
                                  0, _(STORE_PG_RETIRED_FIRST), clock_wall_ms(), false, x->err);
    return st;
}

static int send_outbox(void *ctx, const struct journal_outbox *o)
{
    struct outbox_send *x = ctx;
    if (o->add && !o->badge.reason && o->badge.status == STORE_BADGE_PENDING)
        x->st = send_first_badge(x, &o->badge);
    else if (o->add)
        x->st = store_pg_badge_put(x->l->srv, &o->badge, &x->conflict, NULL, x->err);
    else
        x->st = store_pg_badge_replay(x->l->srv, o->badge.id, o->expect, o->badge.status,
                                      o->badge.printer, o->badge.job, o->badge.detail,
                                      o->badge.updated_ms, &x->conflict, x->err);
    if (x->st == BK_OK)
        x->st = journal_outbox_done(x->l->j, o->n, x->conflict, x->err);
    return 1;
}

/* Sends what waits, events first, then badge changes, in order. Another
 * process already doing it is left to it (wait_ms 0) or waited for. */
/* Nothing waits and the server answered: online, as of now. The journal
 * is written only when that changes something (or the time is old), not
 * every round of the sync thread. */
static void synced(struct link *l)
{
    int64_t since = 0, last = 0, now = clock_wall_ms();
    journal_get_int(l->j, "offline_since", &since, NULL);
    journal_get_int(l->j, "last_sync", &last, NULL);
    if (since) {
        journal_set_int(l->j, "offline_since", 0, NULL);
        journal_set_text(l->j, "problem", "", NULL);
    }
    if (since || now - last >= LAST_SYNC_EVERY_MS)
        journal_set_int(l->j, "last_sync", now, NULL);
}

static enum bk_status push(struct replica *r, struct link *l, int wait_ms, struct bk_err *err)
{
    bool busy = false;
    int lock = lock_file(r->push_lock, wait_ms, &busy);
    if (lock < 0)
        return busy ? BK_OK
                    : bk_err_set(err, BK_ERR_IO, r->push_lock, 0, NULL,
                                 _("the journal's lock file cannot be made: check that the "
                                   "journal's folder is writable"));
    /* An event left half-sent by a process that died goes first: it is
     * the newest, and nothing was appended after it. An appender alive
     * right now settles its own. */
    bool intent = false;
    enum bk_status st = journal_has_intent(l->j, &intent, err);
    if (st == BK_OK && intent) {
        int alock = lock_file(r->append_lock, 0, &busy);
        if (alock >= 0) {
            st = recover(r, l, true, err);
            unlock_file(alock);
        }
    }
    bool more = true;
    while (st == BK_OK && more)
        st = push_events(r, l, &more, err);
    bool found = true;
    while (st == BK_OK && found) {
        struct outbox_send x = {r, l, false, BK_OK, err};
        st = journal_outbox_first(l->j, &found, send_outbox, &x, err);
        if (st == BK_OK)
            st = x.st;
    }
    size_t events = 0, badges = 0;
    if (st == BK_OK)
        st = journal_waiting(l->j, &events, &badges, err);
    if (st == BK_OK && !events && !badges)
        synced(l);
    unlock_file(lock);
    return st;
}

/* Rows pulled from the server, kept until they are written in one go. */
struct pulled_badges {
    struct store_badge *b;
    int64_t *made;
    char **text; /* 7 strings a row */
    size_t n, cap;
    int64_t top;
};

static int take_badge(void *ctx, const struct store_badge *b, int64_t made, int64_t changed)
{
    struct pulled_badges *p = ctx;
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 64;
        p->b = xrealloc(p->b, p->cap * sizeof *p->b);
        p->made = xrealloc(p->made, p->cap * sizeof *p->made);
        p->text = xrealloc(p->text, 7 * p->cap * sizeof *p->text);
    }
    char **t = &p->text[7 * p->n];
    t[0] = xstrdup(b->attendee);
    t[1] = xstrdup(b->kiosk);
    t[2] = xstrdup(b->serial);
    t[3] = dup_or_null(b->reason);
    t[4] = dup_or_null(b->printer);
    t[5] = dup_or_null(b->detail);
    t[6] = NULL;
    p->b[p->n] = *b;
    p->b[p->n].attendee = t[0];
    p->b[p->n].kiosk = t[1];
    p->b[p->n].serial = t[2];
    p->b[p->n].reason = t[3];
    p->b[p->n].printer = t[4];
    p->b[p->n].detail = t[5];
    p->made[p->n++] = made;
    if (changed > p->top)
        p->top = changed;
    return 0;
}

struct pulled_checkins {
    char **attendee;
    bk_day *day;
    int64_t *at_ms;
    size_t n, cap;
    int64_t top;
};

static int take_checkin(void *ctx, int64_t id, const char *attendee, bk_day day, int64_t at_ms)
{
    struct pulled_checkins *p = ctx;
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 64;
        p->attendee = xrealloc(p->attendee, p->cap * sizeof *p->attendee);
        p->day = xrealloc(p->day, p->cap * sizeof *p->day);
        p->at_ms = xrealloc(p->at_ms, p->cap * sizeof *p->at_ms);
    }
    p->attendee[p->n] = xstrdup(attendee);
    p->day[p->n] = day;
    p->at_ms[p->n++] = at_ms;
    if (id > p->top)
        p->top = id;
    return 0;
}

/* The badge rows and counted check-ins the server changed since the last
 * pull, written in one transaction, and only when there are any. */
static enum bk_status pull_changes(struct link *l, struct bk_err *err)
{
    int64_t badge_mark = 0, checkin_mark = 0;
    enum bk_status st = journal_get_int(l->j, "badge_change", &badge_mark, err);
    if (st == BK_OK)
        st = journal_get_int(l->j, "checkin_id", &checkin_mark, err);
    struct pulled_badges pb = {.top = badge_mark};
    struct pulled_checkins pc = {.top = checkin_mark};
    if (st == BK_OK)
        st = store_pg_pull_badges(l->srv, badge_mark - PULL_OVERLAP, take_badge, &pb, err);
    if (st == BK_OK)
        st = store_pg_pull_checkins(l->srv, checkin_mark - PULL_OVERLAP, take_checkin, &pc, err);
    /* The overlap comes back every time: only what moved the marks, or
     * rows the journal lacks, is worth a write. */
    bool news = pb.top != badge_mark || pc.top != checkin_mark;
    if (st == BK_OK && news) {
        st = journal_begin(l->j, err);
        for (size_t i = 0; st == BK_OK && i < pb.n; i++)
            st = journal_tx_put_badge(l->j, &pb.b[i], pb.made[i], err);
        for (size_t i = 0; st == BK_OK && i < pc.n; i++)
            st = journal_tx_put_checkin(l->j, pc.attendee[i], pc.day[i], pc.at_ms[i], err);
        if (st == BK_OK)
            st = journal_set_int(l->j, "badge_change", pb.top, err);
        if (st == BK_OK)
            st = journal_set_int(l->j, "checkin_id", pc.top, err);
        if (st == BK_OK)
            st = journal_commit(l->j, err);
        else
            journal_rollback(l->j);
    }
    for (size_t i = 0; i < 7 * pb.n; i++)
        free(pb.text[i]);
    free(pb.b);
    free(pb.made);
    free(pb.text);
    for (size_t i = 0; i < pc.n; i++)
        free(pc.attendee[i]);
    free(pc.attendee);
    free(pc.day);
    free(pc.at_ms);
    return st;
}

/* Brings the journal's copies in line with the server: the attendee list
 * and tokens when their version moved, badge rows and counted check-ins
 * changed since the last pull. */
/* The server's clock minus ours, kept in the journal for the status line
 * and badgectl sync. Written when it moves by a second or more, not at
 * every round of the sync thread (0 is written as 1: 0 means unknown). */
static void note_clock(struct link *l, int64_t skew)
{
    int64_t known = 0;
    if (!skew)
        skew = 1;
    if (journal_get_int(l->j, "clock_skew_ms", &known, NULL) == BK_OK &&
        (!known || llabs(known - skew) >= 1000))
        journal_set_int(l->j, "clock_skew_ms", skew, NULL);
}

static enum bk_status pull(struct link *l, struct bk_err *err)
{
    int64_t have = -1, now = 0;
    char pulled[32];
    enum bk_status st = journal_get_text(l->j, "roster_version", pulled, sizeof pulled, err);
    if (st == BK_OK && pulled[0])
        journal_get_int(l->j, "roster_version", &have, err);
    int64_t skew = 0;
    if (st == BK_OK)
        st = store_pg_roster_version(l->srv, &now, &skew, err);
    if (st == BK_OK)
        note_clock(l, skew);
    if (st == BK_OK && now != have) {
        struct attendee *people = NULL;
        unsigned char (*hashes)[STORE_HASH_BYTES] = NULL, *has_hash = NULL;
        char **ids = NULL, **tokens = NULL;
        size_t n = 0, n_tokens = 0;
        st = store_pg_pull_roster(l->srv, &now, &people, &hashes, &has_hash, &n, &ids, &tokens,
                                  &n_tokens, err);
        if (st == BK_OK)
            st = journal_pull_roster(l->j, now, people, (const unsigned char(*)[STORE_HASH_BYTES])hashes,
                                     has_hash, n, (const char *const *)ids,
                                     (const char *const *)tokens, n_tokens, err);
        free(hashes);
        free(has_hash);
        for (size_t i = 0; i < n; i++)
            attendee_clear(&people[i]);
        for (size_t i = 0; i < n_tokens; i++) {
            free(ids[i]);
            free(tokens[i]);
        }
        free(people);
        free(ids);
        free(tokens);
    }
    return st == BK_OK ? pull_changes(l, err) : st;
}

/* ---- open and close ---- */

static enum bk_status open_journal(const struct store_options *o, void **j, struct bk_err *err)
{
    struct store_options jo = *o;
    jo.url = NULL;
    /* The journal is this machine's cache of the server, not the store the
     * options name: a new machine starts one. */
    jo.create = true;
    return store_sqlite_backend.open(&jo, j, err);
}

static void stop_worker(struct replica *r);

struct adopted {
    void *j;
    bool began; /* the journal's transaction, opened at the first event */
    enum bk_status st;
    struct bk_err *err;
};

static int adopt_event(void *ctx, const struct store_event *ev)
{
    struct adopted *a = ctx;
    if (!a->began) {
        a->st = journal_begin(a->j, a->err);
        a->began = a->st == BK_OK;
    }
    if (a->st == BK_OK)
        a->st = journal_tx_add_event(a->j, ev, ev->offline, true, "same", a->err);
    return a->st != BK_OK;
}

/* Events of this journal's chain the server holds beyond the journal's
 * last: an intent lost to a power cut after it was sent (it is written
 * without waiting for the disk). They are this machine's own, made and
 * hashed here, so the journal takes them back as the server holds them;
 * otherwise the next event would reuse the key and be set aside. Under the
 * append lock; nothing to do when an intent is still there (push settles
 * it). */
static enum bk_status adopt_lost_tail(struct replica *r, struct bk_err *err)
{
    bool intent = false, busy = false;
    enum bk_status st = journal_has_intent(r->fg.j, &intent, err);
    if (st != BK_OK || intent)
        return st;
    int lock = lock_file(r->append_lock, 0, &busy);
    if (lock < 0)
        return BK_OK;
    /* The server's rows are all in before the first is written, so the
     * journal is not held while the server answers; and nothing appends
     * meanwhile, under the append lock. */
    int64_t tail = 0;
    unsigned char prev[STORE_HASH_BYTES];
    struct adopted a = {r->fg.j, false, BK_OK, err};
    st = journal_tx_tail(r->fg.j, &tail, prev, err);
    if (st == BK_OK)
        st = store_pg_foreach_in_chain(r->fg.srv, r->epoch, tail, adopt_event, &a, err);
    if (st == BK_OK)
        st = a.st;
    if (st == BK_OK && a.began)
        st = journal_commit(r->fg.j, err);
    else if (a.began)
        journal_rollback(r->fg.j);
    unlock_file(lock);
    return st;
}

/* Opened without the server: an event a process left half-sent is settled
 * from the journal now, so the badge it owed is pending from the start
 * (a kiosk prints what it owes when it starts), not only at the next
 * scan. An appender alive right now settles its own. */
static enum bk_status recover_offline(struct replica *r, struct bk_err *err)
{
    bool intent = false, busy = false;
    enum bk_status st = journal_has_intent(r->fg.j, &intent, err);
    if (st != BK_OK || !intent)
        return st;
    int lock = lock_file(r->append_lock, 0, &busy);
    if (lock < 0)
        return BK_OK;
    st = recover(r, &r->fg, false, err);
    unlock_file(lock);
    return st;
}

static void rp_close(void *impl)
{
    struct replica *r = impl;
    if (!r)
        return;
    stop_worker(r);
    if (r->fg.srv)
        store_pg_backend.close(r->fg.srv);
    store_sqlite_backend.close(r->fg.j);
    free(r->append_lock);
    free(r->push_lock);
    free(r);
}

static enum bk_status rp_open(const struct store_options *o, void **impl, struct bk_err *err)
{
    *impl = NULL;
    struct replica *r = xcalloc(1, sizeof *r);
    r->o = o;
    r->wake[0] = r->wake[1] = -1;
    r->append_lock = xasprintf("%s.append-lock", o->path);
    r->push_lock = xasprintf("%s.sync-lock", o->path);
    enum bk_status st = open_journal(o, &r->fg.j, err);
    if (st == BK_OK)
        st = journal_prepare(r->fg.j, o->kiosk, r->epoch, r->source, err);
    if (st != BK_OK) {
        rp_close(r);
        return st;
    }
    /* Opening syncs once: what waits is sent, what changed is pulled. A
     * server that does not answer leaves the machine offline, answering
     * from its journal; a server that refuses (a password, TLS, another
     * event's store) is a mistake to fix now, while staff are at hand. */
    if (o->quiet_open) {
        *impl = r;
        return BK_OK;
    }
    struct bk_err e;
    bk_err_clear(&e);
    st = link_server(r, &r->fg, &e);
    if (st == BK_OK) {
        st = push(r, &r->fg, 0, &e);
        if (st == BK_OK)
            st = adopt_lost_tail(r, &e);
        if (st == BK_OK)
            st = pull(&r->fg, &e);
    }
    char store_id[64] = "";
    journal_get_text(r->fg.j, "store_id", store_id, sizeof store_id, NULL);
    if (st == BK_ERR_OFFLINE && store_id[0]) {
        note_offline(r, &r->fg, &e);
        st = recover_offline(r, err);
    } else if (st == BK_ERR_OFFLINE) {
        st = bk_err_set(err, BK_ERR_OFFLINE, o->path, 0, NULL,
                        _("%s This machine's journal has never been filled from the shared "
                          "store, so it cannot work without it: connect it once, then it can "
                          "carry on through network cuts"),
                        e.msg);
    } else if (st != BK_OK && err) {
        *err = e;
    }
    if (st != BK_OK) {
        rp_close(r);
        return st;
    }
    *impl = r;
    return BK_OK;
}

/* ---- reads and writes that are not events ---- */

/* The server for a call that cannot do without it (import, a report). */
static enum bk_status need_server(struct replica *r, struct bk_err *err)
{
    enum bk_status st = link_server(r, &r->fg, err);
    if (st == BK_ERR_OFFLINE)
        went_offline(r, err);
    return st;
}

static enum bk_status rp_import(void *impl, const struct roster *ros,
                                const struct store_import_options *opt, int64_t now_ms,
                                struct store_import_summary *summary, struct bk_err *err)
{
    struct replica *r = impl;
    enum bk_status st = need_server(r, err);
    /* The server plans and guards the import in its own transaction (the
     * list it holds is the one that counts); the journal then pulls it. */
    if (st == BK_OK)
        st = store_pg_backend.import(r->fg.srv, ros, opt, now_ms, summary, err);
    if (st == BK_OK && summary->applied)
        st = pull(&r->fg, err);
    return st;
}

static enum bk_status rp_get_attendee(void *impl, const char *id, struct attendee *a,
                                      struct bk_err *err)
{
    return store_sqlite_backend.get_attendee(((struct replica *)impl)->fg.j, id, a, err);
}

static enum bk_status rp_foreach_attendee(void *impl,
                                          int (*fn)(void *ctx, const struct attendee *a), void *ctx,
                                          struct bk_err *err)
{
    return store_sqlite_backend.foreach_attendee(((struct replica *)impl)->fg.j, fn, ctx, err);
}

static enum bk_status rp_count_attendees(void *impl, size_t *n, struct bk_err *err)
{
    return store_sqlite_backend.count_attendees(((struct replica *)impl)->fg.j, n, err);
}

static enum bk_status rp_foreach_scan(void *impl, int (*fn)(void *ctx, const struct store_event *ev),
                                      void *ctx, struct bk_err *err)
{
    struct replica *r = impl;
    enum bk_status st = need_server(r, err);
    return st == BK_OK ? store_pg_backend.foreach_scan(r->fg.srv, fn, ctx, err) : st;
}

static enum bk_status rp_foreach_attendance(void *impl,
                                            int (*fn)(void *ctx, const char *attendee, bk_day day,
                                                      int64_t first_at_ms),
                                            void *ctx, struct bk_err *err)
{
    struct replica *r = impl;
    enum bk_status st = need_server(r, err);
    return st == BK_OK ? store_pg_backend.foreach_attendance(r->fg.srv, fn, ctx, err) : st;
}

static enum bk_status rp_count_scans(void *impl, size_t *n, struct bk_err *err)
{
    struct replica *r = impl;
    enum bk_status st = need_server(r, err);
    return st == BK_OK ? store_pg_backend.count_scans(r->fg.srv, n, err) : st;
}

static enum bk_status rp_badge_printed(void *impl, const char *id, bool *printed,
                                       struct bk_err *err)
{
    struct replica *r = impl;
    struct bk_err e;
    if (fg_online(r)) {
        if (store_pg_backend.badge_printed(r->fg.srv, id, printed, &e) == BK_OK)
            return BK_OK;
        went_offline(r, &e);
    }
    return store_sqlite_backend.badge_printed(r->fg.j, id, printed, err);
}

static enum bk_status rp_foreach_badge(void *impl, const char *attendee,
                                       int (*fn)(void *ctx, const struct store_badge *b), void *ctx,
                                       struct bk_err *err)
{
    struct replica *r = impl;
    if (fg_online(r)) {
        /* The server's rows are read whole before fn runs: a failure here
         * has shown fn nothing, and the journal answers instead. */
        struct bk_err e;
        enum bk_status st = store_pg_backend.foreach_badge(r->fg.srv, attendee, fn, ctx, &e);
        if (st != BK_ERR_OFFLINE) {
            if (st != BK_OK && err)
                *err = e;
            return st;
        }
        went_offline(r, &e);
    }
    return journal_foreach_badge(r->fg.j, attendee, fn, ctx, err);
}

/* A random positive 62-bit id for a badge row made on this machine. */
static enum bk_status rp_badge_add(void *impl, const char *attendee, const char *serial,
                                   const char *reason, const char *kiosk, int64_t at_ms,
                                   int64_t *id, struct bk_err *err)
{
    struct replica *r = impl;
    struct store_badge b = {.id = store_pg_badge_id_new(),
                            .attendee = attendee,
                            .at_ms = at_ms,
                            .kiosk = kiosk,
                            .serial = serial,
                            .reason = reason,
                            .status = STORE_BADGE_PENDING,
                            .updated_ms = at_ms};
    int64_t made = 0;
    if (fg_online(r)) {
        struct bk_err e;
        bool conflict = false;
        enum bk_status st = store_pg_badge_put(r->fg.srv, &b, &conflict, &made, &e);
        if (st == BK_OK && conflict)
            st = bk_err_set(&e, BK_ERR_STORE, NULL, 0, NULL,
                            _("badge id %lld is taken on the shared store: try again"),
                            (long long)b.id);
        if (st != BK_OK && st != BK_ERR_OFFLINE) {
            if (err)
                *err = e;
            return st;
        }
        if (st == BK_ERR_OFFLINE)
            went_offline(r, &e);
    }
    /* made 0: the server did not take it (or may not have): it waits, and
     * is sent again under its id, which the server recognises. */
    enum bk_status st = journal_add_badge(r->fg.j, &b, made, err);
    if (st == BK_OK && id)
        *id = b.id;
    return st;
}

static enum bk_status rp_badge_update(void *impl, int64_t id, enum store_badge_status expect,
                                      enum store_badge_status status, const char *printer, int job,
                                      const char *detail, int64_t at_ms, struct bk_err *err)
{
    struct replica *r = impl;
    bool queue = true;
    if (fg_online(r)) {
        struct bk_err e;
        enum bk_status st = store_pg_backend.badge_update(r->fg.srv, id, expect, status, printer,
                                                          job, detail, at_ms, &e);
        if (st == BK_OK)
            queue = false;
        else if (st == BK_ERR_OFFLINE)
            went_offline(r, &e);
        else {
            if (err)
                *err = e;
            return st;
        }
    }
    return journal_update_badge(r->fg.j, id, expect, status, printer, job, detail, at_ms, queue,
                                err);
}

static enum bk_status rp_set_tokens(void *impl, size_t n, const char *const *attendees,
                                    const char *const *payloads, struct bk_err *err)
{
    struct replica *r = impl;
    enum bk_status st = need_server(r, err);
    if (st == BK_OK)
        st = store_pg_backend.set_tokens(r->fg.srv, n, attendees, payloads, err);
    if (st == BK_OK)
        st = pull(&r->fg, err);
    return st;
}

static enum bk_status rp_get_token(void *impl, const char *attendee, char **payload,
                                   struct bk_err *err)
{
    return store_sqlite_backend.get_token(((struct replica *)impl)->fg.j, attendee, payload, err);
}

/* At the door, from the journal's copy of the list: a code is found with
 * the server gone as well. */
static enum bk_status rp_find_code(void *impl, const unsigned char hash[STORE_HASH_BYTES],
                                   char **id, struct bk_err *err)
{
    return store_sqlite_backend.find_code(((struct replica *)impl)->fg.j, hash, id, err);
}

/* For an import, which the server takes: the server's codes, not a copy
 * that may lag behind another desk's import. */
static enum bk_status rp_foreach_code(void *impl,
                                      int (*fn)(void *ctx, const char *id,
                                                const unsigned char *hash),
                                      void *ctx, struct bk_err *err)
{
    struct replica *r = impl;
    enum bk_status st = need_server(r, err);
    return st == BK_OK ? store_pg_backend.foreach_code(r->fg.srv, fn, ctx, err) : st;
}

/* ---- sync ---- */

static enum bk_status rp_sync_status(void *impl, struct store_sync_status *st, struct bk_err *err)
{
    struct replica *r = impl;
    void *j = r->fg.j;
    st->shared = true;
    st->journal = true;
    snprintf(st->kiosk, sizeof st->kiosk, "%s", r->source);
    enum bk_status s = journal_get_text(j, "server", st->server, sizeof st->server, err);
    size_t events = 0, badges = 0;
    bool intent = false;
    if (s == BK_OK)
        s = journal_waiting(j, &events, &badges, err);
    if (s == BK_OK)
        s = journal_has_intent(j, &intent, err);
    st->waiting = events + badges + intent;
    if (s == BK_OK)
        s = journal_conflicts(j, &st->conflicts, err);
    if (s == BK_OK)
        s = journal_get_int(j, "offline_since", &st->offline_since_ms, err);
    if (s == BK_OK)
        s = journal_get_int(j, "last_sync", &st->last_sync_ms, err);
    if (s == BK_OK)
        s = journal_get_text(j, "problem", st->problem, sizeof st->problem, err);
    if (s == BK_OK)
        s = journal_get_int(j, "clock_skew_ms", &st->clock_skew_ms, err);
    st->clock_wrong = llabs(st->clock_skew_ms) > STORE_CLOCK_SKEW_MAX_MS;
    /* Waiting counts as offline even before any call failed (the journal
     * came from an embedded store, say): nothing waits when online. */
    if (s == BK_OK && st->waiting && !st->offline_since_ms)
        st->offline_since_ms = clock_wall_ms();
    return s;
}

static enum bk_status rp_sync(void *impl, struct store_sync_status *st, struct bk_err *err)
{
    struct replica *r = impl;
    if (r->fg.srv)
        pgconn_retry_now(store_pg_conn(r->fg.srv));
    enum bk_status s = link_server(r, &r->fg, err);
    if (s == BK_OK)
        s = push(r, &r->fg, 30000, err);
    if (s == BK_OK)
        s = pull(&r->fg, err);
    if (s != BK_OK)
        went_offline(r, err);
    enum bk_status s2 = rp_sync_status(r, st, s == BK_OK ? err : NULL);
    return s != BK_OK ? s : s2;
}

/* The sync thread: its own journal connection and server engine. It sends
 * what waits as soon as the server answers, pulls what the server announces
 * (and every few seconds anyway), and tells the caller's thread whether
 * the server is there, so that thread never waits on a server known gone. */
static void *worker_main(void *arg)
{
    struct replica *r = arg;
    struct link l = {0};
    if (open_journal(r->o, &l.j, NULL) != BK_OK)
        return NULL;
    int64_t next_pull = 0;
    while (!atomic_load(&r->stop)) {
        struct bk_err e;
        bk_err_clear(&e);
        if (l.srv)
            pgconn_retry_now(store_pg_conn(l.srv));
        enum bk_status st = link_server(r, &l, &e);
        if (st == BK_OK && !l.listening) {
            st = store_pg_listen(l.srv, &e);
            l.listening = st == BK_OK;
            next_pull = 0;
        }
        if (st == BK_OK)
            st = push(r, &l, 1000, &e);
        bool announced = st == BK_OK && store_pg_announced(l.srv);
        if (st == BK_OK && (announced || clock_mono_ms() >= next_pull)) {
            st = pull(&l, &e);
            next_pull = clock_mono_ms() + WORKER_PULL_MS;
        }
        size_t events = 0, badges = 0;
        bool ok = st == BK_OK && journal_waiting(l.j, &events, &badges, NULL) == BK_OK &&
                  !events && !badges;
        atomic_store(&r->server_ok, ok);
        if (ok)
            atomic_store(&r->server_ok_at, clock_mono_ms());
        if (st != BK_OK) {
            note_offline(r, &l, &e);
            l.listening = false;
        }
        /* Wait for the server's news, or the end, or the next round. */
        struct pollfd p[2] = {{.fd = r->wake[0], .events = POLLIN},
                              {.fd = st == BK_OK ? pgconn_socket(store_pg_conn(l.srv)) : -1,
                               .events = POLLIN}};
        int wait = st == BK_OK ? (events || badges ? 50 : 1000) : WORKER_RETRY_MS;
        poll(p, 2, wait);
    }
    if (l.srv)
        store_pg_backend.close(l.srv);
    store_sqlite_backend.close(l.j);
    return NULL;
}

static enum bk_status rp_sync_start(void *impl, struct bk_err *err)
{
    struct replica *r = impl;
    if (r->worker)
        return BK_OK;
    if (pipe2(r->wake, O_CLOEXEC) != 0)
        return bk_err_set(err, BK_ERR_IO, NULL, 0, NULL, _("the sync thread could not start: %s"),
                          i18n_strerror(errno));
    /* Until the thread says otherwise, what the caller's thread sees. */
    atomic_store(&r->server_ok, r->fg.srv && pgconn_is_up(store_pg_conn(r->fg.srv)));
    atomic_store(&r->stop, false);
    if (pthread_create(&r->thread, NULL, worker_main, r) != 0) {
        close(r->wake[0]);
        close(r->wake[1]);
        r->wake[0] = r->wake[1] = -1;
        return bk_err_set(err, BK_ERR_IO, NULL, 0, NULL, _("the sync thread could not start"));
    }
    r->worker = true;
    return BK_OK;
}

static void stop_worker(struct replica *r)
{
    if (!r->worker)
        return;
    atomic_store(&r->stop, true);
    ssize_t w = write(r->wake[1], "x", 1);
    (void)w;
    pthread_join(r->thread, NULL);
    close(r->wake[0]);
    close(r->wake[1]);
    r->worker = false;
}

/* A heartbeat goes to the server only (store.h): a kiosk cut off stops
 * arriving, and the journal, which holds what must reach the server, is
 * not filled with states that are stale once sent late. */
static enum bk_status rp_put_heartbeat(void *impl, const struct store_heartbeat *hb,
                                       struct bk_err *err)
{
    struct replica *r = impl;
    if (r->worker && !atomic_load(&r->server_ok))
        return bk_err_set(err, BK_ERR_OFFLINE, NULL, 0, NULL,
                          _("the shared store is not reached now; the heartbeat was not sent"));
    enum bk_status st = link_server(r, &r->fg, err);
    return st == BK_OK ? store_pg_backend.put_heartbeat(r->fg.srv, hb, err) : st;
}

static enum bk_status rp_foreach_heartbeat(void *impl,
                                           int (*fn)(void *ctx, const struct store_heartbeat *hb),
                                           void *ctx, struct bk_err *err)
{
    struct replica *r = impl;
    enum bk_status st = need_server(r, err);
    return st == BK_OK ? store_pg_backend.foreach_heartbeat(r->fg.srv, fn, ctx, err) : st;
}

static void *rp_server(void *impl, struct bk_err *err)
{
    struct replica *r = impl;
    return need_server(r, err) == BK_OK ? r->fg.srv : NULL;
}

static void *rp_journal(void *impl)
{
    return ((struct replica *)impl)->fg.j;
}

const struct store_backend store_replica_backend = {
    .name = "journal+postgresql",
    .open = rp_open,
    .close = rp_close,
    .import = rp_import,
    .get_attendee = rp_get_attendee,
    .append = rp_append,
    .badge_printed = rp_badge_printed,
    .foreach_scan = rp_foreach_scan,
    .foreach_attendee = rp_foreach_attendee,
    .foreach_attendance = rp_foreach_attendance,
    .count_attendees = rp_count_attendees,
    .count_scans = rp_count_scans,
    .badge_add = rp_badge_add,
    .badge_update = rp_badge_update,
    .foreach_badge = rp_foreach_badge,
    .set_tokens = rp_set_tokens,
    .get_token = rp_get_token,
    .find_code = rp_find_code,
    .foreach_code = rp_foreach_code,
    .put_heartbeat = rp_put_heartbeat,
    .foreach_heartbeat = rp_foreach_heartbeat,
    .last_offline = rp_last_offline,
    .sync_status = rp_sync_status,
    .sync = rp_sync,
    .sync_start = rp_sync_start,
    .server = rp_server,
    .journal = rp_journal,
};
