/* badgeprint: render, send, follow and record a badge; see badgeprint.h. */
#include "badgeprint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/i18n.h"
#include "core/token.h"
#include "util/strmap.h"
#include "util/xalloc.h"
#include "badge/qrimage.h"
#include "print/printer.h"

const char *badgeprint_outcome_code(enum badgeprint_outcome o)
{
    static const char *const codes[] = {
        [BADGEPRINT_PRINTED] = "printed",   [BADGEPRINT_WRITTEN] = "written",
        [BADGEPRINT_PENDING] = "pending",   [BADGEPRINT_UNCLEAR] = "unclear",
        [BADGEPRINT_ALREADY_HAS] = "already_has_badge",
    };
    return (unsigned)o < sizeof codes / sizeof codes[0] ? codes[o] : "?";
}

struct badge_output badgeprint_output(const struct config *cfg, const struct printer_caps *caps)
{
    struct badge_output o = badge_output_of_config(cfg);
    if (caps && caps->dpi >= 72 && caps->dpi <= QRIMAGE_DPI_MAX)
        o.dpi = caps->dpi;
    if (cfg->badge_color == CONFIG_BADGE_COLOR_AUTO)
        o.monochrome = caps && caps->monochrome;
    return o;
}

/* Draws the badge for out, holding the render lock if there is one. */
static enum bk_status render_for(const struct badgeprint_context *ctx,
                                 const struct badge_output *out, const struct attendee *a,
                                 const char *qr, struct badge_image **img, struct bk_err *err)
{
    if (ctx->render_lock)
        pthread_mutex_lock(ctx->render_lock);
    enum bk_status st = badge_renderer_set_output(ctx->renderer, out, err);
    if (st == BK_OK)
        st = badge_render(ctx->renderer, a, qr, img, err);
    if (ctx->render_lock)
        pthread_mutex_unlock(ctx->render_lock);
    return st;
}

static const char *media_of(const struct config *cfg)
{
    return cfg->printer_media[0] ? cfg->printer_media : cfg->badge->media;
}

/* The code to put on the badge: the caller's, else the one kept in the
 * store, else (plain mode) the ID as the registration system encodes it. */
static enum bk_status payload_for(const struct badgeprint_context *ctx, const char *attendee,
                                  const char *given, char **payload, struct bk_err *err)
{
    if (given) {
        *payload = xstrdup(given);
        return BK_OK;
    }
    enum bk_status st = store_get_token(ctx->store, attendee, payload, err);
    if (st == BK_ERR_NOT_FOUND && ctx->cfg->qr_mode == CONFIG_QR_PLAIN &&
        !ctx->cfg->plain_url_param[0]) {
        bk_err_clear(err);
        *payload = xasprintf("%s%s", ctx->cfg->plain_prefix, attendee);
        return BK_OK;
    }
    if (st == BK_ERR_NOT_FOUND && ctx->cfg->qr_mode == CONFIG_QR_EXPORT)
        return bk_err_set(err, BK_ERR_NOT_FOUND, NULL, 0, "id",
                          _("no code was imported for %s: import the registration system's "
                            "export with its code column ([roster] code)"),
                          attendee);
    return st;
}

/* Back to pending with the problem in words, so --pending can try again. */
static enum bk_status keep_pending(const struct badgeprint_context *ctx, int64_t badge_id,
                                   enum store_badge_status expect, int64_t now_ms,
                                   struct badgeprint_result *res, struct bk_err *err)
{
    res->outcome = BADGEPRINT_PENDING;
    return store_badge_update(ctx->store, badge_id, expect, STORE_BADGE_PENDING, NULL, 0,
                              res->problem, now_ms, err);
}

static void problem_from(struct badgeprint_result *res, const struct bk_err *e)
{
    snprintf(res->problem, sizeof res->problem, "%s", e->msg);
}

/* Asks the printer about a job sent earlier whose outcome is unknown. True
 * in *done when that job printed (recorded) or is still on its way (left
 * alone); false when it is safe to send the badge again. */
