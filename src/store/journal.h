/* journal: a machine's SQLite file used as its journal of the shared store.
 *
 * Private to src/store/ (store_replica.c is its one user). The journal is
 * an embedded store (store_sqlite.c's file and schema, so it verifies on
 * its own) with tables beside it:
 *
 * - journal_meta: the journal's epoch (a random name for its chain), the
 *   machine it belongs to, the shared store it belongs to, what was last
 *   pulled, and since when the machine has been offline;
 * - journal_event: for each event of the file's log, whether it was
 *   decided offline and whether the server holds it yet (waiting);
 * - journal_intent: at most one event sent to the server whose answer is
 *   not written yet (a crash in between leaves it for recovery);
 * - journal_checkin: the check-ins counted on the server as last pulled, so
 *   an offline machine knows who came in elsewhere before the cut;
 * - journal_badge and journal_outbox: the badge rows' order on the server,
 *   and badge changes made offline, to be sent in order.
 *
 * impl is what store_sqlite_backend.open returned. Functions named
 * journal_tx_* run inside a transaction the caller opened with
 * journal_begin and ends with journal_commit or journal_rollback; the
 * others make their own. */
#ifndef BK_JOURNAL_H
#define BK_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define JOURNAL_EPOCH_LEN 32

/* Creates the journal's tables when missing (events already in the file,
 * from its days as an embedded store, become waiting events) and names the
 * journal: epoch (JOURNAL_EPOCH_LEN + 1 bytes) and source (the machine,
 * kiosk on first use; 128 bytes) receive its names. */
enum bk_status journal_prepare(void *impl, const char *kiosk, char *epoch, char *source,
                               struct bk_err *err);

/* journal_meta, as integers (0 when missing) or text ("" when missing). */
enum bk_status journal_get_int(void *impl, const char *key, int64_t *value, struct bk_err *err);
enum bk_status journal_set_int(void *impl, const char *key, int64_t value, struct bk_err *err);
enum bk_status journal_get_text(void *impl, const char *key, char *out, size_t n,
                                struct bk_err *err);
enum bk_status journal_set_text(void *impl, const char *key, const char *value,
                                struct bk_err *err);

/* BEGIN IMMEDIATE: the machine's other writers wait for the commit. */
enum bk_status journal_begin(void *impl, struct bk_err *err);
/* journal_begin when no other writer holds the file, at once; false (and
 * no transaction) when one does. */
bool journal_try_begin(void *impl);
/* COMMIT, returning once it is on disk (synchronous FULL). */
enum bk_status journal_commit(void *impl, struct bk_err *err);
void journal_rollback(void *impl);
/* Makes every commit made so far durable (the WAL synced), for commits
 * made while journal_wait_for_disk(impl, false). */
enum bk_status journal_sync(void *impl, struct bk_err *err);

/* journal_sync in two halves, so the caller may go on writing (a commit
 * that does not wait, the server's answer settled) while the disk works:
 * _start begins making every commit made so far durable, on another
 * thread; _finish waits for that, and then they are. A commit made after
 * _start is not covered. _finish must follow every _start that returned
 * BK_OK; *s is freed there. */
struct journal_syncing;
enum bk_status journal_sync_start(void *impl, struct journal_syncing **s, struct bk_err *err);
enum bk_status journal_sync_finish(void *impl, struct journal_syncing *s, struct bk_err *err);
/* Whether the connection's commits wait for the disk (synchronous FULL, the
 * default) or not (NORMAL: they survive the process dying, and become
 * durable with the next one that waits, or journal_sync). Not inside a
 * transaction. */
enum bk_status journal_wait_for_disk(void *impl, bool wait, struct bk_err *err);

/* The log's last seq and hash (0 and zeros when empty). */
enum bk_status journal_tx_tail(void *impl, int64_t *seq, unsigned char prev[STORE_HASH_BYTES],
                               struct bk_err *err);

/* The first counted check-in of attendee on day this machine knows of: in
 * its own log or pulled from the server. */
enum bk_status journal_tx_checked_in(void *impl, const char *attendee, bk_day day, bool *found,
                                     int64_t *first_at_ms, struct bk_err *err);

/* Appends ev (hashes set) to the log with its sync state; result is the
 * server's answer when it has one ("stored", "same", "duplicate",
 * "conflict"), else NULL. */
enum bk_status journal_tx_add_event(void *impl, const struct store_event *ev, bool offline,
                                    bool synced, const char *result, struct bk_err *err);

/* The event on its way to the server: its scan, its seq and previous hash,
 * the candidate outcome and hashes (alt_hash: the same as
 * already_checked_in when the server decides), and the badge a first
 * check-in owes (owed_serial NULL: none), under the row id chosen for it, so
 * a process that dies before the answer is written leaves the badge owed
 * with the event, and a resend names the same row. */
struct journal_intent {
    struct store_scan scan; /* strings owned by the intent (journal_intent_clear) */
    int64_t seq;
    bool check_first;
    unsigned char prev[STORE_HASH_BYTES], hash[STORE_HASH_BYTES], alt_hash[STORE_HASH_BYTES];
    const char *owed_serial; /* owned like the scan's strings */
    int64_t owed_id;
};
void journal_intent_clear(struct journal_intent *in);

/* Writes the intent in a transaction of its own that does not wait for the
 * disk (journal_wait_for_disk false for it): it survives the process
 * dying, and journal_sync makes it durable while the server works. */
