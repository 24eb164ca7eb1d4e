/* store: the attendance store's interface, whatever engine keeps the data.
 *
 * This file checks what callers pass, defines the event log's hash chain
 * (its encoding is part of the on-disk format) and verifies it; the engine in
 * store_sqlite.c does the storing. See store.h for the contract and
 * store_backend.h for the split. */
#include "store/store.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "event/config.h"
#include "util/clock.h"
#include "util/i18n.h"
#include "store/journal.h"
#include "store/store_backend.h"
#include "store/store_pg.h"
#include "store/witness.h"
#include "util/strmap.h"
#include "util/utf8.h"
#include "util/xalloc.h"

struct store {
    const struct store_backend *be;
    void *impl;
    char *path; /* for messages that must name the file (the journal's, with a server) */
    /* The options, kept for the engine's life (store_backend.h). */
    struct store_options o;
    char *url, *kiosk;
    char *witness_path;      /* NULL when the engine keeps no witness */
    struct witness *witness; /* NULL when there is none to append to */
};

void store_options_of_config(const struct config *cfg, struct store_options *o)
{
    *o = (struct store_options){.path = cfg->database,
                                .url = cfg->store_url,
                                .kiosk = cfg->kiosk_id,
                                .require_tls = cfg->store_require_tls,
                                .timeout_ms = cfg->store_timeout_ms};
}

static bool has_url(const struct store_options *o)
{
    return o->url && o->url[0];
}

/* Opens the witness of s for appending. A missing one is made only while
 * the log is empty (a new store, or one from before witnesses that never
 * recorded a scan): made later, it would vouch for a log it never saw, and
 * hide a tail cut before it. */
static enum bk_status open_witness(struct store *s, struct bk_err *err)
{
    if (!s->be->witness_suffix)
        return BK_OK;
    s->witness_path = xasprintf("%s%s", s->path, s->be->witness_suffix);
    enum bk_status st = witness_open(s->witness_path, false, &s->witness, err);
    if (st != BK_OK || s->witness)
        return st;
    struct store_head head;
    st = s->be->head(s->impl, &head, err);
    if (st == BK_OK && head.seq == 0)
        st = witness_open(s->witness_path, true, &s->witness, err);
    return st;
}

enum bk_status store_open_with(const struct store_options *o, struct store **out,
                               struct bk_err *err)
{
    *out = NULL;
    const char *path = o->path ? o->path : "";
    if (!path[0] && !has_url(o))
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("no store file was given: set the database in the configuration"));
    /* libsodium picks its fastest BLAKE2b here; it is safe to call again. */
    if (sodium_init() < 0)
        return bk_err_set(err, BK_ERR_STORE, path, 0, NULL,
                          _("the cryptography library could not start, so the store cannot be "
                            "opened"));
    struct store *s = xcalloc(1, sizeof *s);
    /* The embedded file; the server alone; or this machine's journal in
     * front of the server. */
    if (!has_url(o))
        s->be = &store_sqlite_backend;
    else if (!path[0])
        s->be = &store_pg_backend;
    else
        s->be = &store_replica_backend;
    s->path = xstrdup(path);
    s->url = xstrdup(has_url(o) ? o->url : "");
    s->kiosk = xstrdup(o->kiosk ? o->kiosk : "");
    s->o = *o;
    s->o.path = s->path;
    s->o.url = s->url;
    s->o.kiosk = s->kiosk;
    enum bk_status st = s->be->open(&s->o, &s->impl, err);
    if (st == BK_OK)
        st = open_witness(s, err);
    if (st != BK_OK) {
        store_close(s);
        return st;
    }
    *out = s;
    return BK_OK;
}

enum bk_status store_open(const char *path, struct store **out, struct bk_err *err)
{
    struct store_options o = {.path = path};
    return store_open_with(&o, out, err);
}

enum bk_status store_create(const char *path, struct store **out, struct bk_err *err)
{
    struct store_options o = {.path = path, .create = true};
    return store_open_with(&o, out, err);
}

void store_close(struct store *s)
{
    if (!s)
        return;
    if (s->impl)
        s->be->close(s->impl);
    witness_close(s->witness);
    free(s->witness_path);
    free(s->path);
    free(s->url);
    free(s->kiosk);
    free(s);
}

bool store_is_shared(const struct store *s)
{
    return s->be != &store_sqlite_backend;
}

bool store_last_offline(const struct store *s)
{
    return s->be->last_offline && s->be->last_offline(s->impl);
}

enum bk_status store_sync_status(struct store *s, struct store_sync_status *st,
                                 struct bk_err *err)
{
    memset(st, 0, sizeof *st);
    return s->be->sync_status ? s->be->sync_status(s->impl, st, err) : BK_OK;
}

enum bk_status store_sync(struct store *s, struct store_sync_status *st, struct bk_err *err)
{
    memset(st, 0, sizeof *st);
    return s->be->sync ? s->be->sync(s->impl, st, err) : BK_OK;
}

enum bk_status store_sync_start(struct store *s, struct bk_err *err)
{
    return s->be->sync_start ? s->be->sync_start(s->impl, err) : BK_OK;
}

enum bk_status store_db_init(const struct store_options *o, int *from, int *to,
                             struct bk_err *err)
{
    if (!has_url(o))
        return bk_err_set(err, BK_ERR_CONFIG, NULL, 0, "store.url",
                          _("no shared store is configured: set [store] url, or give --store "
                            "URL"));
    return store_pg_init(o, from, to, err);
}

enum bk_status store_db_grant(const struct store_options *o, enum store_role kind,
                              const char *role, struct bk_err *err)
{
    if (!has_url(o))
        return bk_err_set(err, BK_ERR_CONFIG, NULL, 0, "store.url",
                          _("no shared store is configured: set [store] url, or give --store "
                            "URL"));
    return store_pg_grant(o, kind, role, err);
}

/* Wall-clock milliseconds for updated_at. tz_now_ms is not used so that the
 * store does not depend on the time-zone module. */
/* Tickets keep their IDs (store.h). What the store holds: each ID, with
 * its code hash or without one. */
struct held {
    struct strmap *by_hash; /* hex code hash -> index into ids */
    struct strmap *by_id;   /* ID -> 1 when it has a code, 2 when not */
    char **ids;
    size_t n, cap;
};

static void hex_of(const unsigned char hash[STORE_HASH_BYTES], char out[2 * STORE_HASH_BYTES + 1])
{
    sodium_bin2hex(out, 2 * STORE_HASH_BYTES + 1, hash, STORE_HASH_BYTES);
}