static enum bk_status settle_earlier_job(const struct badgeprint_context *ctx,
                                         const struct badgeplan *plan, const char *attendee,
                                         int64_t now_ms, struct badgeprint_result *res,
                                         bool *done, struct bk_err *err)
{
    *done = false;
    const char *where = plan->printer[0] ? plan->printer : ctx->printer;
    struct printer *p = NULL;
    struct bk_err perr = {0};
    if (printer_open(where, &p, &perr) != BK_OK) {
        /* Cannot ask, so cannot know: sending again could print twice. */
        problem_from(res, &perr);
        res->outcome = BADGEPRINT_UNCLEAR;
        *done = true;
        return BK_OK;
    }
    enum printer_job_state state = PRINTER_JOB_UNKNOWN;
    int job = 0;
    char reasons[512] = "";
    /* By name, not by the job id recorded: a printer that restarted may
     * give the same id to someone else's job. The name holds the serial. */
    char name[128];
    badgeplan_job_name(attendee, plan->serial, name, sizeof name);
    enum bk_status st = printer_find_job(p, name, &job, &state, &perr);
    if (st == BK_ERR_NOT_FOUND)
        st = BK_OK; /* the printer does not know it: it never printed there */
    if (st == BK_OK && (state == PRINTER_JOB_PENDING || state == PRINTER_JOB_PROCESSING ||
                        state == PRINTER_JOB_HELD || state == PRINTER_JOB_STOPPED))
        st = printer_wait(p, job, ctx->cfg->print_timeout * 1000, &state, reasons, sizeof reasons,
                          &perr);
    printer_close(p);
    res->job = job;
    if (st != BK_OK) {
        problem_from(res, &perr);
        res->outcome = BADGEPRINT_UNCLEAR;
        *done = true;
        return BK_OK;
    }
    switch (state) {
    case PRINTER_JOB_COMPLETED:
        res->outcome = BADGEPRINT_PRINTED;
        *done = true;
        return store_badge_update(ctx->store, plan->badge_id, STORE_BADGE_SUBMITTED,
                                  STORE_BADGE_PRINTED, NULL, job, NULL, now_ms, err);
    case PRINTER_JOB_PENDING:
    case PRINTER_JOB_PROCESSING:
    case PRINTER_JOB_HELD:
    case PRINTER_JOB_STOPPED:
        snprintf(res->problem, sizeof res->problem,
                 _("The badge is still at the printer (job %d): %s"), job,
                 reasons[0] ? reasons : _("waiting"));
        res->outcome = BADGEPRINT_UNCLEAR;
        *done = true;
        return BK_OK;
    default:
        /* Aborted, cancelled or forgotten: nothing came out, send it again. */
        return store_badge_update(ctx->store, plan->badge_id, STORE_BADGE_SUBMITTED,
                                  STORE_BADGE_PENDING, NULL, 0, _("the earlier job did not print"),
                                  now_ms, err);
    }
}

static enum bk_status write_file(const struct badgeprint_context *ctx, const char *attendee,
                                 const struct badgeplan *plan, const struct badge_image *img,
                                 int64_t now_ms, struct badgeprint_result *res,
                                 struct bk_err *err)
{
    const char *dir = ctx->printer + 5;
    mkdir(dir, 0700);
    snprintf(res->file, sizeof res->file, "%s/badge-%s-%s.png", dir, attendee, plan->serial);
    for (char *c = res->file + strlen(dir) + 1; *c; c++)
        if (*c == '/')
            *c = '_';
    enum bk_status st = badge_image_write_png(img, res->file, err);
    if (st != BK_OK)
        return st;
    res->outcome = BADGEPRINT_WRITTEN;
    return store_badge_update(ctx->store, plan->badge_id, STORE_BADGE_PENDING, STORE_BADGE_PRINTED,
                              ctx->printer, 0, NULL, now_ms, err);
}

/* Sends the planned row to the printer and follows it. The printer is
 * asked what it prints before the badge is drawn, so the badge is drawn
 * for it (its resolution, its colours); nothing is claimed until then. */
static enum bk_status send_badge(const struct badgeprint_context *ctx, const char *attendee,
                                 const struct badgeplan *plan, const char *payload,
                                 int64_t now_ms, struct badgeprint_result *res,
                                 struct bk_err *err)
{
    struct attendee a = {0};
    enum bk_status st = store_get_attendee(ctx->store, attendee, &a, err);
    if (st != BK_OK)
        return st;
    bool to_printer = ctx->printer && ctx->printer[0] && strncmp(ctx->printer, "file:", 5) != 0;
    struct printer *p = NULL;
    struct bk_err perr = {0};
    struct printer_caps caps;
    if (to_printer && printer_open(ctx->printer, &p, &perr) != BK_OK) {
        attendee_clear(&a);
        problem_from(res, &perr);
        /* Not claimed yet: "pending" unless another kiosk took it meanwhile. */
        return keep_pending(ctx, plan->badge_id, STORE_BADGE_PENDING, now_ms, res, err);
    }
    if (p)
        printer_get_caps(p, &caps);
    struct badge_output out = badgeprint_output(ctx->cfg, p ? &caps : NULL);
    char *qr = token_badge_payload_new(plan->serial, payload);
    struct badge_image *img = NULL;
    st = render_for(ctx, &out, &a, qr, &img, err);
    free(qr);
    attendee_clear(&a);
    if (st != BK_OK) {
        printer_close(p);
        return st;
    }

