/* badgeplan: the once-only rules for printing badges; see badgeplan.h. */
#include "core/badgeplan.h"

#include <stdio.h>
#include <string.h>

#include "util/i18n.h"

/* What a person's badge rows say, gathered in one walk. */
struct history {
    size_t n_sent;          /* rows that reached a printer (printed or submitted): a badge
                               that is, or may be, in someone's hand */
    int64_t printed_at;     /* newest printed badge, 0 when none */
    int64_t open_id;        /* newest pending or submitted row, 0 when none */
    char open_serial[TOKEN_SERIAL_LEN + 1];
    enum store_badge_status open_status;
    char open_printer[256];
    int open_job;
    bool open_replacement;
    int64_t pending[64];    /* rows a replacement must cancel */
    size_t n_pending;
};

static int gather(void *ctx, const struct store_badge *b)
{
    struct history *h = ctx;
    h->n_sent += b->status == STORE_BADGE_PRINTED || b->status == STORE_BADGE_SUBMITTED;
    if (b->status == STORE_BADGE_PRINTED) {
        h->printed_at = b->updated_ms;
        h->open_id = 0; /* superseded by a later print */
    } else if (store_badge_waiting(b->status)) {
        h->open_id = b->id;
        snprintf(h->open_serial, sizeof h->open_serial, "%s", b->serial);
        h->open_status = b->status;
        snprintf(h->open_printer, sizeof h->open_printer, "%s", b->printer ? b->printer : "");
        h->open_job = b->job;
        h->open_replacement = b->reason != NULL;
        if (h->n_pending < sizeof h->pending / sizeof h->pending[0])
            h->pending[h->n_pending++] = b->id;
    }
    return 0;
}

static void plan_open_row(const struct history *h, struct badgeplan *plan)
{
    plan->badge_id = h->open_id;
    snprintf(plan->serial, sizeof plan->serial, "%s", h->open_serial);
    plan->replacement = h->open_replacement;
    if (h->open_status == STORE_BADGE_SUBMITTED) {
        plan->action = BADGEPLAN_CHECK_JOB;
        plan->job = h->open_job;
        snprintf(plan->printer, sizeof plan->printer, "%s", h->open_printer);
    } else {
        plan->action = BADGEPLAN_PRINT;
    }
}

static enum bk_status new_row(struct store *s, const char *attendee, const char *reason,
                              const char *kiosk, int64_t now_ms, struct badgeplan *plan,
                              struct bk_err *err)
{
    /* Serials are unique in the store; a clash (one in 2^30) just draws again. */
    for (int tries = 0;; tries++) {
        token_new_serial(plan->serial);
        enum bk_status st =
            store_badge_add(s, attendee, plan->serial, reason, kiosk, now_ms, &plan->badge_id, err);
        if (st == BK_OK || tries == 3)
            return st;
    }
}

enum bk_status badgeplan_first(struct store *s, const char *attendee, const char *kiosk,
                               int64_t now_ms, struct badgeplan *plan, struct bk_err *err)
{
    memset(plan, 0, sizeof *plan);
    struct history h = {0};
    enum bk_status st = store_foreach_badge(s, attendee, gather, &h, err);
    if (st != BK_OK)
        return st;
    if (h.open_id) {
        plan_open_row(&h, plan);
        return BK_OK;
    }
    if (h.printed_at) {
        plan->action = BADGEPLAN_ALREADY_HAS;
        plan->printed_at = h.printed_at;
        return BK_OK;
    }
    plan->action = BADGEPLAN_PRINT;
    return new_row(s, attendee, NULL, kiosk, now_ms, plan, err);
}

enum bk_status badgeplan_replacement(struct store *s, const char *attendee, const char *reason,
                                     const char *kiosk, int64_t now_ms, struct badgeplan *plan,
                                     struct bk_err *err)
{
    memset(plan, 0, sizeof *plan);
    if (!reason || !reason[0])
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, "reason",
                          _("a replacement badge needs a reason (lost, damaged, name "
                            "corrected...)"));
    struct history h = {0};
    enum bk_status st = store_foreach_badge(s, attendee, gather, &h, err);
    if (st != BK_OK)
        return st;
    /* Nothing to replace: a "replacement" for someone never badged would
     * be counted as a reprint and carry a reason for a badge that never
     * existed. It is their first badge: the one their check-in owes when
     * there is one (a row never sent to a printer), else a new row. */
    if (h.n_sent == 0) {
        if (h.open_id) {
            plan_open_row(&h, plan);
            return BK_OK;
        }
        plan->action = BADGEPLAN_PRINT;
        return new_row(s, attendee, NULL, kiosk, now_ms, plan, err);
    }
    /* A job already at the printer may still come out; that cannot be
     * undone here, but its serial is retired by the new row all the same. */
    for (size_t i = 0; i < h.n_pending; i++) {
        st = store_badge_update(s, h.pending[i], STORE_BADGE_PENDING, STORE_BADGE_CANCELLED, NULL,
                                0, _("replaced before it was printed"), now_ms, err);
        if (st == BK_ERR_BUSY) {
            bk_err_clear(err);
            continue; /* it was submitted meanwhile, or is not pending */
        }
        if (st != BK_OK)
            return st;
    }
    plan->action = BADGEPLAN_PRINT;
    plan->replacement = true;
    return new_row(s, attendee, reason, kiosk, now_ms, plan, err);
}

enum bk_status badgeplan_has_badge(struct store *s, const char *attendee, bool *has,
                                   struct bk_err *err)
{
    struct history h = {0};
    enum bk_status st = store_foreach_badge(s, attendee, gather, &h, err);
    *has = st == BK_OK && h.n_sent > 0;
    return st;
}

struct find_row {
    int64_t id;
    bool found;
    struct history h;
};

static int find_row(void *ctx, const struct store_badge *b)
{
    struct find_row *f = ctx;
    if (b->id != f->id)
        return 0;
    f->found = true;
    gather(&f->h, b);
    return 1;
}

enum bk_status badgeplan_resume(struct store *s, int64_t badge_id, struct badgeplan *plan,
                                struct bk_err *err)
{
    memset(plan, 0, sizeof *plan);
    struct find_row f = {.id = badge_id};
    enum bk_status st = store_foreach_badge(s, NULL, find_row, &f, err);
    if (st != BK_OK)
        return st;
    if (!f.found || !f.h.open_id)
        return bk_err_set(err, BK_ERR_NOT_FOUND, NULL, 0, NULL,
                          _("badge %lld is not waiting to be printed"), (long long)badge_id);
    plan_open_row(&f.h, plan);
    return BK_OK;
}

void badgeplan_job_name(const char *attendee, const char *serial, char *buf, size_t n)
{
    snprintf(buf, n, "badge %s %s", attendee, serial);
}
