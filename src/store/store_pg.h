/* store_pg: the shared store kept on a PostgreSQL server.
 *
 * Private to src/store/. The engine behind store.h for a server the venue's
 * kiosks and desks share (store_pg_backend), plus what the journal engine
 * (store_replica.c) needs beyond store_backend: appending an event under
 * the key its journal gave it, replaying in batches, pulling what changed,
 * and what badgectl db does (schema, grants).
 *
 * The schema (store_pg.c's migrations) has one event log for all machines,
 * with one hash chain per journal: each event carries its journal's epoch
 * and sequence number, and its hashes are computed on the kiosk and stored
 * verbatim. The database itself keeps one counted check-in per person and
 * day (a unique partial index) and refuses kiosks what grants do not allow.
 * Every call waits at most the configured bound (pgconn.h). */
#ifndef BK_STORE_PG_H
#define BK_STORE_PG_H

#include "store/pgconn.h"
#include "store/store_backend.h"

extern const struct store_backend store_pg_backend;

/* The connection of an open engine (for its state: up, down since). */
struct pgconn *store_pg_conn(void *impl);

/* The store's identity, made by db init; a journal remembers it so it is
 * never replayed into another event's database. Owned by impl. */
const char *store_pg_store_id(void *impl);

/* An event as its journal made it: the key (source, epoch, seq), the
 * scan, its previous hash and its outcome and hash. When alt_hash is set,
 * the server decides: outcome must be "checked_in" with hash, and alt_hash
 * is the hash of the same record as "already_checked_in", stored instead
 * when the person is already in that day. Without alt_hash the outcome is
 * the kiosk's own (decided offline, or a refusal) and is stored as is. */
struct pg_keyed_event {
    const char *source;
    const char *epoch;
    int64_t seq;
    const struct store_scan *scan;
    const char *outcome;
    const unsigned char *prev_hash, *hash, *alt_hash; /* STORE_HASH_BYTES each */
    bool offline;
    /* The badge a first check-in owes (NULL: none asked): added on the
     * server in the same call, under owed_id, unless the person has a row
     * printed, pending or submitted there; sent again, the row made the
     * first time is answered. */
    const char *owed_serial;
    int64_t owed_id;
};

enum pg_append_status {
    PG_APPEND_STORED,    /* recorded now */
    PG_APPEND_SAME,      /* the key was there with the same record: a replay answered */
    PG_APPEND_DUPLICATE, /* recorded, but a second check-in that day: kept, not counted */
    PG_APPEND_CONFLICT,  /* the key was there with another record: this one set aside */
};

struct pg_append_result {
    enum pg_append_status status;
    bool already;        /* the server's record is already_checked_in */
    int64_t first_at_ms; /* the counted check-in's time, for checked_in and already */
    int64_t owed_made;   /* the owed row's place in the server's order; 0: none owed */
};

/* Appends one event in its own transaction, bounded by timeout_ms (0: the
 * connection's). Idempotent: sending the same event again answers
 * PG_APPEND_SAME, so an unclear answer (BK_ERR_OFFLINE) may be retried. */
enum bk_status store_pg_append_keyed(void *impl, const struct pg_keyed_event *ev,
                                     struct pg_append_result *res, int timeout_ms,
                                     struct bk_err *err);

/* store_pg_append_keyed in two halves (pgconn_query_send and _wait): the
 * caller makes its journal durable while the server works. */
enum bk_status store_pg_append_send(void *impl, const struct pg_keyed_event *ev, int timeout_ms,
                                    struct pgconn_call *call, struct bk_err *err);
enum bk_status store_pg_append_wait(void *impl, struct pgconn_call *call,
                                    struct pg_append_result *res, struct bk_err *err);

/* Appends n events in one transaction, in order (replay); res[i] for each. */
enum bk_status store_pg_append_batch(void *impl, const struct pg_keyed_event *evs, size_t n,
                                     struct pg_append_result *res, struct bk_err *err);

/* The number the server gives the attendee list and tokens; it changes
 * with every import or issue. *skew_ms (when not NULL): the server's clock
 * minus this machine's, measured around the same call. */
enum bk_status store_pg_roster_version(void *impl, int64_t *version, int64_t *skew_ms,
                                       struct bk_err *err);