    if (!to_printer) {
        if (ctx->printer && ctx->printer[0])
            st = write_file(ctx, attendee, plan, img, now_ms, res, err);
        else {
            snprintf(res->problem, sizeof res->problem, "%s",
                     _("No printer is configured: set [printer] printer in the configuration, "
                       "then print the pending badges."));
            st = keep_pending(ctx, plan->badge_id, STORE_BADGE_ANY, now_ms, res, err);
        }
        badge_image_free(img);
        return st;
    }

    /* Claim the row before sending: another kiosk printing the same pending
     * badge gets BK_ERR_BUSY here instead of a second badge. */
    st = store_badge_update(ctx->store, plan->badge_id, STORE_BADGE_PENDING, STORE_BADGE_SUBMITTED,
                            ctx->printer, 0, NULL, now_ms, err);
    if (st != BK_OK) {
        badge_image_free(img);
        printer_close(p);
        return st;
    }
    char job_name[128];
    badgeplan_job_name(attendee, plan->serial, job_name, sizeof job_name);
    if (printer_submit(p, img, media_of(ctx->cfg), job_name, &res->job, &perr) != BK_OK) {
        badge_image_free(img);
        printer_close(p);
        problem_from(res, &perr);
        return keep_pending(ctx, plan->badge_id, STORE_BADGE_SUBMITTED, now_ms, res, err);
    }
    badge_image_free(img);
    st = store_badge_update(ctx->store, plan->badge_id, STORE_BADGE_SUBMITTED,
                            STORE_BADGE_SUBMITTED, NULL, res->job, NULL, now_ms, err);
    if (st != BK_OK) {
        printer_close(p);
        return st;
    }
    enum printer_job_state state;
    char reasons[512] = "";
    st = printer_wait(p, res->job, ctx->cfg->print_timeout * 1000, &state, reasons,
                      sizeof reasons, &perr);
    struct printer_status ps;
    bool have_status = st == BK_OK && state != PRINTER_JOB_COMPLETED &&
                       printer_get_status(p, &ps, &perr) == BK_OK;
    printer_close(p);
    if (st != BK_OK) {
        problem_from(res, &perr);
        res->outcome = BADGEPRINT_UNCLEAR;
        return store_badge_update(ctx->store, plan->badge_id, STORE_BADGE_SUBMITTED,
                                  STORE_BADGE_SUBMITTED, NULL, 0, res->problem, now_ms, err);
    }
    const char *why = have_status && ps.reasons[0] ? ps.reasons : reasons;
    switch (state) {
    case PRINTER_JOB_COMPLETED:
        res->outcome = BADGEPRINT_PRINTED;
        return store_badge_update(ctx->store, plan->badge_id, STORE_BADGE_SUBMITTED,
                                  STORE_BADGE_PRINTED, NULL, 0, NULL, now_ms, err);
    case PRINTER_JOB_ABORTED:
    case PRINTER_JOB_CANCELED:
    case PRINTER_JOB_UNKNOWN:
        snprintf(res->problem, sizeof res->problem, _("The printer did not print the badge. %s"),
                 why);
        return keep_pending(ctx, plan->badge_id, STORE_BADGE_SUBMITTED, now_ms, res, err);
    default:
        /* Still queued or printing after the timeout: it may yet come out,
         * so it stays submitted and a retry asks about this job first. */
        snprintf(res->problem, sizeof res->problem,
                 _("The badge has not come out of the printer yet. %s"), why);
        res->outcome = BADGEPRINT_UNCLEAR;
        return store_badge_update(ctx->store, plan->badge_id, STORE_BADGE_SUBMITTED,
                                  STORE_BADGE_SUBMITTED, NULL, 0, res->problem, now_ms, err);
    }
}

static enum bk_status carry_out(const struct badgeprint_context *ctx, const char *attendee,
                                const struct badgeplan *plan, const char *given_payload,
                                int64_t now_ms, struct badgeprint_result *res,
                                struct bk_err *err)
{
    res->badge_id = plan->badge_id;
    snprintf(res->serial, sizeof res->serial, "%s", plan->serial);
    if (plan->action == BADGEPLAN_ALREADY_HAS) {
        res->outcome = BADGEPRINT_ALREADY_HAS;
        return BK_OK;
    }
    enum bk_status st;
    if (plan->action == BADGEPLAN_CHECK_JOB) {
        bool done;
        st = settle_earlier_job(ctx, plan, attendee, now_ms, res, &done, err);
        if (st != BK_OK || done)
            return st;
    }
    char *payload = NULL;
    st = payload_for(ctx, attendee, given_payload, &payload, err);
    if (st == BK_OK)
        st = send_badge(ctx, attendee, plan, payload, now_ms, res, err);
    free(payload);
    return st;
}

