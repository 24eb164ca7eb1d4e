/* store_backend: what a storage engine provides behind store.h.
 *
 * Private to src/store/. store.c checks arguments, keeps the hash
 * chain's encoding and verifies the chain, so every engine stores the same
 * tamper-evident log; an engine (store_sqlite.c, the embedded file;
 * store_pg.c, the shared server; store_replica.c, a machine's journal in
 * front of the server) only keeps records durably and atomically. Each
 * function has the contract of the store.h function of the same name, with
 * arguments already checked; impl is what open returned. */
#ifndef BK_STORE_BACKEND_H
#define BK_STORE_BACKEND_H

#include "store/store.h"

/* One record to append, and what the append found. */
struct store_append {
    const struct store_scan *scan; /* in */
    /* in: store_record_checkin: the outcome is "checked_in", or
     * "already_checked_in" (and already, first_at_ms set) when scan->attendee
     * already has a checked_in event on scan->day. */
    bool check_first;
    /* in, with check_first, may be NULL: when the person has no badge row
     * printed, pending or submitted, add a pending one with this serial,
     * scan->kiosk and scan->at_ms (store_record_checkin's owed badge). */
    const char *owed_serial;
    bool already;                         /* out, with check_first */
    int64_t first_at_ms;                  /* out, with check_first */
    int64_t owed_id;                      /* out: the badge row added, or 0 */
    int64_t seq;                          /* out: the record's seq */
    unsigned char hash[STORE_HASH_BYTES]; /* out: its chain hash (the witness keeps both) */
};

struct store_backend {
    const char *name;

    /* The witness file of a store at path is path followed by this suffix;
     * NULL for an engine with no file of its own to put one beside (a
     * shared server store: there each kiosk's journal is the witness). */
    const char *witness_suffix;

    /* o's strings are kept by the caller for the life of impl. Without
     * o->create, an embedded store that does not exist is BK_ERR_NOT_FOUND
     * and nothing is made. */
    enum bk_status (*open)(const struct store_options *o, void **impl, struct bk_err *err);
    void (*close)(void *impl);

    /* Plans the import against the attendees kept and, unless opt->dry_run
     * or opt's guard stops it, applies it, all in one transaction (the plan
     * cannot go stale before it is applied). Fills summary (applied says
     * whether the changes were made; confirmed_before counts the confirmed
     * people before); calls opt->on_withdrawn for each person withdrawn.
     * opt is never NULL here. now_ms goes into updated_at of the rows
     * written. When r->tickets is set (store.c has already given each
     * ticket its ID), person i's code is r->tickets[i].code: a row added or
     * updated keeps store_code_hash(code) in its code hash (a unique key; a
     * person's hash, once set, is only ever replaced, never cleared) and the
     * code itself as the person's token (what set_tokens keeps), in the same
     * transaction. A row kept unchanged needs neither written again. Without
     * tickets, code hashes and tokens are left as they are. */
    enum bk_status (*import)(void *impl, const struct roster *r,
                             const struct store_import_options *opt, int64_t now_ms,
                             struct store_import_summary *summary, struct bk_err *err);
    enum bk_status (*get_attendee)(void *impl, const char *id, struct attendee *a,
                                   struct bk_err *err);

    /* Appends one event atomically with reading the previous record: the new
     * record's seq is the last one plus one, its prev_hash the last one's hash
     * (STORE_HASH_BYTES zero bytes for the first) and its hash comes from
     * store_event_hash. The reads (earlier check-in, badge rows) and the
     * writes (event, owed badge) are one transaction. A used owed_serial is
     * BK_ERR_EXISTS, nothing written. Returns only once the record is
     * durable. */
    enum bk_status (*append)(void *impl, struct store_append *a, struct bk_err *err);

    /* The last record's seq and hash (0 and zeros for an empty log). */
    enum bk_status (*head)(void *impl, struct store_head *head, struct bk_err *err);

    enum bk_status (*badge_printed)(void *impl, const char *id, bool *printed, struct bk_err *err);
    enum bk_status (*foreach_scan)(void *impl, int (*fn)(void *ctx, const struct store_event *ev),
                                   void *ctx, struct bk_err *err);
    enum bk_status (*foreach_attendee)(void *impl, int (*fn)(void *ctx, const struct attendee *a),
                                       void *ctx, struct bk_err *err);
    enum bk_status (*foreach_attendance)(void *impl,
                                         int (*fn)(void *ctx, const char *attendee, bk_day day,
                                                   int64_t first_at_ms),
                                         void *ctx, struct bk_err *err);
    enum bk_status (*count_attendees)(void *impl, size_t *n, struct bk_err *err);
    enum bk_status (*count_scans)(void *impl, size_t *n, struct bk_err *err);

