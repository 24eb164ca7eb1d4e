/* printq: the print worker thread (see printq.h). */
#include "kiosk/printq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "badge/badge.h"
#include "util/clock.h"
#include "util/i18n.h"
#include "store/store.h"
#include "util/xalloc.h"
#include "print/badgeprint.h"
#include "print/printer.h"

#define PRINTQ_MAX 64 /* results not yet polled: the UI polls every frame */
/* Badges waiting for the printer. A crowd arrives faster than a 10 s printer
 * serves it (bench/door: 66 waiting at once for 200 people), so the queue
 * grows as needed up to a day's door; a cap still bounds a runaway. */
#define PRINTQ_MAX_WAITING 4096
#define STATUS_EVERY_MS 15000
/* While the printer is down or badges wait for it: how soon the worker
 * looks again, so a printer back prints what waits within seconds. */
#define RETRY_EVERY_MS 3000

struct request {
    bool pending_all;
    uint32_t id;
    char attendee[ATTENDEE_ID_MAX + 1];
    char payload[TOKEN_PAYLOAD_MAX + 1];
    bool has_payload;
    char reason[256];
    bool has_reason;
    int64_t now_ms;
};

struct printq {
    const struct config *cfg;
    char *printer, *kiosk_id;
    pthread_mutex_t *font_lock;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, busy;
    struct request *todo; /* oldest first; grows, up to PRINTQ_MAX_WAITING */
    size_t n_todo, cap_todo;
    struct printq_done done[PRINTQ_MAX];
    size_t n_done;
    char status[1400];
    bool printer_down;          /* the last look found it down */
    int64_t clock_offset_ms;    /* the kiosk's clock minus the wall clock */
    char state[16];          /* printq_printer_state's */
    char reasons[1400];
    struct badge_output output; /* how the printer's badges are drawn */
    /* The worker's alone: a badge of this kiosk failed at the printer and
     * waits in the store for it to answer again. */
    bool owed;
};

static void post(struct printq *q, const struct printq_done *d)
{
    pthread_mutex_lock(&q->mu);
    if (q->n_done == PRINTQ_MAX) /* the UI polls every frame: cannot happen */
        memmove(q->done, q->done + 1, --q->n_done * sizeof q->done[0]);
    q->done[q->n_done++] = *d;
    pthread_mutex_unlock(&q->mu);
}

static void set_state(struct printq *q, const char *state, const char *reasons)
{
    pthread_mutex_lock(&q->mu);
    snprintf(q->state, sizeof q->state, "%s", state);
    snprintf(q->reasons, sizeof q->reasons, "%s", reasons);
    pthread_mutex_unlock(&q->mu);
}

static void set_status(struct printq *q, const char *text, bool down)
{
    pthread_mutex_lock(&q->mu);
    snprintf(q->status, sizeof q->status, "%s", text);
    q->printer_down = down;
    pthread_mutex_unlock(&q->mu);
}

bool printq_printer_down(struct printq *q)
{
    pthread_mutex_lock(&q->mu);
    bool down = q->printer_down;
    pthread_mutex_unlock(&q->mu);
    return down;
}

/* The printer's state in words; CUPS answers within its own timeouts. */
static void refresh_status(struct printq *q)
{
    char buf[1400];
    if (!q->printer[0]) {
        set_status(q, _("No printer is configured."), false);
        set_state(q, "unknown", _("No printer is configured."));
        return;
    }
    if (strncmp(q->printer, "file:", 5) == 0) {
        snprintf(buf, sizeof buf, _("Badges are written as images to %s."), q->printer + 5);
        set_status(q, buf, false);
        set_state(q, "idle", buf);
        return;
    }
    struct printer *p;
    struct printer_status st;
    struct bk_err err;
    bk_err_clear(&err);
    if (printer_open(q->printer, &p, &err) != BK_OK) {
        set_status(q, err.msg, true);
        set_state(q, "unknown", err.msg);
        return;
    }
    struct printer_caps caps;
    printer_get_caps(p, &caps);
    struct badge_output out = badgeprint_output(q->cfg, &caps);
    pthread_mutex_lock(&q->mu);
    q->output = out;
    pthread_mutex_unlock(&q->mu);
    /* Down: it does not answer, is stopped (IPP printer-state 5) or
     * refuses jobs; a badge sent now would only wait. */
    bool down = true;
    if (printer_get_status(p, &st, &err) != BK_OK) {
        snprintf(buf, sizeof buf, "%s", err.msg);
        set_state(q, "unknown", err.msg);
    } else {
        snprintf(buf, sizeof buf, _("%s: %s%s. %s Jobs waiting: %zu."), q->printer, st.state_text,
                 st.accepting ? "" : _(", not accepting jobs"), st.reasons, st.queued);
        down = st.state == 5 || !st.accepting;
        set_state(q, st.state == 5 ? "stopped" : st.state == 4 ? "printing" : "idle", st.reasons);
    }
    printer_close(p);
    set_status(q, buf, down);
}