enum bk_status badgeprint_person(const struct badgeprint_context *ctx, const char *attendee,
                                 const char *reason, const char *payload, int64_t now_ms,
                                 struct badgeprint_result *res, struct bk_err *err)
{
    memset(res, 0, sizeof *res);
    struct badgeplan plan;
    enum bk_status st =
        reason ? badgeplan_replacement(ctx->store, attendee, reason, ctx->kiosk_id, now_ms, &plan,
                                       err)
               : badgeplan_first(ctx->store, attendee, ctx->kiosk_id, now_ms, &plan, err);
    if (st != BK_OK)
        return st;
    return carry_out(ctx, attendee, &plan, payload, now_ms, res, err);
}

struct waiting {
    const char *kiosk; /* only this kiosk's; NULL: all */
    int64_t *ids;
    char **attendees;
    size_t n, cap;
};

static int collect_waiting(void *ctx, const struct store_badge *b)
{
    struct waiting *w = ctx;
    if (!store_badge_waiting(b->status) || (w->kiosk && strcmp(b->kiosk, w->kiosk) != 0))
        return 0;
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 32;
        w->ids = xrealloc(w->ids, w->cap * sizeof *w->ids);
        w->attendees = xrealloc(w->attendees, w->cap * sizeof *w->attendees);
    }
    w->ids[w->n] = b->id;
    w->attendees[w->n++] = xstrdup(b->attendee);
    return 0;
}

/* The people whose badge an open correction request holds back. */
static int note_held(void *ctx, const struct store_correction *c)
{
    bool added;
    strmap_slot(ctx, c->attendee, &added);
    return 0;
}

enum bk_status badgeprint_pending(const struct badgeprint_context *ctx, const char *kiosk,
                                  int64_t now_ms,
                                  void (*fn)(void *arg, const char *attendee,
                                             const struct badgeprint_result *res),
                                  void *arg, struct bk_err *err)
{
    struct waiting w = {.kiosk = kiosk};
    struct strmap *held = strmap_new();
    enum bk_status st = store_foreach_badge(ctx->store, NULL, collect_waiting, &w, err);
    if (st == BK_OK)
        st = store_foreach_correction(ctx->store, note_held, held, err);
    for (size_t i = 0; i < w.n && st == BK_OK; i++) {
        struct badgeplan plan;
        struct badgeprint_result res = {0};
        struct bk_err one = {0};
        enum bk_status s1 = badgeplan_resume(ctx->store, w.ids[i], &plan, &one);
        if (s1 == BK_ERR_NOT_FOUND)
            continue; /* printed or cancelled meanwhile, by another kiosk or the desk */
        if (s1 == BK_OK && strmap_find(held, w.attendees[i])) {
            /* The person said their details are wrong: the badge stays owed
             * until staff settle the request (the desk's "Clear and print",
             * badgectl corrections --clear) or print it for them by name. */
            res.outcome = BADGEPRINT_PENDING;
            res.badge_id = plan.badge_id;
            snprintf(res.serial, sizeof res.serial, "%s", plan.serial);
            snprintf(res.problem, sizeof res.problem, "%s",
                     _("held back: the attendee asked for their details to be corrected "
                       "(badgectl corrections)"));
            if (fn)
                fn(arg, w.attendees[i], &res);
            continue;
        }
        if (s1 == BK_OK)
            s1 = carry_out(ctx, w.attendees[i], &plan, NULL, now_ms, &res, &one);
        switch (s1) {
        case BK_OK:
            break;
        case BK_ERR_BUSY: /* another kiosk claimed it first */
            continue;
        case BK_ERR_NOT_FOUND: /* no QR payload known for the person */
        case BK_ERR_INVALID:   /* a name no font can draw: the others still print */
        case BK_ERR_CONFIG:
            res.outcome = BADGEPRINT_PENDING;
            snprintf(res.problem, sizeof res.problem, "%s", one.msg);
            break;
        default:               /* the store itself failed: stop */
            st = s1;
            if (err)
                *err = one;
            continue;
        }
        if (fn)
            fn(arg, w.attendees[i], &res);
    }
    for (size_t i = 0; i < w.n; i++)
        free(w.attendees[i]);
    free(w.attendees);
    free(w.ids);
    strmap_free(held);
    return st;
}