    enum bk_status (*badge_add)(void *impl, const char *attendee, const char *serial,
                                const char *reason, const char *kiosk, int64_t at_ms, int64_t *id,
                                struct bk_err *err);
    /* Statuses are in range; expect may be STORE_BADGE_ANY. An engine keeps
     * each status as its store_badge_status_code text. */
    enum bk_status (*badge_update)(void *impl, int64_t id, enum store_badge_status expect,
                                   enum store_badge_status status, const char *printer, int job,
                                   const char *detail, int64_t at_ms, struct bk_err *err);
    enum bk_status (*foreach_badge)(void *impl, const char *attendee,
                                    int (*fn)(void *ctx, const struct store_badge *b), void *ctx,
                                    struct bk_err *err);
    enum bk_status (*set_tokens)(void *impl, size_t n, const char *const *attendees,
                                 const char *const *payloads, struct bk_err *err);
    enum bk_status (*get_token)(void *impl, const char *attendee, char **payload,
                                struct bk_err *err);

    /* The ID of the attendee whose code hash is hash, newly allocated in
     * *id; BK_ERR_NOT_FOUND when there is none. One indexed equality lookup
     * of the hash (store_find_code says why the hash). */
    enum bk_status (*find_code)(void *impl, const unsigned char hash[STORE_HASH_BYTES], char **id,
                                struct bk_err *err);
    /* Calls fn for every attendee with its code hash (STORE_HASH_BYTES), or
     * NULL when it has none; valid during the call only. */
    enum bk_status (*foreach_code)(void *impl,
                                   int (*fn)(void *ctx, const char *id, const unsigned char *hash),
                                   void *ctx, struct bk_err *err);

    /* store_put_heartbeat and store_foreach_heartbeat. */
    enum bk_status (*put_heartbeat)(void *impl, const struct store_heartbeat *hb,
                                    struct bk_err *err);
    enum bk_status (*foreach_heartbeat)(void *impl,
                                        int (*fn)(void *ctx, const struct store_heartbeat *hb),
                                        void *ctx, struct bk_err *err);

    /* The shared store's own; NULL in an engine without a server. */
    bool (*last_offline)(void *impl);
    enum bk_status (*sync_status)(void *impl, struct store_sync_status *st, struct bk_err *err);
    enum bk_status (*sync)(void *impl, struct store_sync_status *st, struct bk_err *err);
    enum bk_status (*sync_start)(void *impl, struct bk_err *err);
    /* The server engine's impl (store_pg.h), connected, for verify; NULL
     * with err set when it cannot be reached. */
    void *(*server)(void *impl, struct bk_err *err);
    /* This machine's journal (store_sqlite.c's impl), or NULL. */
    void *(*journal)(void *impl);
};

extern const struct store_backend store_sqlite_backend;
extern const struct store_backend store_replica_backend;

/* The chain hash of ev (every field but ev->hash) into out. Engines call it
 * when appending; store_verify_chain calls it to check. */
void store_event_hash(const struct store_event *ev, unsigned char out[STORE_HASH_BYTES]);

/* The chain hash of the record scan makes as event seq after prev, with
 * outcome (the scan's own, or the one a check-in would get): the shared
 * store's engines hash a record before they know which outcome it gets. */
void store_scan_hash(const struct store_scan *scan, int64_t seq, const char *outcome,
                     const unsigned char prev[STORE_HASH_BYTES], unsigned char out[STORE_HASH_BYTES]);

/* The key a ticket's code is kept and found under: BLAKE2b-256 of a domain
 * string and the code's len bytes. Engines call it on import; store.c on
 * look-up. Changing it makes every stored code unfindable. */
void store_code_hash(const char *code, size_t len, unsigned char out[STORE_HASH_BYTES]);

/* Whether an import planned as sum may be applied under opt: not a dry run,
 * and not stopped by opt's withdrawal guard. Engines ask it between the plan
 * and the writes, inside the import's transaction, so every engine holds
 * the same rule. */
bool store_import_may_apply(const struct store_import_options *opt,
                            const struct store_import_summary *sum);

#endif