static int note_held(void *ctx, const char *id, const unsigned char *hash)
{
    struct held *h = ctx;
    *strmap_slot(h->by_id, id, NULL) = hash ? 1 : 2;
    if (!hash)
        return 0;
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 256;
        h->ids = xrealloc(h->ids, h->cap * sizeof *h->ids);
    }
    char hex[2 * STORE_HASH_BYTES + 1];
    hex_of(hash, hex);
    *strmap_slot(h->by_hash, hex, NULL) = h->n;
    h->ids[h->n++] = xstrdup(id);
    return 0;
}

/* True when id may be given to a new ticket: no other ticket holds it (an
 * attendee without a code is adopted) and none in this import took it. */
static bool id_free(const struct held *h, const struct strmap *used, const char *id)
{
    const uintptr_t *in_store = strmap_find(h->by_id, id);
    return (!in_store || *in_store == 2) && !strmap_find(used, id);
}

static enum bk_status keep_ticket_ids(struct store *s, const struct roster *r, char **ids,
                                      struct bk_err *err)
{
    struct held h = {strmap_new(), strmap_new(), NULL, 0, 0};
    struct strmap *used = strmap_new();
    enum bk_status st = s->be->foreach_code(s->impl, note_held, &h, err);
    /* Known tickets first, so a new ticket cannot take an ID a known one
     * keeps. */
    for (size_t i = 0; st == BK_OK && i < r->n_people; i++) {
        unsigned char hash[STORE_HASH_BYTES];
        char hex[2 * STORE_HASH_BYTES + 1];
        store_code_hash(r->tickets[i].code, strlen(r->tickets[i].code), hash);
        hex_of(hash, hex);
        const uintptr_t *known = strmap_find(h.by_hash, hex);
        if (known) {
            ids[i] = xstrdup(h.ids[*known]);
            *strmap_slot(used, ids[i], NULL) = 1;
        }
    }
    for (size_t i = 0; st == BK_OK && i < r->n_people; i++) {
        if (ids[i])
            continue;
        const char *want = r->people[i].id, *other = r->tickets[i].long_id;
        if (id_free(&h, used, want))
            ids[i] = xstrdup(want);
        else if (other && id_free(&h, used, other))
            ids[i] = xstrdup(other);
        else
            st = bk_err_set(err, BK_ERR_INVALID, s->path, 0, "id",
                            _("a new ticket of order %s would get the ID %s, which another "
                              "ticket already has, so nothing was imported"),
                            r->tickets[i].order, other ? other : want);
        if (ids[i])
            *strmap_slot(used, ids[i], NULL) = 1;
    }
    for (size_t i = 0; i < h.n; i++)
        free(h.ids[i]);
    free(h.ids);
    strmap_free(h.by_hash);
    strmap_free(h.by_id);
    strmap_free(used);
    return st;
}

enum bk_status store_import(struct store *s, const struct roster *r,
                            const struct store_import_options *opt,
                            struct store_import_summary *summary, struct bk_err *err)
{
    struct store_import_summary local;
    struct store_import_options apply = {0};
    if (!summary)
        summary = &local;
    if (!opt)
        opt = &apply;
    memset(summary, 0, sizeof *summary);
    if (!r || r->n_people == 0)
        return bk_err_set(err, BK_ERR_INVALID, s->path, 0, NULL,
                          _("the export lists nobody, so nothing was imported: importing it "
                            "would withdraw every attendee"));
    for (size_t i = 0; i < r->n_people; i++)
        if (!r->people[i].id || !r->people[i].id[0])
            return bk_err_set(err, BK_ERR_INVALID, s->path, 0, "id",
                              _("person %zu of the export has no ID, so nothing was imported"),
                              i + 1);
    enum bk_status st;
    if (!r->tickets) {
        st = s->be->import(s->impl, r, opt, clock_wall_ms(), summary, err);
    } else {
        /* The same roster with each ticket's ID as the store keeps it. */
        struct roster kept = *r;
        kept.people = xcalloc(r->n_people ? r->n_people : 1, sizeof *kept.people);
        char **ids = xcalloc(r->n_people ? r->n_people : 1, sizeof *ids);
        st = keep_ticket_ids(s, r, ids, err);
        for (size_t i = 0; st == BK_OK && i < r->n_people; i++) {
            kept.people[i] = r->people[i];
            kept.people[i].id = ids[i];
        }
        if (st == BK_OK)
            st = s->be->import(s->impl, &kept, opt, clock_wall_ms(), summary, err);
        for (size_t i = 0; i < r->n_people; i++)
            free(ids[i]);
        free(ids);
        free(kept.people);
    }
    if (st == BK_OK && !summary->applied && !opt->dry_run)
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("the export would withdraw %zu of the %zu people confirmed now "
                            "(more than %u%%), so nothing was imported: check that it is "
                            "complete (badgectl check --verbose lists them), or give "
                            "--accept-withdrawals"),
                          summary->withdrawn, summary->confirmed_before,
                          opt->max_withdrawn_percent);
    return st;
}

enum bk_status store_get_attendee(struct store *s, const char *id, struct attendee *a,
                                  struct bk_err *err)
{
    memset(a, 0, sizeof *a);
    if (!id)
        return bk_err_set(err, BK_ERR_INVALID, s->path, 0, "id", _("no attendee ID was given"));
    return s->be->get_attendee(s->impl, id, a, err);
}

/* Every event needs where, how and what; the rest may be absent. */
static enum bk_status check_scan(struct store *s, const struct store_scan *scan, struct bk_err *err)
{
    if (!scan || !scan->kiosk || !scan->method)
        return bk_err_set(err, BK_ERR_INVALID, s->path, 0, NULL,
                          _("a scan without a kiosk or method cannot be recorded"));
    return BK_OK;
}

/* Appends a record, then tells the witness. The record is durable once the
 * engine returns: a witness that cannot be written (a full disk) only lags,
 * so its failure does not undo an acknowledged scan. */
static enum bk_status append(struct store *s, struct store_append *a, struct bk_err *err)
{
    enum bk_status st = s->be->append(s->impl, a, err);
    if (st == BK_OK && s->witness)
        witness_append(s->witness, a->seq, a->hash, NULL);
    return st;
}

