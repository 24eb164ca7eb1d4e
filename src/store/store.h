/* store: the attendance store, the one thing that must never lose data.
 *
 * Holds the attendee list, every scan as an event (time, kiosk, method,
 * outcome) in a tamper-evident hash chain, and badge prints. Each day's
 * attendance is derived from the events: a person counts once a day however
 * often they scan. The interface names no database. Two ways to keep it:
 *
 * - the embedded store: one SQLite file (WAL, synchronous FULL, every write
 *   acknowledged only once it is durable), for one kiosk or a few machines
 *   sharing a disk;
 * - the shared store: a PostgreSQL server the venue's kiosks and desks
 *   share, each machine with its own journal, an SQLite file holding the
 *   attendee list as last pulled and every event the machine made, durable
 *   there before the answer is shown. When the server does not answer in
 *   time the machine decides from its journal and replays the events later,
 *   in order and exactly once (see ARCHITECTURE.md).
 *
 * Safe for several processes at once; one struct store is used by one
 * thread at a time. */
#ifndef BK_STORE_H
#define BK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/attendee.h"
#include "util/err.h"
#include "event/roster.h"
#include "event/tz.h"

struct store;
struct config;

/* Where a store is and how to reach it. Strings are borrowed for the call. */
struct store_options {
    const char *path;  /* the SQLite file: the store, or with a url this machine's journal
                          ("" with a url: the server alone, no journal, no offline answers) */
    const char *url;   /* the shared store's libpq URI; NULL or "" for the embedded store */
    const char *kiosk; /* this machine's name, which its journal's events carry */
    bool require_tls;  /* refuse a connection to the server without TLS */
    int timeout_ms;    /* the longest the server may take to answer; 0: 500 */
    bool quiet_open;   /* with a journal: do not reach the server when opening (no sync
                          then; it is reached when a call needs it) */
    bool create;       /* make the embedded store when there is none (store_create's) */
};

/* The options the configuration gives: [kiosk] database and id, [store]. */
void store_options_of_config(const struct config *cfg, struct store_options *o);

/* Opens the store o describes. Without a url the SQLite file must exist
 * unless o->create: a mistyped path is BK_ERR_NOT_FOUND (its message names
 * the path), never a new, empty store that answers "0 registered" or "code
 * not recognised"; the caller may point the error at where the path came
 * from (config_blame). Created, it is mode 0600 (its folder 0700 when
 * missing), with its witness. With a url the journal is only this machine's
 * cache of the server and is made when missing; the server must hold a
 * schema made by store_db_init; opening syncs once (what waits is sent, what
 * changed pulled) unless o->quiet_open, and a server that does not answer
 * leaves the machine offline rather than failing (a journal never filled
 * excepted). The caller frees the store with store_close (NULL is fine). */
enum bk_status store_open_with(const struct store_options *o, struct store **out,
                               struct bk_err *err);

/* store_open_with for the embedded store at path, which must exist. */
enum bk_status store_open(const char *path, struct store **out, struct bk_err *err);

/* Opens the store at path, creating it when there is none (mode 0600, and
 * its folder 0700 when that is missing, with its witness): only what sets a
 * store up may call it (badgectl import, a future db init). */
enum bk_status store_create(const char *path, struct store **out, struct bk_err *err);

void store_close(struct store *s);

/* True when s is the shared store (with or without a journal). */
bool store_is_shared(const struct store *s);

/* What an import changed, or would change (a dry run, or one the guard
 * stopped). Every person in the export is counted in exactly one of added,
 * updated, unchanged, reinstated (was withdrawn, now confirmed) or withdrawn
 * (was confirmed, now withdrawn by the export); withdrawn also counts the
 * people missing from the export who were still confirmed. */
struct store_import_summary {
    size_t added, updated, unchanged, withdrawn, reinstated;
    size_t confirmed_before; /* people confirmed in the store before the import */
    bool applied;            /* the changes were made */
};

/* How an import is carried out. A zeroed struct (or NULL) applies it,
 * whatever it withdraws. */
struct store_import_options {
    bool dry_run; /* only plan: the summary says what would change; nothing does */
    /* Refuse the import (BK_ERR_INVALID, nothing changed, the summary filled)
     * when it would withdraw more than max_withdrawn_percent of the people
     * confirmed before it: a partial export must not quietly withdraw
     * nearly everyone. */
    bool guard_withdrawals;
    unsigned max_withdrawn_percent;
    /* When not NULL, hears each confirmed person the import withdraws (or
     * would), in ID order, during the call. */
    void (*on_withdrawn)(void *ctx, const char *id);
    void *ctx;
};