enum bk_status journal_put_intent(void *impl, const struct journal_intent *in,
                                  struct bk_err *err);
/* *found false when no event is on its way. */
enum bk_status journal_tx_get_intent(void *impl, struct journal_intent *in, bool *found,
                                     struct bk_err *err);
enum bk_status journal_tx_drop_intent(void *impl, struct bk_err *err);
/* Whether an event is on its way (outside a transaction is fine). */
enum bk_status journal_has_intent(void *impl, bool *found, struct bk_err *err);

/* What waits for the server: events decided here, and badge changes (an
 * event on its way, journal_has_intent, is not counted). */
enum bk_status journal_waiting(void *impl, size_t *events, size_t *badges, struct bk_err *err);

/* Up to limit waiting events in seq order, to fn (ev->offline set). */
enum bk_status journal_foreach_waiting(void *impl, size_t limit,
                                       int (*fn)(void *ctx, const struct store_event *ev),
                                       void *ctx, struct bk_err *err);

/* The server's answer for event seq: it waits no more. */
enum bk_status journal_tx_synced(void *impl, int64_t seq, const char *result,
                                 struct bk_err *err);

/* Events the server set aside (answer "conflict"). */
enum bk_status journal_conflicts(void *impl, size_t *n, struct bk_err *err);

/* The sync state of event seq: *known false when it is not in the log. */
enum bk_status journal_event_state(void *impl, int64_t seq, bool *known, bool *synced,
                                   char *result, size_t n, struct bk_err *err);

/* Replaces the attendee list and tokens with the server's (version), in
 * one transaction; person i's code hash is hashes[i] when has_hash[i]
 * (hashes NULL: none). */
enum bk_status journal_pull_roster(void *impl, int64_t version, const struct attendee *people,
                                   const unsigned char (*hashes)[STORE_HASH_BYTES],
                                   const unsigned char *has_hash, size_t n,
                                   const char *const *token_ids,
                                   const char *const *tokens, size_t n_tokens,
                                   struct bk_err *err);

/* A counted check-in on the server (upsert; the earliest time wins). */
enum bk_status journal_tx_put_checkin(void *impl, const char *attendee, bk_day day,
                                      int64_t at_ms, struct bk_err *err);

/* A badge row as the server holds it (made: its order there), replacing
 * the journal's copy; a row whose attendee the journal does not know is
 * skipped. */
enum bk_status journal_tx_put_badge(void *impl, const struct store_badge *b, int64_t made,
                                    struct bk_err *err);

/* A badge row made here (id chosen here): made is its order on the server
 * when the server took it (0: not yet, and queue it for the server). */
enum bk_status journal_add_badge(void *impl, const struct store_badge *b, int64_t made,
                                 struct bk_err *err);

/* True in *has when attendee has a badge row printed, pending or
 * submitted in the journal: then a check-in owes none. */
enum bk_status journal_has_live_badge(void *impl, const char *attendee, bool *has,
                                      struct bk_err *err);

/* Badge row id's status in the journal (STORE_BADGE_ANY: no such row). */
enum bk_status journal_badge_status(void *impl, int64_t id, enum store_badge_status *status,
                                    struct bk_err *err);

/* In the caller's transaction: the badge a check-in owes (b, pending, id
 * chosen here). With made (the server took the row: its order there) it is
 * kept as that row; else it is added and queued for the server when
 * b->attendee has no live badge in the journal. *added says whether a row
 * was written. A serial already used is BK_ERR_EXISTS. */
enum bk_status journal_tx_add_owed_badge(void *impl, const struct store_badge *b, int64_t made,
                                         bool *added, struct bk_err *err);

/* made for journal_tx_add_owed_badge when the server is taking the row but
 * has not said its order yet: the caller sets it (journal_tx_badge_made)
 * before the transaction commits. */
#define JOURNAL_MADE_LATER INT64_MAX

/* In the caller's transaction: badge row id's order on the server. */
enum bk_status journal_tx_badge_made(void *impl, int64_t id, int64_t made, struct bk_err *err);

/* A badge's change made here, with store_badge_update's rule (BK_ERR_BUSY
 * when it is no longer expect); queued when the server did not take it.
 * When the journal has no such row and queue is false, nothing happens. */
enum bk_status journal_update_badge(void *impl, int64_t id, enum store_badge_status expect,
                                    enum store_badge_status status, const char *printer, int job,
                                    const char *detail, int64_t at_ms, bool queue,
                                    struct bk_err *err);

/* The badges, in the server's order, then those made here not on the
 * server yet, in the order they were made. */
enum bk_status journal_foreach_badge(void *impl, const char *attendee,
                                     int (*fn)(void *ctx, const struct store_badge *b), void *ctx,
                                     struct bk_err *err);

/* A badge change waiting for the server. */
struct journal_outbox {
    int64_t n; /* its place in the queue */
    bool add;  /* the row itself (badge), else a change of it */
    struct store_badge badge;
    enum store_badge_status expect;
};

/* The oldest waiting badge change, to fn (borrowed for the call); *found
 * false when none waits. */
enum bk_status journal_outbox_first(void *impl, bool *found,
                                    int (*fn)(void *ctx, const struct journal_outbox *o),
                                    void *ctx, struct bk_err *err);
/* Change n reached the server (conflict: it was set aside there). */
enum bk_status journal_outbox_done(void *impl, int64_t n, bool conflict, struct bk_err *err);

#endif