enum bk_status store_record_checkin(struct store *s, const struct store_scan *scan,
                                    struct store_owed_badge *owed, bool *already,
                                    int64_t *first_at_ms, struct bk_err *err)
{
    bool already_local;
    int64_t first_local;
    if (!already)
        already = &already_local;
    if (!first_at_ms)
        first_at_ms = &first_local;
    *already = false;
    *first_at_ms = 0;
    if (owed)
        owed->id = 0;
    enum bk_status st = check_scan(s, scan, err);
    if (st != BK_OK)
        return st;
    if (!scan->attendee || !scan->has_day)
        return bk_err_set(err, BK_ERR_INVALID, s->path, 0, NULL,
                          _("a check-in needs an attendee and a day"));
    if (owed && (!owed->serial || !owed->serial[0]))
        return bk_err_set(err, BK_ERR_INVALID, s->path, 0, NULL,
                          _("a badge owed needs a serial"));
    struct store_append a = {.scan = scan,
                             .check_first = true,
                             .owed_serial = owed ? owed->serial : NULL};
    st = append(s, &a, err);
    if (st != BK_OK)
        return st;
    *already = a.already;
    *first_at_ms = a.first_at_ms;
    if (owed)
        owed->id = a.owed_id;
    return BK_OK;
}

enum bk_status store_record_scan(struct store *s, const struct store_scan *scan, struct bk_err *err)
{
    enum bk_status st = check_scan(s, scan, err);
    if (st != BK_OK)
        return st;
    if (!scan->outcome)
        return bk_err_set(err, BK_ERR_INVALID, s->path, 0, NULL,
                          _("a scan without an outcome cannot be recorded"));
    /* A check-in recorded here would skip the once-a-day check. */
    if (strcmp(scan->outcome, "checked_in") == 0 ||
        strcmp(scan->outcome, "already_checked_in") == 0)
        return bk_err_set(err, BK_ERR_INVALID, s->path, 0, NULL,
                          _("check-ins are recorded with store_record_checkin, not as plain "
                            "scans"));
    struct store_append a = {.scan = scan};
    return append(s, &a, err);
}

/* ---- correction requests: events in the log, folded ---- */

enum bk_status store_record_correction(struct store *s, const char *attendee, bk_day day,
                                       const char *kiosk, const char *method, const char *details,
                                       int64_t at_ms, struct bk_err *err)
{
    if (!attendee || !attendee[0])
        return bk_err_set(err, BK_ERR_INVALID, s->path, 0, NULL,
                          _("a correction request needs an attendee"));
    struct store_scan sc = {.at_ms = at_ms,
                            .kiosk = kiosk,
                            .method = method,
                            .outcome = STORE_CORRECTION_ASKED,
                            .attendee = attendee,
                            .day = day,
                            .has_day = true,
                            .detail = details && details[0] ? details : NULL};
    return store_record_scan(s, &sc, err);
}

/* One person's requests as the log has them so far. */
struct correction_fold {
    char *attendee, *kiosk, *details;
    bk_day day;
    int64_t asked_ms;   /* the latest request; 0: none */
    int64_t cleared_ms; /* the latest clear; 0: none */
};

struct corrections {
    struct strmap *index; /* attendee -> 1 + place in people */
    struct correction_fold *people;
    size_t n;
};

static void fold_free(struct corrections *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->people[i].attendee);
        free(c->people[i].kiosk);
        free(c->people[i].details);
    }
    free(c->people);
    strmap_free(c->index);
}

/* Each request and clear, whatever its chain: a clear settles the requests
 * made up to its time, so the order the events are walked in (the server's
 * log, then this machine's journal, which may hold the same events) does
 * not matter. */
static int fold_correction(void *ctx, const struct store_event *ev)
{
    struct corrections *c = ctx;
    bool asked = strcmp(ev->outcome, STORE_CORRECTION_ASKED) == 0;
    if ((!asked && strcmp(ev->outcome, STORE_CORRECTION_CLEARED) != 0) || !ev->attendee)
        return 0;
    bool added = false;
    uintptr_t *slot = strmap_slot(c->index, ev->attendee, &added);
    if (added) {
        c->people = xrealloc(c->people, (c->n + 1) * sizeof *c->people);
        c->people[c->n] = (struct correction_fold){.attendee = xstrdup(ev->attendee)};
        *slot = ++c->n;
    }
    struct correction_fold *p = &c->people[*slot - 1];
    if (!asked) {
        if (ev->at_ms > p->cleared_ms)
            p->cleared_ms = ev->at_ms;
        return 0;
    }
    if (ev->at_ms <= p->asked_ms)
        return 0;
    p->asked_ms = ev->at_ms;
    p->day = ev->has_day ? ev->day : 0;
    free(p->kiosk);
    free(p->details);
    p->kiosk = xstrdup(ev->kiosk ? ev->kiosk : "");
    p->details = xstrdup(ev->detail ? ev->detail : "");
    return 0;
}

static int by_asked(const void *a, const void *b)
{
    const struct correction_fold *x = a, *y = b;
    return (x->asked_ms > y->asked_ms) - (x->asked_ms < y->asked_ms);
}

/* Folds every request and clear in the log into c. A machine with a journal
 * also reads its own events there: those still waiting for the server, or
 * all of them while it is cut off. */
static enum bk_status fold_corrections(struct store *s, struct corrections *c, struct bk_err *err)
{
    c->index = strmap_new();
    void *journal = s->be->journal ? s->be->journal(s->impl) : NULL;
    struct bk_err e;
    bk_err_clear(&e);
    enum bk_status st = s->be->foreach_scan(s->impl, fold_correction, c, &e);
    if (st == BK_ERR_OFFLINE && journal)
        st = BK_OK;
    else if (st != BK_OK)
        *err = e;
    if (st == BK_OK && journal)
        st = store_sqlite_backend.foreach_scan(journal, fold_correction, c, err);
    return st;
}

enum bk_status store_clear_correction(struct store *s, const char *attendee, const char *kiosk,
                                      const char *method, const char *how, int64_t at_ms,
                                      bool *found, struct bk_err *err)
{
    bool found_local;
    if (!found)
        found = &found_local;
    *found = false;
    if (!attendee || !attendee[0])
        return bk_err_set(err, BK_ERR_INVALID, s->path, 0, NULL,
                          _("a correction request needs an attendee"));
    struct corrections c = {0};
    enum bk_status st = fold_corrections(s, &c, err);
    uintptr_t *slot = st == BK_OK ? strmap_find(c.index, attendee) : NULL;
    const struct correction_fold *p = slot ? &c.people[*slot - 1] : NULL;
    if (p && p->asked_ms && p->asked_ms > p->cleared_ms) {
        *found = true;
        /* The clear must come after the request it settles, even when this
         * machine's clock is behind the kiosk's that took it. */
        struct store_scan sc = {.at_ms = at_ms > p->asked_ms ? at_ms : p->asked_ms + 1,
                                .kiosk = kiosk,
                                .method = method,
                                .outcome = STORE_CORRECTION_CLEARED,
                                .attendee = attendee,
                                .day = p->day,
                                .has_day = true,
                                .detail = how};
        st = store_record_scan(s, &sc, err);
    }
    fold_free(&c);
    return st;
}