/* Brings the attendee list in line with a newer export, in one transaction:
 * new people are added, changed ones updated, people missing from the export
 * are marked withdrawn. Scan events and badges are never touched. When an ID
 * appears more than once in the export, its first row counts. An export
 * with no people at all is refused with BK_ERR_INVALID and changes nothing,
 * since applying it would withdraw everyone.
 *
 * Tickets (r->tickets, roster.h). A ticket the store already holds (the
 * same code) keeps the ID it was given then, whatever the roster proposes,
 * so its check-ins and badges stay with it when its order gains or loses
 * tickets. A new ticket takes the roster's ID unless another ticket holds
 * it, then its order's ID and suffix (long_id). An attendee imported without
 * a code takes the code of the ticket that gets its ID. Each code is kept as
 * a hash for store_find_code and as the ticket's token for its badge.
 * opt may be NULL. */
enum bk_status store_import(struct store *s, const struct roster *r,
                            const struct store_import_options *opt,
                            struct store_import_summary *summary, struct bk_err *err);

/* Fills *a (which the caller then clears with attendee_clear) with the person
 * whose ID is id; BK_ERR_NOT_FOUND when there is none. */
enum bk_status store_get_attendee(struct store *s, const char *id, struct attendee *a,
                                  struct bk_err *err);

/* One scan, as it goes into the event log. Strings are borrowed. */
struct store_scan {
    int64_t at_ms;
    const char *kiosk;
    const char *method;   /* "camera", "scanner", "manual", "cli" */
    const char *outcome;  /* checkin_outcome_code() */
    const char *attendee; /* NULL when unknown */
    bk_day day;           /* meaningful when has_day */
    bool has_day;
    const char *detail;   /* reason code for refusals, or NULL */
};

/* The badge a check-in owes. It is recorded in the same transaction as the
 * check-in, so a badge owed is never lost between the two (a kiosk stopped
 * with badges queued, a desk that only checks in): print --pending and the
 * kiosk's print queue find it in the store. */
struct store_owed_badge {
    const char *serial; /* in: the serial for a new row (token_new_serial) */
    /* out: the pending badge row added for the person, or 0 when none was
     * added because they already have a badge printed or waiting. */
    int64_t id;
};

/* Records a check-in of scan->attendee for scan->day, atomically with the
 * check for an earlier one that day: when there was none, *already is false
 * and the event is stored with outcome "checked_in"; otherwise *already is
 * true, *first_at_ms is the first check-in that day and the event is stored
 * as "already_checked_in" (scan->outcome is ignored). When owed is not NULL
 * and the person has no badge row that is printed or waiting (pending or
 * submitted), a pending badge row with owed->serial, scan->kiosk and
 * scan->at_ms is added in the same transaction. A serial already used is
 * BK_ERR_EXISTS with nothing recorded: draw another and call again. Returns
 * only after the event is durable. */
enum bk_status store_record_checkin(struct store *s, const struct store_scan *scan,
                                    struct store_owed_badge *owed, bool *already,
                                    int64_t *first_at_ms, struct bk_err *err);

/* Records any other scan (refused, unknown, ...) durably. */
enum bk_status store_record_scan(struct store *s, const struct store_scan *scan,
                                 struct bk_err *err);

/* ---- correction requests ----
 *
 * "My details are wrong", said at a kiosk after a check-in, is an event in
 * the log like the scan it follows (outcome STORE_CORRECTION_ASKED, the
 * person and the day of their check-in), and staff settling it is another
 * (STORE_CORRECTION_CLEARED). Kept in the log, a request is as durable as a
 * check-in in every engine: a kiosk cut off from the shared store keeps it
 * in its journal and sends it with its other events, and the history of who
 * asked and who settled it stays (the log is never changed). The badge a
 * request holds back stays owed (its row pending) until it is printed. */
#define STORE_CORRECTION_ASKED "correction_requested"
#define STORE_CORRECTION_CLEARED "correction_cleared"

/* An open request; strings valid during the callback only. */
struct store_correction {
    const char *attendee;
    bk_day day;        /* the day of the check-in it belongs to */
    int64_t at_ms;     /* when it was asked */
    const char *kiosk; /* where */
    const char *details; /* what the person's details looked like then (a hex
                            hash from the caller; "" when not known) */
};