static enum flow_print_result result_of(enum badgeprint_outcome o)
{
    switch (o) {
    case BADGEPRINT_PRINTED:
        return FLOW_PRINT_PRINTED;
    case BADGEPRINT_WRITTEN:
        return FLOW_PRINT_WRITTEN;
    default:
        return FLOW_PRINT_PENDING;
    }
}

struct tally {
    struct printq *q;
    size_t done, left;
};

/* One badge of a "print every waiting badge": counted, and posted for the
 * log with its registration ID. */
static void count_pending(void *arg, const char *attendee, const struct badgeprint_result *res)
{
    struct tally *t = arg;
    struct printq_done d = {.one_of_many = true, .result = result_of(res->outcome)};
    snprintf(d.attendee, sizeof d.attendee, "%s", attendee);
    snprintf(d.problem, sizeof d.problem, "%s", res->problem);
    snprintf(d.file, sizeof d.file, "%s", res->file);
    if (res->outcome == BADGEPRINT_PRINTED || res->outcome == BADGEPRINT_WRITTEN) {
        t->done++;
        d.problem[0] = '\0';
    } else {
        t->left++;
    }
    post(t->q, &d);
}

/* Every badge waiting (only this kiosk's when own_only), each posted for
 * the log, then the run's result with id 0. Returns how many still wait. */
static size_t print_waiting(struct printq *q, struct badgeprint_context *ctx, bool own_only,
                            int64_t now_ms)
{
    struct printq_done d = {.id = 0};
    struct bk_err err;
    bk_err_clear(&err);
    struct tally t = {q, 0, 0};
    enum bk_status st = badgeprint_pending(ctx, own_only ? q->kiosk_id : NULL, now_ms,
                                           count_pending, &t, &err);
    d.result = st == BK_OK && t.left == 0 ? FLOW_PRINT_PRINTED : FLOW_PRINT_PENDING;
    if (st != BK_OK)
        snprintf(d.problem, sizeof d.problem, "%s", err.msg);
    else if (t.left)
        snprintf(d.problem, sizeof d.problem, _("%zu badges printed, %zu still waiting."), t.done,
                 t.left);
    post(q, &d);
    return st != BK_OK ? 1 : t.left;
}

static void run_request(struct printq *q, struct badgeprint_context *ctx, const struct request *r,
                        bool ready, const struct bk_err *setup_err)
{
    struct printq_done d = {.id = r->id};
    snprintf(d.attendee, sizeof d.attendee, "%s", r->attendee);
    struct bk_err err;
    bk_err_clear(&err);
    if (!ready) {
        d.result = FLOW_PRINT_PENDING;
        snprintf(d.problem, sizeof d.problem, "%s", setup_err->msg);
        post(q, &d);
        return;
    }
    /* The fonts are FreeType's, shared with the UI thread: badgeprint holds
     * ctx->render_lock (our font lock) while it draws, and not while the job
     * is at the printer. */
    if (r->pending_all) {
        print_waiting(q, ctx, false, r->now_ms);
        return;
    } else {
        struct badgeprint_result res;
        enum bk_status st =
            badgeprint_person(ctx, r->attendee, r->has_reason ? r->reason : NULL,
                              r->has_payload ? r->payload : NULL, r->now_ms, &res, &err);
        if (st != BK_OK) {
            d.result = FLOW_PRINT_PENDING;
            snprintf(d.problem, sizeof d.problem, "%s", err.msg);
        } else {
            d.result = result_of(res.outcome);
            /* The badge waits in the store: printed by itself once the
             * printer answers again. */
            if (res.outcome == BADGEPRINT_PENDING || res.outcome == BADGEPRINT_UNCLEAR)
                q->owed = true;
            snprintf(d.problem, sizeof d.problem, "%s", res.problem);
            snprintf(d.file, sizeof d.file, "%s", res.file);
            if (res.outcome == BADGEPRINT_ALREADY_HAS)
                snprintf(d.problem, sizeof d.problem, "%s",
                         _("This person already has a badge: the staff desk prints "
                           "replacements."));
        }
    }
    post(q, &d);
}