enum bk_status store_foreach_correction(struct store *s,
                                        int (*fn)(void *ctx, const struct store_correction *c),
                                        void *ctx, struct bk_err *err)
{
    struct corrections c = {0};
    enum bk_status st = fold_corrections(s, &c, err);
    if (st == BK_OK) {
        if (c.n)
            qsort(c.people, c.n, sizeof *c.people, by_asked);
        for (size_t i = 0; i < c.n; i++) {
            const struct correction_fold *p = &c.people[i];
            if (!p->asked_ms || p->asked_ms <= p->cleared_ms)
                continue;
            struct store_correction sc = {.attendee = p->attendee,
                                          .day = p->day,
                                          .at_ms = p->asked_ms,
                                          .kiosk = p->kiosk,
                                          .details = p->details};
            if (fn(ctx, &sc))
                break;
        }
    }
    fold_free(&c);
    return st;
}

enum bk_status store_badge_printed(struct store *s, const char *id, bool *printed,
                                   struct bk_err *err)
{
    *printed = false;
    if (!id)
        return bk_err_set(err, BK_ERR_INVALID, s->path, 0, "id", _("no attendee ID was given"));
    return s->be->badge_printed(s->impl, id, printed, err);
}

enum bk_status store_foreach_scan(struct store *s,
                                  int (*fn)(void *ctx, const struct store_event *ev), void *ctx,
                                  struct bk_err *err)
{
    return s->be->foreach_scan(s->impl, fn, ctx, err);
}

enum bk_status store_foreach_attendee(struct store *s,
                                      int (*fn)(void *ctx, const struct attendee *a), void *ctx,
                                      struct bk_err *err)
{
    return s->be->foreach_attendee(s->impl, fn, ctx, err);
}

enum bk_status store_foreach_attendance(struct store *s,
                                        int (*fn)(void *ctx, const char *attendee, bk_day day,
                                                  int64_t first_at_ms),
                                        void *ctx, struct bk_err *err)
{
    return s->be->foreach_attendance(s->impl, fn, ctx, err);
}

/* What a heartbeat's texts may hold: the dashboard shows them as they are,
 * and a state is one word. */
#define HEARTBEAT_TEXT_MAX 2048

static bool heartbeat_text_ok(const char *t, size_t max)
{
    return t && strlen(t) <= max && utf8_valid(t, strlen(t));
}

enum bk_status store_put_heartbeat(struct store *s, const struct store_heartbeat *given,
                                   struct bk_err *err)
{
    /* The texts that may be absent are kept as "". */
    struct store_heartbeat copy = *given, *hb = &copy;
    if (!hb->printer_reasons)
        hb->printer_reasons = "";
    if (!hb->correction_ids)
        hb->correction_ids = "";
    if (!hb->kiosk || !hb->kiosk[0] || !heartbeat_text_ok(hb->kiosk, 127) ||
        !heartbeat_text_ok(hb->printer_state, 32) ||
        !heartbeat_text_ok(hb->printer_reasons, HEARTBEAT_TEXT_MAX) ||
        !heartbeat_text_ok(hb->camera, 32) ||
        !heartbeat_text_ok(hb->correction_ids, HEARTBEAT_TEXT_MAX) || hb->waiting < 0 || hb->badges_pending < 0 ||
        hb->corrections < 0)
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("a kiosk heartbeat with an empty name, a text too long or not "
                            "UTF-8, or a negative count was not kept"));
    if (!s->be->put_heartbeat)
        return BK_OK;
    return s->be->put_heartbeat(s->impl, hb, err);
}

enum bk_status store_foreach_heartbeat(struct store *s,
                                       int (*fn)(void *ctx, const struct store_heartbeat *hb),
                                       void *ctx, struct bk_err *err)
{
    return s->be->foreach_heartbeat ? s->be->foreach_heartbeat(s->impl, fn, ctx, err) : BK_OK;
}

enum bk_status store_count_attendees(struct store *s, size_t *n, struct bk_err *err)
{
    *n = 0;
    return s->be->count_attendees(s->impl, n, err);
}

enum bk_status store_count_scans(struct store *s, size_t *n, struct bk_err *err)
{
    *n = 0;
    return s->be->count_scans(s->impl, n, err);
}

enum bk_status store_count_conflicts(struct store *s, size_t *n, struct bk_err *err)
{
    *n = 0;
    if (!s->be->server)
        return BK_OK;
    void *srv = s->be->server(s->impl, err);
    return srv ? store_pg_count_conflicts(srv, n, err) : (err ? err->status : BK_ERR_OFFLINE);
}

/* The one code table of badge states: their text in the store. */
static const char *const badge_status_codes[STORE_BADGE_N_STATUSES] = {
    [STORE_BADGE_PENDING] = "pending",
    [STORE_BADGE_SUBMITTED] = "submitted",
    [STORE_BADGE_PRINTED] = "printed",
    [STORE_BADGE_CANCELLED] = "cancelled",
};

const char *store_badge_status_code(enum store_badge_status s)
{
    return (unsigned)s < STORE_BADGE_N_STATUSES ? badge_status_codes[s] : "?";
}

bool store_badge_status_from_code(const char *code, enum store_badge_status *out)
{
    for (int i = 0; i < STORE_BADGE_N_STATUSES; i++) {
        if (code && strcmp(code, badge_status_codes[i]) == 0) {
            *out = (enum store_badge_status)i;
            return true;
        }
    }
    return false;
}

bool store_badge_waiting(enum store_badge_status s)
{
    return s == STORE_BADGE_PENDING || s == STORE_BADGE_SUBMITTED;
}

enum bk_status store_badge_add(struct store *s, const char *attendee, const char *serial,
                               const char *reason, const char *kiosk, int64_t at_ms, int64_t *id,
                               struct bk_err *err)
{
    if (!attendee || !attendee[0] || !serial || !serial[0] || !kiosk)
        return bk_err_set(err, BK_ERR_INVALID, s->path, 0, NULL,
                          _("a badge needs an attendee, a serial and a kiosk"));
    return s->be->badge_add(s->impl, attendee, serial, reason, kiosk, at_ms, id, err);
}