/* Records a request for attendee, made on kiosk at at_ms about the check-in
 * of day; details (may be NULL) is kept for store_foreach_correction.
 * Durable before it returns, like any event. */
enum bk_status store_record_correction(struct store *s, const char *attendee, bk_day day,
                                       const char *kiosk, const char *method, const char *details,
                                       int64_t at_ms, struct bk_err *err);

/* Settles attendee's open requests (all made up to at_ms): how says why
 * ("cleared" by staff, "printed" when their badge came out at the desk).
 * *found (may be NULL) says whether one was open; when none was, nothing is
 * recorded. */
enum bk_status store_clear_correction(struct store *s, const char *attendee, const char *kiosk,
                                      const char *method, const char *how, int64_t at_ms,
                                      bool *found, struct bk_err *err);

/* Calls fn for each open request, oldest first, one per person (their
 * latest). A machine cut off from the shared store lists those in its
 * journal. */
enum bk_status store_foreach_correction(struct store *s,
                                        int (*fn)(void *ctx, const struct store_correction *c),
                                        void *ctx, struct bk_err *err);

/* True in *printed when a badge was ever printed for id. */
enum bk_status store_badge_printed(struct store *s, const char *id, bool *printed,
                                   struct bk_err *err);

#define STORE_HASH_BYTES 32

/* The newest record of the event log: what a witness keeps. */
struct store_head {
    int64_t seq; /* 0 for an empty log */
    unsigned char hash[STORE_HASH_BYTES];
};

/* The log's head now. */
enum bk_status store_head(struct store *s, struct store_head *head, struct bk_err *err);

/* "SEQ:HEX" (the hash in 64 lower-case hex digits) into buf, which holds
 * STORE_HEAD_TEXT bytes; report and export print it so that a paper or
 * e-mail copy witnesses the log too. Returns buf. */
#define STORE_HEAD_TEXT (21 + 1 + 2 * STORE_HASH_BYTES + 1)
const char *store_head_format(const struct store_head *head, char *buf);

/* Reads "SEQ:HEX" as store_head_format writes it; HEX may be cut to its
 * first 16 digits or more (what fits on a line of paper). *hex_digits
 * receives how many were given. False when text is not one. */
bool store_head_parse(const char *text, struct store_head *head, size_t *hex_digits);

/* What store_verify_chain found. */
struct store_verify {
    /* in, may be NULL: a head kept elsewhere (printed by report or export)
     * that the log must still hold; known_digits of its hash are compared. */
    const struct store_head *known;
    size_t known_digits;
    /* out */
    int64_t records;        /* records checked */
    int64_t first_bad;      /* the first broken or missing record, 0 when none */
    struct store_head head; /* the log's last record */
    bool witnessed;         /* the engine keeps a witness and it was checked */
    int64_t witness_seq;    /* the last record the witness knows */
    char witness[512];      /* the witness's path, "" when the engine keeps none */
};

/* Walks the event log from the start, recomputing each record's hash from
 * the one before, then checks the log against its witness: the append-only
 * file beside a store file where every commit also writes its record's seq
 * and hash (the chain alone cannot show records cut from its end). A
 * broken, reordered, missing or rewritten record is BK_ERR_INVALID with a
 * message naming it (v->first_bad); a cut tail names the last record the
 * witness knows. No witness where the engine keeps one is BK_ERR_NOT_FOUND:
 * the end of the log cannot be vouched for. v->known, when given, must
 * still be in the log with its hash. */
enum bk_status store_verify_chain(struct store *s, struct store_verify *v, struct bk_err *err);

/* Calls fn for every attendee in ID order; the record is valid during the
 * call only. fn returns non-zero to stop early. */
enum bk_status store_foreach_attendee(struct store *s,
                                      int (*fn)(void *ctx, const struct attendee *a), void *ctx,
                                      struct bk_err *err);

/* Calls fn for every (attendee, day) attended, with the first check-in time,
 * ordered by day then time. */
enum bk_status store_foreach_attendance(struct store *s,
                                        int (*fn)(void *ctx, const char *attendee, bk_day day,
                                                  int64_t first_at_ms),
                                        void *ctx, struct bk_err *err);

/* Number of attendees (all statuses). */
enum bk_status store_count_attendees(struct store *s, size_t *n, struct bk_err *err);


/* One record of the event log as stored. Strings and hashes are borrowed from
 * the store and valid only during the callback that receives the record.
 * attendee and detail are NULL when absent. prev_hash and hash are normally
 * STORE_HASH_BYTES long; a damaged store may hold other lengths. */