/* The whole attendee list (into *people, *n, each to be attendee_clear-ed
 * and the array freed; person i's code hash in (*hashes)[i] when
 * (*has_hash)[i], both arrays freed too) and the tokens (ids and payloads,
 * freed likewise), read in one snapshot, with the version they are at. */
enum bk_status store_pg_pull_roster(void *impl, int64_t *version, struct attendee **people,
                                    unsigned char (**hashes)[STORE_HASH_BYTES],
                                    unsigned char **has_hash, size_t *n, char ***token_ids,
                                    char ***tokens, size_t *n_tokens, struct bk_err *err);

/* Badge rows whose change number is above since, in that order; made is
 * the server's order of creation, changed the row's change number. */
enum bk_status store_pg_pull_badges(void *impl, int64_t since,
                                    int (*fn)(void *ctx, const struct store_badge *b, int64_t made,
                                              int64_t changed),
                                    void *ctx, struct bk_err *err);

/* Counted check-ins with an event id above since, in id order. */
enum bk_status store_pg_pull_checkins(void *impl, int64_t since,
                                      int (*fn)(void *ctx, int64_t id, const char *attendee,
                                                bk_day day, int64_t at_ms),
                                      void *ctx, struct bk_err *err);

/* A badge row as its machine made it (id chosen there): added unless the
 * id is there; *conflict when it is there with another serial or person.
 * *made (when not NULL) is its place in the server's order. */
/* A new badge row's id: random (the machine that makes a row names it, so
 * rows made apart never collide in practice), positive and never 0 (0 means
 * "no row"). Every engine that makes rows for the server takes it from here. */
int64_t store_pg_badge_id_new(void);

enum bk_status store_pg_badge_put(void *impl, const struct store_badge *b, bool *conflict,
                                  int64_t *made, struct bk_err *err);

/* A person's first badge row (no reason) made while cut off, as
 * store_pg_badge_put, with the rule that keeps one badge waiting per
 * person: when the server has a live row of theirs from another machine,
 * this one arrives cancelled if it never went to a printer (sent false),
 * else the other is cancelled if it is still pending. *now is the status
 * the row has on the server (cancelled: retire it here too). */
#define STORE_PG_RETIRED_FIRST                                                                     \
    N_("retired: another badge of this person's was made first on another machine")
enum bk_status store_pg_badge_put_first(void *impl, const struct store_badge *b, bool sent,
                                        bool *conflict, enum store_badge_status *now,
                                        struct bk_err *err);

/* badge_update as a replay: when the row is no longer expect but already
 * holds exactly this change, that is an earlier send of it (*conflict
 * false); otherwise the change is set aside (*conflict true). */
enum bk_status store_pg_badge_replay(void *impl, int64_t id, enum store_badge_status expect,
                                     enum store_badge_status status, const char *printer, int job,
                                     const char *detail, int64_t at_ms, bool *conflict,
                                     struct bk_err *err);

/* Events set aside (a key sent again with other content) and badge changes
 * set aside, on the server. */
enum bk_status store_pg_count_conflicts(void *impl, size_t *n, struct bk_err *err);

/* LISTENs for re-imports and badge changes on this connection. */
enum bk_status store_pg_listen(void *impl, struct bk_err *err);

/* Without waiting: true when a re-import or badge change was announced
 * since the last call (or the connection broke, so the caller re-pulls
 * once it is back). */
bool store_pg_announced(void *impl);

/* The events of one chain (epoch) with a seq above after, as the server
 * holds them, in seq order, to fn: what verify compares a journal with
 * (after 0), and what a journal that lost its last intent takes back. */
enum bk_status store_pg_foreach_in_chain(void *impl, const char *epoch, int64_t after,
                                         int (*fn)(void *ctx, const struct store_event *ev),
                                         void *ctx, struct bk_err *err);

/* badgectl db init and db grant (store.h's store_db_init, store_db_grant). */
enum bk_status store_pg_init(const struct store_options *o, int *from, int *to,
                             struct bk_err *err);
enum bk_status store_pg_grant(const struct store_options *o, enum store_role kind,
                              const char *role, struct bk_err *err);

#endif