enum bk_status store_badge_update(struct store *s, int64_t id, enum store_badge_status expect,
                                  enum store_badge_status status, const char *printer, int job,
                                  const char *detail, int64_t at_ms, struct bk_err *err)
{
    /* The enum makes a misspelt state a compile error; this catches a
     * value cast from elsewhere. */
    if ((unsigned)status >= STORE_BADGE_N_STATUSES || (unsigned)expect > STORE_BADGE_ANY)
        return bk_err_set(err, BK_ERR_INVALID, s->path, 0, NULL, _("%d is not a badge status"),
                          (unsigned)status >= STORE_BADGE_N_STATUSES ? (int)status : (int)expect);
    return s->be->badge_update(s->impl, id, expect, status, printer, job, detail, at_ms, err);
}

enum bk_status store_foreach_badge(struct store *s, const char *attendee,
                                   int (*fn)(void *ctx, const struct store_badge *b), void *ctx,
                                   struct bk_err *err)
{
    return s->be->foreach_badge(s->impl, attendee, fn, ctx, err);
}

enum bk_status store_set_tokens(struct store *s, size_t n, const char *const *attendees,
                                const char *const *payloads, struct bk_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (!attendees[i] || !payloads[i] || !payloads[i][0])
            return bk_err_set(err, BK_ERR_INVALID, s->path, 0, NULL,
                              _("a QR payload needs an attendee and some text"));
    return n ? s->be->set_tokens(s->impl, n, attendees, payloads, err) : BK_OK;
}

enum bk_status store_find_code(struct store *s, const char *code, size_t len, char *id,
                               size_t idsize, struct bk_err *err)
{
    if (idsize > 0)
        id[0] = '\0';
    if (!code || len == 0)
        return bk_err_set(err, BK_ERR_INVALID, s->path, 0, NULL, _("no code was given"));
    unsigned char hash[STORE_HASH_BYTES];
    store_code_hash(code, len, hash);
    char *found = NULL;
    enum bk_status st = s->be->find_code(s->impl, hash, &found, err);
    sodium_memzero(hash, sizeof hash);
    if (st != BK_OK)
        return st;
    if (strlen(found) >= idsize)
        st = bk_err_set(err, BK_ERR_STORE, s->path, 0, "id",
                        _("a ticket's ID in the store is too long: the store was changed by "
                          "another program"));
    else
        memcpy(id, found, strlen(found) + 1);
    free(found);
    return st;
}

/* The key of a ticket's code: BLAKE2b, domain-separated from the chain's
 * hashes and from the roster's ID suffixes. Not keyed: the store keeps the
 * code itself as the ticket's token for its badge, so a key kept beside it
 * would hide nothing; what the hash buys is that no code is compared as
 * text (store_find_code). */
#define CODE_DOMAIN "badgekiosk ticket code v1"

bool store_import_may_apply(const struct store_import_options *opt,
                            const struct store_import_summary *sum)
{
    if (opt->dry_run)
        return false;
    return !opt->guard_withdrawals || (uint64_t)sum->withdrawn * 100 <=
                                          (uint64_t)opt->max_withdrawn_percent * sum->confirmed_before;
}

void store_code_hash(const char *code, size_t len, unsigned char out[STORE_HASH_BYTES])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, STORE_HASH_BYTES);
    crypto_generichash_update(&h, (const unsigned char *)CODE_DOMAIN, strlen(CODE_DOMAIN));
    crypto_generichash_update(&h, (const unsigned char *)code, len);
    crypto_generichash_final(&h, out, STORE_HASH_BYTES);
}

enum bk_status store_get_token(struct store *s, const char *attendee, char **payload,
                               struct bk_err *err)
{
    *payload = NULL;
    if (!attendee)
        return bk_err_set(err, BK_ERR_INVALID, s->path, 0, "id", _("no attendee ID was given"));
    return s->be->get_token(s->impl, attendee, payload, err);
}

/* The hash chain.
 *
 * A record's hash is BLAKE2b-256 over a canonical encoding of its fields and
 * the previous record's hash. The encoding leaves no ambiguity: integers are
 * 8 bytes big-endian (two's complement), byte strings are their length as
 * such an integer followed by the bytes, and optional fields start with one
 * byte, 0 for absent or 1 for present. It begins with a versioned domain
 * string, so a different format can never produce the same hashes. Changing
 * any of this makes every existing store fail verification.
 *
 * The hash is not keyed: it shows edits made by hand or by other tools, not
 * a forger who rewrites the whole chain with this code. */
#define CHAIN_DOMAIN "badgekiosk scan_event v1"

static void hash_u64(crypto_generichash_state *h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (56 - 8 * i));
    crypto_generichash_update(h, b, sizeof b);
}

static void hash_bytes(crypto_generichash_state *h, const void *p, size_t n)
{
    hash_u64(h, n);
    if (n)
        crypto_generichash_update(h, p, n);
}

static void hash_presence(crypto_generichash_state *h, bool present)
{
    unsigned char tag = present ? 1 : 0;
    crypto_generichash_update(h, &tag, 1);
}

static void hash_optional_text(crypto_generichash_state *h, const char *s)
{
    hash_presence(h, s != NULL);
    if (s)
        hash_bytes(h, s, strlen(s));
}

void store_event_hash(const struct store_event *ev, unsigned char out[STORE_HASH_BYTES])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, STORE_HASH_BYTES);
    hash_bytes(&h, CHAIN_DOMAIN, strlen(CHAIN_DOMAIN));
    hash_u64(&h, (uint64_t)ev->seq);
    hash_u64(&h, (uint64_t)ev->at_ms);
    hash_bytes(&h, ev->kiosk, strlen(ev->kiosk));
    hash_bytes(&h, ev->method, strlen(ev->method));
    hash_bytes(&h, ev->outcome, strlen(ev->outcome));
    hash_optional_text(&h, ev->attendee);
    hash_presence(&h, ev->has_day);
    if (ev->has_day)
        hash_u64(&h, (uint64_t)(int64_t)ev->day);
    hash_optional_text(&h, ev->detail);
    hash_bytes(&h, ev->prev_hash, ev->prev_hash_len);
    crypto_generichash_final(&h, out, STORE_HASH_BYTES);
}