struct store_event {
    int64_t seq; /* 1, 2, 3, ... in the order the events were recorded (in its chain) */
    int64_t at_ms;
    const char *kiosk;
    const char *method;
    const char *outcome;
    const char *attendee;
    bk_day day; /* meaningful when has_day */
    bool has_day;
    const char *detail;
    const unsigned char *prev_hash;
    size_t prev_hash_len;
    const unsigned char *hash;
    size_t hash_len;
    /* The shared store keeps one chain per journal: chain is the journal's
     * epoch and source the machine that made it (NULL in the embedded
     * store, whose one chain is the file's). received_ms is when the server
     * took the event in (0 when not known), by the server's clock, beside
     * at_ms by the kiosk's. offline: the kiosk decided it from its journal;
     * duplicate: a second check-in that day decided while apart, kept but
     * not counted. */
    const char *chain;
    const char *source;
    int64_t received_ms;
    bool offline;
    bool duplicate;
};

/* Calls fn for every event in the log in sequence order, with every field;
 * the record is valid during the call only. fn returns non-zero to stop early
 * (the return is still BK_OK). fn may call other store functions on s. */
enum bk_status store_foreach_scan(struct store *s,
                                  int (*fn)(void *ctx, const struct store_event *ev), void *ctx,
                                  struct bk_err *err);

/* Number of events in the log (every outcome). */
enum bk_status store_count_scans(struct store *s, size_t *n, struct bk_err *err);

/* Events and badge changes the shared store set aside (a key sent again
 * with other content); 0 for the embedded store. */
enum bk_status store_count_conflicts(struct store *s, size_t *n, struct bk_err *err);

/* ---- badges ----
 *
 * Every badge ever asked for is a row: the first one and each replacement,
 * with a serial that goes into the badge's QR code. The newest row of a
 * person that is not cancelled holds their current serial: a replacement
 * retires the badge before it. A row moves pending -> submitted (a job is at
 * the printer) -> printed, or back to pending when the printer fails, so a
 * check-in never waits on paper and nothing prints twice by accident. */

/* Where a badge row is. The never-print-twice rules branch on these, so they
 * are an enum (a misspelt state does not compile); the store keeps each as
 * the text of store_badge_status_code, which existing store files hold. */
enum store_badge_status {
    STORE_BADGE_PENDING = 0, /* asked for, not at a printer */
    STORE_BADGE_SUBMITTED,   /* a job is at the printer; its outcome is not known yet */
    STORE_BADGE_PRINTED,     /* it came out */
    STORE_BADGE_CANCELLED,   /* retired before it was printed: by a replacement, or held
                                back when the attendee asked for a correction */
    STORE_BADGE_N_STATUSES
};

/* store_badge_update's expect when the row may be in any status. */
#define STORE_BADGE_ANY STORE_BADGE_N_STATUSES

/* "pending", "submitted", "printed", "cancelled": the text kept in the store
 * (and shown in reports); "?" for a value out of range. Static storage. */
const char *store_badge_status_code(enum store_badge_status s);

/* The status whose code is code, into *out; false when code is none. */
bool store_badge_status_from_code(const char *code, enum store_badge_status *out);

/* True when a badge in status s is still waiting to be printed: pending, or
 * submitted with the job's outcome unknown. The one answer to "is this badge
 * done?" for the staff screen's count, the report, the printing plans and
 * badgectl print --pending. */
bool store_badge_waiting(enum store_badge_status s);

struct store_badge {
    int64_t id;
    const char *attendee;
    int64_t at_ms;      /* when it was asked for */
    const char *kiosk;
    const char *serial;
    const char *reason; /* NULL for a person's first badge; why it was replaced */
    enum store_badge_status status;
    const char *printer; /* NULL until submitted */
    int job;            /* the printer's job id, 0 until submitted */
    const char *detail; /* the last problem in words, or NULL */
    int64_t updated_ms;
};

/* Adds a pending badge for attendee; *id receives its row id. */
enum bk_status store_badge_add(struct store *s, const char *attendee, const char *serial,
                               const char *reason, const char *kiosk, int64_t at_ms, int64_t *id,
                               struct bk_err *err);

/* Moves badge id to status, recording printer, job and detail (NULL keeps
 * the old printer and detail; job 0 keeps the old job). A badge moved to
 * printed keeps only the detail given: the problem it waited with is over. When expect is not
 * STORE_BADGE_ANY the change happens only if the status is still expect,
 * atomically: otherwise BK_ERR_BUSY (someone else took it). A status out of
 * the enum's range is BK_ERR_INVALID. */