/* A look at the printer between requests; when it answers after being
 * down, or after a badge of this kiosk failed there, what this kiosk owes
 * is printed now, without staff pressing a button. */
static void look_at_printer(struct printq *q, struct badgeprint_context *ctx, bool ready)
{
    bool was_down = printq_printer_down(q);
    refresh_status(q);
    if (!ready || printq_printer_down(q) || !(was_down || q->owed))
        return;
    if (!q->printer[0] || strncmp(q->printer, "file:", 5) == 0)
        return;
    pthread_mutex_lock(&q->mu);
    q->busy = true;
    pthread_mutex_unlock(&q->mu);
    pthread_mutex_lock(&q->mu);
    int64_t now = clock_wall_ms() + q->clock_offset_ms;
    pthread_mutex_unlock(&q->mu);
    size_t left = print_waiting(q, ctx, true, now);
    refresh_status(q);
    /* Still waiting because the printer failed again: try at its return.
     * Waiting for another reason (a name no font draws): staff's. */
    q->owed = left > 0 && printq_printer_down(q);
    pthread_mutex_lock(&q->mu);
    q->busy = false;
    pthread_mutex_unlock(&q->mu);
}

static void *worker(void *arg)
{
    struct printq *q = arg;
    struct store *store = NULL;
    struct badge_renderer *renderer = NULL;
    struct bk_err setup_err;
    bk_err_clear(&setup_err);
    struct store_options so;
    store_options_of_config(q->cfg, &so);
    bool ready = store_open_with(&so, &store, &setup_err) == BK_OK;
    if (ready) {
        pthread_mutex_lock(q->font_lock);
        ready = badge_renderer_new(q->cfg, &renderer, &setup_err) == BK_OK;
        pthread_mutex_unlock(q->font_lock);
    }
    struct badgeprint_context ctx = {q->cfg, store, renderer, q->printer, q->kiosk_id,
                                     q->font_lock};
    refresh_status(q);
    int64_t last_status = clock_mono_ms();
    pthread_mutex_lock(&q->mu);
    while (!q->stop) {
        if (q->n_todo == 0) {
            struct timespec until = clock_deadline_in(1000);
            pthread_cond_timedwait(&q->cv, &q->mu, &until);
            int64_t every = q->printer_down || q->owed ? RETRY_EVERY_MS : STATUS_EVERY_MS;
            if (q->n_todo == 0 && !q->stop && clock_mono_ms() - last_status >= every) {
                pthread_mutex_unlock(&q->mu);
                look_at_printer(q, &ctx, ready);
                last_status = clock_mono_ms();
                pthread_mutex_lock(&q->mu);
            }
            continue;
        }
        struct request r = q->todo[0];
        memmove(q->todo, q->todo + 1, --q->n_todo * sizeof q->todo[0]);
        q->busy = true;
        pthread_mutex_unlock(&q->mu);
        run_request(q, &ctx, &r, ready, &setup_err);
        refresh_status(q);
        last_status = clock_mono_ms();
        pthread_mutex_lock(&q->mu);
        q->busy = false;
    }
    pthread_mutex_unlock(&q->mu);
    pthread_mutex_lock(q->font_lock);
    badge_renderer_free(renderer);
    pthread_mutex_unlock(q->font_lock);
    store_close(store);
    return NULL;
}