void store_scan_hash(const struct store_scan *scan, int64_t seq, const char *outcome,
                     const unsigned char prev[STORE_HASH_BYTES], unsigned char out[STORE_HASH_BYTES])
{
    struct store_event e = {.seq = seq,
                            .at_ms = scan->at_ms,
                            .kiosk = scan->kiosk,
                            .method = scan->method,
                            .outcome = outcome,
                            .attendee = scan->attendee,
                            .day = scan->has_day ? scan->day : 0,
                            .has_day = scan->has_day,
                            .detail = scan->detail,
                            .prev_hash = prev,
                            .prev_hash_len = STORE_HASH_BYTES};
    store_event_hash(&e, out);
}

/* Where a chain's walk has got to. */
struct chain_state {
    int64_t last_seq; /* 0 before the first record */
    unsigned char last_hash[STORE_HASH_BYTES];
};

struct chain_walk {
    const char *path;
    int64_t records;
    struct chain_state one;    /* the embedded store's single chain */
    struct strmap *chains;     /* the shared store's: chain -> index + 1 into states */
    struct chain_state *states;
    size_t n_states, cap_states;
    int64_t first_bad;
    char bad_chain[160]; /* the chain of first_bad, "" in the embedded store */
    struct bk_err *err;
    /* The witness's entries by seq, and the next one to compare. */
    const struct witness_entry *wit;
    size_t n_wit, next_wit;
    const char *witness_path;
    /* A head kept elsewhere, and whether the log still holds it. */
    const struct store_head *known;
    size_t known_digits;
    bool known_found;
};

/* The state of ev's chain: the file's one, or ev->chain's. */
static struct chain_state *chain_of(struct chain_walk *w, const struct store_event *ev)
{
    if (!ev->chain)
        return &w->one;
    if (!w->chains)
        w->chains = strmap_new();
    bool added = false;
    uintptr_t *slot = strmap_slot(w->chains, ev->chain, &added);
    if (added) {
        if (w->n_states == w->cap_states) {
            w->cap_states = w->cap_states ? 2 * w->cap_states : 16;
            w->states = xrealloc(w->states, w->cap_states * sizeof *w->states);
        }
        memset(&w->states[w->n_states], 0, sizeof w->states[0]);
        *slot = ++w->n_states;
    }
    return &w->states[*slot - 1];
}

/* Compares the first digits hex digits of two hashes. */
static bool same_digits(const unsigned char *a, const unsigned char *b, size_t digits)
{
    size_t whole = digits / 2;
    if (sodium_memcmp(a, b, whole) != 0)
        return false;
    return digits % 2 == 0 || (a[whole] >> 4) == (b[whole] >> 4);
}

/* The record matches what the witness and a known head say of it. */
static int check_witnessed(struct chain_walk *w, const struct store_event *ev)
{
    while (w->next_wit < w->n_wit && w->wit[w->next_wit].seq <= ev->seq) {
        const struct witness_entry *e = &w->wit[w->next_wit++];
        if (e->seq == ev->seq && sodium_memcmp(e->hash, ev->hash, STORE_HASH_BYTES) != 0) {
            w->first_bad = ev->seq;
            bk_err_set(w->err, BK_ERR_INVALID, w->path, 0, NULL,
                       _("event log record %lld is not the one its witness recorded (%s, line "
                         "%ld): the log was rewritten from there on outside badgekiosk"),
                       (long long)ev->seq, w->witness_path, e->line);
            return 1;
        }
    }
    if (w->known && w->known->seq == ev->seq) {
        w->known_found = true;
        if (!same_digits(w->known->hash, ev->hash, w->known_digits)) {
            w->first_bad = ev->seq;
            bk_err_set(w->err, BK_ERR_INVALID, w->path, 0, NULL,
                       _("event log record %lld does not have the hash of the head given: the "
                         "log was rewritten outside badgekiosk"),
                       (long long)ev->seq);
            return 1;
        }
    }
    return 0;
}

static int verify_one(void *ctx, const struct store_event *ev)
{
    struct chain_walk *w = ctx;
    w->records++;
    struct chain_state *c = chain_of(w, ev);
    /* Messages name a shared store's chain by the machine that made it. */
    char who[160] = "";
    if (ev->chain)
        snprintf(who, sizeof who, _(" of %s (journal %s)"), ev->source ? ev->source : "?",
                 ev->chain);
    unsigned char want[STORE_HASH_BYTES];
    store_event_hash(ev, want);
    if (ev->hash_len != STORE_HASH_BYTES || sodium_memcmp(want, ev->hash, sizeof want) != 0) {
        w->first_bad = ev->seq;
        snprintf(w->bad_chain, sizeof w->bad_chain, "%s", ev->chain ? ev->chain : "");
        bk_err_set(w->err, BK_ERR_INVALID, w->path, 0, NULL,
                   _("event log record %lld%s does not match its hash: the store was altered "
                     "outside badgekiosk"),
                   (long long)ev->seq, who);
        return 1;
    }
    /* The record is intact itself; now it must follow the one before it,
     * which is what shows a record removed or reordered. */
    if (ev->seq != c->last_seq + 1 || ev->prev_hash_len != STORE_HASH_BYTES ||
        sodium_memcmp(ev->prev_hash, c->last_hash, STORE_HASH_BYTES) != 0) {
        w->first_bad = ev->seq;
        snprintf(w->bad_chain, sizeof w->bad_chain, "%s", ev->chain ? ev->chain : "");
        if (c->last_seq == 0)
            bk_err_set(w->err, BK_ERR_INVALID, w->path, 0, NULL,
                       _("event log record %lld%s does not start the log: earlier records were "
                         "removed outside badgekiosk"),
                       (long long)ev->seq, who);
        else
            bk_err_set(w->err, BK_ERR_INVALID, w->path, 0, NULL,
                       _("event log record %lld%s does not follow record %lld: records were "
                         "removed or reordered outside badgekiosk"),
                       (long long)ev->seq, who, (long long)c->last_seq);
        return 1;
    }
    c->last_seq = ev->seq;
    memcpy(c->last_hash, ev->hash, STORE_HASH_BYTES);
    /* A witness and a head printed elsewhere vouch for the embedded store's
     * one chain; a shared store's journals are their own witnesses. */
    return ev->chain ? 0 : check_witnessed(w, ev);
}

/* After the walk: the log must reach as far as its witness and the known
 * head, or its tail was cut. */