enum bk_status store_badge_update(struct store *s, int64_t id, enum store_badge_status expect,
                                  enum store_badge_status status, const char *printer, int job,
                                  const char *detail, int64_t at_ms, struct bk_err *err);

/* Calls fn for every badge in the order they were asked for, only attendee's
 * when attendee is not NULL. The record is valid during the call only. */
enum bk_status store_foreach_badge(struct store *s, const char *attendee,
                                   int (*fn)(void *ctx, const struct store_badge *b), void *ctx,
                                   struct bk_err *err);

/* Keeps the QR payload mailed to each of n attendees (badgectl issue), in one
 * transaction, so a badge can carry it on machines without the signing key. */
enum bk_status store_set_tokens(struct store *s, size_t n, const char *const *attendees,
                                const char *const *payloads, struct bk_err *err);

/* The payload kept for attendee, newly allocated; BK_ERR_NOT_FOUND when none. */
enum bk_status store_get_token(struct store *s, const char *attendee, char **payload,
                               struct bk_err *err);

/* The ID of the ticket whose code is the len bytes at code ([qr] mode =
 * export), into id (idsize bytes, at least ATTENDEE_ID_MAX + 1);
 * BK_ERR_NOT_FOUND when no imported ticket has it (withdrawn ones are
 * found: the caller decides). Codes are secrets that whoever holds one can
 * check in with, so the store never keys or compares them as text: it
 * keeps and looks up a BLAKE2b hash of each (store_code_hash). The index
 * compares hashes, so how long a lookup takes tells nothing about how many
 * leading characters of a guess match a real code, and the error message
 * never holds the code. The code itself is kept only as the ticket's token,
 * for its badge. */
enum bk_status store_find_code(struct store *s, const char *code, size_t len, char *id,
                               size_t idsize, struct bk_err *err);

/* ---- kiosk heartbeats ----
 *
 * Each kiosk writes one small row about itself every few seconds (the
 * dashboard's cards read them). Only the newest row per kiosk is kept: a
 * heartbeat is a state, not history. On the shared store a heartbeat goes to the
 * server only, when it answers: a kiosk cut off simply stops arriving,
 * which is what "offline since" on the dashboard means. It holds no
 * personal data beyond the registration IDs of correction requests (what the
 * desk needs to find the people who asked). */

struct store_heartbeat {
    const char *kiosk;           /* the kiosk's name ([kiosk] id); the row's key */
    int64_t at_ms;               /* by the kiosk's clock, when it was written */
    int64_t received_ms;         /* out: by the store's clock (the server's; the kiosk's in
                                    the embedded store) */
    int64_t age_ms;              /* out: how long ago received_ms is, by the same clock */
    int64_t waiting;             /* events and badge changes not yet on the server */
    int64_t last_scan_ms;        /* the last code read or typed; 0: none since start */
    const char *printer_state;   /* "idle", "printing", "stopped", "unknown" */
    const char *printer_reasons; /* the printer's state in words ("" when none) */
    int64_t badges_pending;      /* badges this kiosk still owes */
    const char *camera;          /* "ok", "missing", "none" (no camera configured) */
    int64_t corrections;         /* correction requests made here and not yet settled */
    const char *correction_ids;  /* their registration IDs, ", " between ("" none) */
};

/* Keeps hb as kiosk hb->kiosk's newest heartbeat, replacing the one before
 * (printer_reasons and correction_ids may be NULL for "").
 * On the shared store it is written to the server within [store]
 * timeout_ms, never to the journal: BK_ERR_OFFLINE when the server does
 * not answer (nothing kept; the next one will try again). Call it from a
 * thread that may wait that long (the kiosk has one), never the door's. */
enum bk_status store_put_heartbeat(struct store *s, const struct store_heartbeat *hb,
                                   struct bk_err *err);

/* Calls fn for every kiosk's newest heartbeat, by kiosk name; the record's
 * strings are valid during the call only. */
enum bk_status store_foreach_heartbeat(struct store *s,
                                       int (*fn)(void *ctx, const struct store_heartbeat *hb),
                                       void *ctx, struct bk_err *err);

/* ---- the shared store seen from one machine ---- */

/* True when the last event recorded through s (store_record_checkin or
 * store_record_scan) was decided from this machine's journal because the
 * server did not answer in time. Always false for the embedded store. */
bool store_last_offline(const struct store *s);

