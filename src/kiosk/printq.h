/* printq: badges printed on a worker thread, so the screen never waits on
 * paper.
 *
 * The worker has its own store connection (a struct store is used by one
 * thread at a time; SQLite's WAL lets the two connections share the file)
 * and its own badge renderer, and runs badgeprint_person or
 * badgeprint_pending for each request in order. Results come back through
 * printq_poll, which never waits. Between requests it asks the printer for
 * its state now and then (every 15 s, every 3 s while it is down or badges
 * wait), for the staff screen and the welcome screen; when a printer that
 * was down or failed a badge answers again, the worker prints the badges
 * this kiosk left waiting in the store by itself (badgeprint_pending for
 * this kiosk: each row claimed before it is sent, so none prints twice).
 *
 * font_lock is held while the worker draws or opens fonts: FreeType's
 * library object under SDL2_ttf is shared by every thread. */
#ifndef BK_KIOSK_PRINTQ_H
#define BK_KIOSK_PRINTQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "badge/badge.h"
#include "event/config.h"
#include "util/err.h"
#include "door/flow.h"

struct printq;

/* Starts the worker. cfg must outlive the queue; printer is copied. Fails
 * when the thread cannot start; a store or font problem in the worker is
 * reported as the result of each request instead. */
enum bk_status printq_new(const struct config *cfg, const char *printer, const char *kiosk_id,
                          pthread_mutex_t *font_lock, struct printq **out, struct bk_err *err);
/* Waits for the request being printed (not for those queued), then frees. */
void printq_free(struct printq *q);

/* Queues a badge (strings copied). The queue grows with the crowd; only
 * past thousands of waiting badges is one answered at once as pending. */
void printq_person(struct printq *q, const struct flow_print *p, int64_t now_ms);
/* Queues "print every pending badge"; its result carries id 0. */
void printq_pending(struct printq *q, int64_t now_ms);

struct printq_done {
    uint32_t id;
    /* One badge of a "print every waiting badge" (asked by staff, or the
     * worker's own once the printer is back): for the log only; the whole
     * run's result follows with id 0. */
    bool one_of_many;
    enum flow_print_result result;
    char problem[1200];
    char attendee[ATTENDEE_ID_MAX + 1];
    char file[1024]; /* a badge written as PNG */
};

/* The kiosk's clock now (it may be set to another time, --now): what the
 * worker records for the badges it prints by itself. */
void printq_clock(struct printq *q, int64_t now_ms);

/* Takes the oldest finished request without waiting. */
bool printq_poll(struct printq *q, struct printq_done *out);

/* The printer's state in words for the staff screen, as last seen by the
 * worker ("" before the first look). Copied into buf. busy: a request is
 * being printed now. */
void printq_status(struct printq *q, char *buf, size_t n, bool *busy);

/* True when the worker's last look found the printer down: it could not
 * be reached, or it is stopped or refuses jobs. False while not known (no
 * printer configured, badges written as files, no look yet). */
bool printq_printer_down(struct printq *q);

/* The printer's state as last seen, for the kiosk's heartbeat: state one of
 * "idle", "printing", "stopped", "unknown" (not asked yet, or not reached),
 * reasons its printer-state-reasons in words, or why it was not reached
 * ("" when none). Copied into the buffers. */
void printq_printer_state(struct printq *q, char *state, size_t state_n, char *reasons,
                          size_t reasons_n);

/* How badges are drawn for the printer, as the worker last learnt it (the
 * configuration's own until it has asked): the preview on screen is drawn
 * the same way, so it shows what will really print. */
struct badge_output printq_badge_output(struct printq *q);

#endif