static enum bk_status check_tail(struct chain_walk *w)
{
    if (w->n_wit && w->wit[w->n_wit - 1].seq > w->one.last_seq) {
        const struct witness_entry *e = &w->wit[w->n_wit - 1];
        w->first_bad = w->one.last_seq + 1;
        return bk_err_set(w->err, BK_ERR_INVALID, w->path, 0, NULL,
                          _("the event log ends at record %lld, but its witness (%s, line %ld) "
                            "knows record %lld: records %lld to %lld were cut from the end of "
                            "the log outside badgekiosk (or the store was restored from an "
                            "older copy)"),
                          (long long)w->one.last_seq, w->witness_path, e->line, (long long)e->seq,
                          (long long)w->one.last_seq + 1, (long long)e->seq);
    }
    if (w->known && !w->known_found) {
        w->first_bad = w->one.last_seq + 1;
        return bk_err_set(w->err, BK_ERR_INVALID, w->path, 0, NULL,
                          _("the event log ends at record %lld, but the head given is record "
                            "%lld: records %lld to %lld were cut from the end of the log"),
                          (long long)w->one.last_seq, (long long)w->known->seq,
                          (long long)w->one.last_seq + 1, (long long)w->known->seq);
    }
    return BK_OK;
}

enum bk_status store_verify_chain(struct store *s, struct store_verify *v, struct bk_err *err)
{
    v->records = 0;
    v->first_bad = 0;
    v->witnessed = false;
    v->witness_seq = 0;
    memset(&v->head, 0, sizeof v->head);
    snprintf(v->witness, sizeof v->witness, "%s", s->witness_path ? s->witness_path : "");
    struct chain_walk w = {.path = s->path,
                           .err = err,
                           .witness_path = v->witness,
                           .known = v->known,
                           .known_digits = v->known_digits ? v->known_digits
                                                           : 2 * STORE_HASH_BYTES};
    struct witness_entry *wit = NULL;
    if (s->witness_path) {
        /* Read before the log, so records appended meanwhile by a kiosk
         * are in the log when the walk gets there. */
        enum bk_status ws = witness_read(s->witness_path, &wit, &w.n_wit, err);
        if (ws == BK_OK)
            v->witnessed = true;
        else if (ws == BK_ERR_NOT_FOUND)
            bk_err_clear(err);
        else
            return ws;
        w.wit = wit;
        if (w.n_wit)
            v->witness_seq = wit[w.n_wit - 1].seq;
    }
    enum bk_status st = s->be->foreach_scan(s->impl, verify_one, &w, err);
    if (st == BK_OK && !w.first_bad)
        st = check_tail(&w);
    else if (st == BK_OK)
        st = BK_ERR_INVALID;
    free(wit);
    strmap_free(w.chains);
    free(w.states);
    v->records = w.records;
    v->first_bad = w.first_bad;
    v->head.seq = w.one.last_seq;
    memcpy(v->head.hash, w.one.last_hash, STORE_HASH_BYTES);
    if (st == BK_OK && s->witness_path && !v->witnessed && !v->known)
        return bk_err_set(err, BK_ERR_NOT_FOUND, s->witness_path, 0, NULL,
                          _("the store's witness is missing: the chain of %lld records is "
                            "intact, but records cut from its end would not show; keep the "
                            "witness with the store (copy both), or check the log against a "
                            "head printed by report or export with verify --head"),
                          (long long)w.records);
    return st;
}

enum bk_status store_head(struct store *s, struct store_head *head, struct bk_err *err)
{
    memset(head, 0, sizeof *head);
    if (!s->be->head)
        /* Each machine's journal keeps a chain of its own there. */
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("the shared store has no single log head: each kiosk's journal is "
                            "its witness (badgectl verify JOURNAL.db)"));
    return s->be->head(s->impl, head, err);
}

const char *store_head_format(const struct store_head *head, char *buf)
{
    int n = snprintf(buf, STORE_HEAD_TEXT, "%lld:", (long long)head->seq);
    sodium_bin2hex(buf + n, STORE_HEAD_TEXT - (size_t)n, head->hash, STORE_HASH_BYTES);
    return buf;
}

bool store_head_parse(const char *text, struct store_head *head, size_t *hex_digits)
{
    memset(head, 0, sizeof *head);
    char *end;
    errno = 0;
    long long seq = strtoll(text, &end, 10);
    if (errno || end == text || seq < 1 || *end != ':')
        return false;
    const char *hex = end + 1;
    size_t n = strlen(hex);
    if (n < 16 || n > 2 * STORE_HASH_BYTES || strspn(hex, "0123456789abcdefABCDEF") != n)
        return false;
    /* An odd last digit is the high half of its byte. */
    for (size_t i = 0; i < n; i++) {
        char c = hex[i];
        int v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
        head->hash[i / 2] |= (unsigned char)(i % 2 ? v : v << 4);
    }
    head->seq = seq;
    *hex_digits = n;
    return true;
}

/* ---- a journal against the server ---- */

/* The server's records of one chain: seq and hash, in seq order. */
struct server_chain {
    int64_t *seq;
    unsigned char (*hash)[STORE_HASH_BYTES];
    size_t n, cap;
};

static int take_server_event(void *ctx, const struct store_event *ev)
{
    struct server_chain *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        c->seq = xrealloc(c->seq, c->cap * sizeof *c->seq);
        c->hash = xrealloc(c->hash, c->cap * sizeof *c->hash);
    }
    c->seq[c->n] = ev->seq;
    memset(c->hash[c->n], 0, STORE_HASH_BYTES);
    if (ev->hash_len == STORE_HASH_BYTES)
        memcpy(c->hash[c->n], ev->hash, STORE_HASH_BYTES);
    c->n++;
    return 0;
}

/* The server's record seq, or -1. */
static ptrdiff_t server_find(const struct server_chain *c, int64_t seq)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->seq[mid] < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->n && c->seq[lo] == seq ? (ptrdiff_t)lo : -1;
}

/* A journal's events as the journal has them, read before the server's:
 * the server only grows, so an event the journal says it took is on the
 * server when the server is read afterwards, even on a kiosk at work. */
struct journal_events {
    void *j;
    int64_t *seq;
    unsigned char (*hash)[STORE_HASH_BYTES];
    char (*result)[16];
    size_t n, cap;
    struct bk_err *err;
    bool bad;
};