/* A machine's view of the shared store, read from its journal (no server
 * needed). */
struct store_sync_status {
    bool shared;              /* false: the embedded store, nothing to sync */
    bool journal;             /* this machine keeps a journal */
    char kiosk[128];          /* whose journal: this machine's name in it */
    char server[256];         /* host:port/database */
    size_t waiting;           /* events and badge changes not on the server yet */
    size_t conflicts;         /* sent to the server and set aside there */
    int64_t offline_since_ms; /* 0 when the server was reached and nothing waits */
    int64_t last_sync_ms;     /* the last time nothing waited after a sync; 0: never */
    char problem[1024];       /* why the server was last not reached ("" when it was) */
    /* The server's clock minus this machine's, as last measured (at every
     * pull: opening, a sync, the sync thread's rounds); 0 when never. */
    int64_t clock_skew_ms;
    /* |clock_skew_ms| above STORE_CLOCK_SKEW_MAX_MS: this machine's clock
     * (or time zone setting) is wrong, and the day of a scan near midnight
     * may be wrong with it. Staff are told (badgectl sync, the kiosk). */
    bool clock_wrong;
};

/* How far a machine's clock may be from the server's before it counts as
 * wrong: well beyond network delays and clocks kept by NTP, well within
 * what decides a scan's day wrongly only in its last minute. */
#define STORE_CLOCK_SKEW_MAX_MS 60000

/* A clock_skew_ms in words for staff: "clock 12 min behind the server's"
 * (or ahead of it); in buf (64 bytes is enough), which is returned. */
const char *store_clock_skew_text(int64_t skew_ms, char *buf, size_t n);

/* The state as this machine's journal has it. For the embedded store only
 * shared (false) is set. */
enum bk_status store_sync_status(struct store *s, struct store_sync_status *st,
                                 struct bk_err *err);

/* Pushes what waits (in order, each event exactly once) and pulls what
 * changed (the attendee list, badges, check-ins made elsewhere), then
 * fills *st. BK_ERR_OFFLINE when the server cannot be reached; BK_OK
 * otherwise, even when something still waits (see st->waiting). */
enum bk_status store_sync(struct store *s, struct store_sync_status *st, struct bk_err *err);

/* Starts a thread that keeps s's machine in sync in the background (the
 * kiosk): reconnects, replays, and pulls re-imports within seconds
 * (LISTEN/NOTIFY). s's own calls then never wait on a server the thread
 * knows is gone. Stopped by store_close. Nothing for the embedded store. */
enum bk_status store_sync_start(struct store *s, struct bk_err *err);

/* What store_verify_journal found. */
struct store_journal_check {
    char kiosk[128];       /* the machine the journal belongs to */
    char chain[64];        /* its epoch: the name of its chain on the server */
    int64_t records;       /* events in the journal */
    int64_t on_server;     /* of them, found on the server as the journal has them */
    int64_t waiting;       /* not sent yet: not an error */
    int64_t set_aside;     /* sent again with other content and set aside: reported */
    int64_t server_head;   /* the highest seq the server holds for the chain */
};

/* Cross-checks a machine's journal with the server: its own chain must
 * verify, and every event the journal says the server took must be there,
 * exactly; a server missing them (records cut from the end of its log,
 * which no chain can show) is BK_ERR_INVALID naming the first. path NULL
 * checks this machine's journal; else path is a journal file copied from
 * another machine. s must be the shared store. */
enum bk_status store_verify_journal(struct store *s, const char *path,
                                    struct store_journal_check *out, struct bk_err *err);

/* ---- the shared store's server ----
 *
 * badgectl db: made once per event by whoever owns the database. */

/* Creates the schema on the server o->url names, or upgrades it to this
 * version of badgekiosk; running it again changes nothing. *from is the
 * version found (0: none), *to the version now (either may be NULL). A
 * server holding a newer version is refused. */
enum bk_status store_db_init(const struct store_options *o, int *from, int *to,
                             struct bk_err *err);

enum store_role {
    STORE_ROLE_KIOSK, /* reads the attendee list, appends events and badge rows,
                         moves its badges along; changes no history */
    STORE_ROLE_DESK,  /* a kiosk's rights, and imports, issues QR codes */
};

/* Gives role, an existing PostgreSQL role, exactly a kiosk's or a desk's
 * rights on the schema (anything it held there before is revoked first). */
enum bk_status store_db_grant(const struct store_options *o, enum store_role kind,
                              const char *role, struct bk_err *err);

#endif