struct badge_output printq_badge_output(struct printq *q)
{
    pthread_mutex_lock(&q->mu);
    struct badge_output out = q->output;
    pthread_mutex_unlock(&q->mu);
    return out;
}

enum bk_status printq_new(const struct config *cfg, const char *printer, const char *kiosk_id,
                          pthread_mutex_t *font_lock, struct printq **out, struct bk_err *err)
{
    struct printq *q = xcalloc(1, sizeof *q);
    q->cfg = cfg;
    q->output = badgeprint_output(cfg, NULL);
    q->printer = xstrdup(printer ? printer : "");
    q->kiosk_id = xstrdup(kiosk_id ? kiosk_id : "");
    q->font_lock = font_lock;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    if (pthread_create(&q->thread, NULL, worker, q) != 0) {
        free(q->printer);
        free(q->kiosk_id);
        free(q);
        *out = NULL;
        return bk_err_set(err, BK_ERR_IO, NULL, 0, NULL, _("The print thread could not start."));
    }
    *out = q;
    return BK_OK;
}

void printq_free(struct printq *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->thread, NULL);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q->todo);
    free(q->printer);
    free(q->kiosk_id);
    free(q);
}

static void enqueue(struct printq *q, const struct request *r)
{
    pthread_mutex_lock(&q->mu);
    if (q->n_todo == q->cap_todo && q->cap_todo < PRINTQ_MAX_WAITING) {
        q->cap_todo = q->cap_todo ? q->cap_todo * 2 : 64;
        q->todo = xrealloc(q->todo, q->cap_todo * sizeof q->todo[0]);
    }
    if (q->n_todo < q->cap_todo) {
        q->todo[q->n_todo++] = *r;
    } else {
        /* Thousands of badges behind: answer at once, the badge stays
         * pending in the store for "print pending". */
        struct printq_done d = {.id = r->id, .result = FLOW_PRINT_PENDING};
        snprintf(d.problem, sizeof d.problem, "%s", _("Too many badges are waiting to print."));
        pthread_mutex_unlock(&q->mu);
        post(q, &d);
        return;
    }
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

void printq_person(struct printq *q, const struct flow_print *p, int64_t now_ms)
{
    struct request r = {.id = p->id, .now_ms = now_ms};
    snprintf(r.attendee, sizeof r.attendee, "%s", p->attendee_id);
    if ((r.has_payload = p->payload != NULL))
        snprintf(r.payload, sizeof r.payload, "%s", p->payload);
    if ((r.has_reason = p->reason != NULL))
        snprintf(r.reason, sizeof r.reason, "%s", p->reason);
    enqueue(q, &r);
}

void printq_pending(struct printq *q, int64_t now_ms)
{
    struct request r = {.pending_all = true, .now_ms = now_ms};
    enqueue(q, &r);
}

void printq_clock(struct printq *q, int64_t now_ms)
{
    int64_t offset = now_ms - clock_wall_ms();
    pthread_mutex_lock(&q->mu);
    q->clock_offset_ms = offset;
    pthread_mutex_unlock(&q->mu);
}

bool printq_poll(struct printq *q, struct printq_done *out)
{
    pthread_mutex_lock(&q->mu);
    bool got = q->n_done > 0;
    if (got) {
        *out = q->done[0];
        memmove(q->done, q->done + 1, --q->n_done * sizeof q->done[0]);
    }
    pthread_mutex_unlock(&q->mu);
    return got;
}

void printq_status(struct printq *q, char *buf, size_t n, bool *busy)
{
    pthread_mutex_lock(&q->mu);
    snprintf(buf, n, "%s", q->status);
    if (busy)
        *busy = q->busy || q->n_todo > 0;
    pthread_mutex_unlock(&q->mu);
}

void printq_printer_state(struct printq *q, char *state, size_t state_n, char *reasons,
                          size_t reasons_n)
{
    pthread_mutex_lock(&q->mu);
    snprintf(state, state_n, "%s", q->state[0] ? q->state : "unknown");
    snprintf(reasons, reasons_n, "%s", q->reasons);
    pthread_mutex_unlock(&q->mu);
}
