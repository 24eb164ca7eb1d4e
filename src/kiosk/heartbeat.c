/* heartbeat: see heartbeat.h. */
#include "kiosk/heartbeat.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "util/clock.h"
#include "util/i18n.h"
#include "util/xalloc.h"

struct heartbeat {
    const struct config *cfg;
    void (*log)(const char *line);
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, have_state;
    struct heartbeat_state state;
    char last_problem[512]; /* the thread's own: what was last logged */
};

static void log_problem(struct heartbeat *h, const char *what)
{
    if (strcmp(h->last_problem, what) == 0)
        return;
    snprintf(h->last_problem, sizeof h->last_problem, "%s", what);
    if (!what[0]) {
        h->log(_("heartbeat: written again"));
        return;
    }
    char *line = xasprintf(_("heartbeat not written: %s"), what);
    h->log(line);
    free(line);
}

/* One beat: the state the UI gave, the events waiting, into the store. */
static void beat(struct heartbeat *h, struct store **s)
{
    struct bk_err err;
    bk_err_clear(&err);
    if (!*s) {
        struct store_options so;
        store_options_of_config(h->cfg, &so);
        so.quiet_open = true; /* the door's own store does the syncing */
        if (store_open_with(&so, s, &err) != BK_OK) {
            log_problem(h, err.msg);
            return;
        }
    }
    struct heartbeat_state st;
    pthread_mutex_lock(&h->mu);
    st = h->state;
    pthread_mutex_unlock(&h->mu);
    struct store_sync_status sync;
    int64_t waiting = 0;
    if (store_sync_status(*s, &sync, NULL) == BK_OK)
        waiting = (int64_t)sync.waiting;
    struct store_heartbeat hb = {
        .kiosk = h->cfg->kiosk_id,
        .at_ms = clock_wall_ms(),
        .waiting = waiting,
        .last_scan_ms = st.last_scan_ms,
        .printer_state = st.printer_state,
        .printer_reasons = st.printer_reasons,
        .badges_pending = st.badges_pending,
        .camera = st.camera,
        .corrections = st.corrections,
        .correction_ids = st.correction_ids,
    };
    if (store_put_heartbeat(*s, &hb, &err) != BK_OK)
        log_problem(h, err.msg[0] ? err.msg : "?");
    else
        log_problem(h, "");
}

static void *heartbeat_main(void *arg)
{
    struct heartbeat *h = arg;
    struct store *s = NULL;
    int64_t period_ms = (int64_t)h->cfg->heartbeat_seconds * 1000;
    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        /* The first beat waits for the UI's first state, then one a period. */
        if (h->have_state) {
            pthread_mutex_unlock(&h->mu);
            beat(h, &s);
            pthread_mutex_lock(&h->mu);
        }
        if (h->stop)
            break;
        struct timespec until = clock_deadline_in(h->have_state ? period_ms : 200);
        pthread_cond_timedwait(&h->cv, &h->mu, &until);
    }
    pthread_mutex_unlock(&h->mu);
    store_close(s);
    return NULL;
}

enum bk_status heartbeat_new(const struct config *cfg, void (*log)(const char *line),
                             struct heartbeat **out, struct bk_err *err)
{
    struct heartbeat *h = xcalloc(1, sizeof *h);
    h->cfg = cfg;
    h->log = log;
    h->last_problem[0] = '\0';
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    if (pthread_create(&h->thread, NULL, heartbeat_main, h) != 0) {
        pthread_mutex_destroy(&h->mu);
        pthread_cond_destroy(&h->cv);
        free(h);
        *out = NULL;
        return bk_err_set(err, BK_ERR_IO, NULL, 0, NULL,
                          _("the kiosk's heartbeat thread cannot start"));
    }
    *out = h;
    return BK_OK;
}

void heartbeat_update(struct heartbeat *h, const struct heartbeat_state *s)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->state = *s;
    h->have_state = true;
    pthread_mutex_unlock(&h->mu);
}

void heartbeat_free(struct heartbeat *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->stop = true;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    free(h);
}