static int take_journal_event(void *ctx, const struct store_event *ev)
{
    struct journal_events *je = ctx;
    bool known = false, synced = false;
    char result[16];
    if (journal_event_state(je->j, ev->seq, &known, &synced, result, sizeof result, je->err) !=
        BK_OK) {
        je->bad = true;
        return 1;
    }
    if (je->n == je->cap) {
        je->cap = je->cap ? 2 * je->cap : 256;
        je->seq = xrealloc(je->seq, je->cap * sizeof *je->seq);
        je->hash = xrealloc(je->hash, je->cap * sizeof *je->hash);
        je->result = xrealloc(je->result, je->cap * sizeof *je->result);
    }
    je->seq[je->n] = ev->seq;
    memset(je->hash[je->n], 0, STORE_HASH_BYTES);
    if (ev->hash_len == STORE_HASH_BYTES)
        memcpy(je->hash[je->n], ev->hash, STORE_HASH_BYTES);
    /* "" when it still waits for the server. */
    snprintf(je->result[je->n], sizeof je->result[0], "%s", synced ? result : "");
    je->n++;
    return 0;
}

/* Each event of the journal against the server's copy. */
static enum bk_status compare_journal(const struct journal_events *je,
                                      const struct server_chain *server, const char *where,
                                      struct store_journal_check *out, struct bk_err *err)
{
    for (size_t i = 0; i < je->n; i++) {
        out->records++;
        if (!je->result[i][0]) {
            out->waiting++;
            continue;
        }
        ptrdiff_t at = server_find(server, je->seq[i]);
        if (at >= 0 && sodium_memcmp(server->hash[at], je->hash[i], STORE_HASH_BYTES) == 0) {
            out->on_server++;
            continue;
        }
        if (strcmp(je->result[i], "conflict") == 0) {
            /* Sent again with other content and set aside there, as
             * reported when it happened. */
            out->set_aside++;
            continue;
        }
        if (at < 0)
            return bk_err_set(err, BK_ERR_INVALID, where, 0, NULL,
                              _("event %lld of %s's journal was taken by the shared store (it "
                                "answered '%s') and is missing there now: records were removed "
                                "from the server's log (its chain %s ends at %lld)"),
                              (long long)je->seq[i], out->kiosk, je->result[i], out->chain,
                              (long long)out->server_head);
        return bk_err_set(err, BK_ERR_INVALID, where, 0, NULL,
                          _("event %lld of %s's journal differs from the shared store's copy: "
                            "the server's log was altered"),
                          (long long)je->seq[i], out->kiosk);
    }
    return BK_OK;
}

const char *store_clock_skew_text(int64_t skew_ms, char *buf, size_t n)
{
    /* The server's minus ours: positive, ours is behind. */
    long long s = (long long)(skew_ms < 0 ? -skew_ms : skew_ms) / 1000;
    char amount[32];
    if (s < 120)
        snprintf(amount, sizeof amount, _("%lld s"), s);
    else if (s < 2 * 3600)
        snprintf(amount, sizeof amount, _("%lld min"), (s + 30) / 60);
    else
        snprintf(amount, sizeof amount, _("%lld h"), (s + 1800) / 3600);
    snprintf(buf, n,
             skew_ms > 0 ? _("clock %s behind the server's") : _("clock %s ahead of the server's"),
             amount);
    return buf;
}

enum bk_status store_verify_journal(struct store *s, const char *path,
                                    struct store_journal_check *out, struct bk_err *err)
{
    memset(out, 0, sizeof *out);
    if (!s->be->server)
        return bk_err_set(err, BK_ERR_INVALID, s->path, 0, NULL,
                          _("journals are checked against the shared store: set [store] url"));
    void *j = NULL;
    bool opened = false;
    const char *where = path;
    if (path) {
        /* The embedded store's "no store here" would send the reader to
         * import, which makes no journal: say what a journal is instead. */
        struct stat info;
        if (stat(path, &info) != 0 && errno == ENOENT)
            return bk_err_set(err, BK_ERR_NOT_FOUND, path, 0, NULL,
                              _("there is no journal at %s: check the path. A journal is the "
                                "file a kiosk's or desk's [kiosk] database (--db) names, made "
                                "there by its first start or 'badgectl sync'; to check another "
                                "machine's, copy that file here and name the copy"),
                              path);
        struct store_options jo = {.path = path};
        enum bk_status st = store_sqlite_backend.open(&jo, &j, err);
        if (st != BK_OK)
            return st;
        opened = true;
    } else {
        j = s->be->journal ? s->be->journal(s->impl) : NULL;
        where = s->path;
        if (!j)
            return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                              _("this machine keeps no journal ([kiosk] database is empty)"));
    }
    enum bk_status st = BK_OK;
    char epoch[JOURNAL_EPOCH_LEN + 1] = "";
    /* A file that was never a journal has no journal_meta: not ours. */
    struct bk_err quiet;
    if (journal_get_text(j, "epoch", epoch, sizeof epoch, &quiet) != BK_OK || !epoch[0])
        st = bk_err_set(err, BK_ERR_INVALID, where, 0, NULL,
                        _("not a journal of the shared store (no chain name in it)"));
    if (st == BK_OK)
        st = journal_get_text(j, "source", out->kiosk, sizeof out->kiosk, err);
    snprintf(out->chain, sizeof out->chain, "%s", epoch);
    /* First the journal's own chain: a journal altered proves nothing. */
    if (st == BK_OK) {
        struct chain_walk w = {.path = where, .err = err};
        st = store_sqlite_backend.foreach_scan(j, verify_one, &w, err);
        if (st == BK_OK && w.first_bad)
            st = BK_ERR_INVALID;
    }
    struct journal_events je = {.j = j, .err = err};
    if (st == BK_OK)
        st = store_sqlite_backend.foreach_scan(j, take_journal_event, &je, err);
    if (st == BK_OK && je.bad)
        st = err && err->status ? err->status : BK_ERR_STORE;
    struct server_chain chain = {0};
    void *srv = st == BK_OK ? s->be->server(s->impl, err) : NULL;
    if (st == BK_OK && !srv)
        st = err && err->status ? err->status : BK_ERR_OFFLINE;
    if (st == BK_OK)
        st = store_pg_foreach_in_chain(srv, epoch, 0, take_server_event, &chain, err);
    if (st == BK_OK) {
        out->server_head = chain.n ? chain.seq[chain.n - 1] : 0;
        st = compare_journal(&je, &chain, where, out, err);
    }
    free(je.seq);
    free(je.hash);
    free(je.result);
    free(chain.seq);
    free(chain.hash);
    if (opened)
        store_sqlite_backend.close(j);
    return st;
}
