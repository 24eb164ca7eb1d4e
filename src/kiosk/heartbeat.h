/* heartbeat: the kiosk's state, written into the store every few seconds
 * for the organisers' dashboard (store_put_heartbeat).
 *
 * A thread of its own with its own store connection does the writing, so
 * the door never waits on it: the UI thread only copies its state in
 * (heartbeat_update, a mutex held for a memcpy). With a shared store the
 * write goes to the server within [store] timeout_ms; a write that fails is
 * logged once (and again when the reason changes), never retried in a
 * hurry: the next beat is the retry. */
#ifndef BK_KIOSK_HEARTBEAT_H
#define BK_KIOSK_HEARTBEAT_H

#include <stdint.h>

#include "event/config.h"
#include "util/err.h"

struct heartbeat;

/* What the UI thread knows; the thread adds the events waiting to sync. */
struct heartbeat_state {
    int64_t last_scan_ms; /* 0: none since start */
    char printer_state[16];
    char printer_reasons[1400];
    int64_t badges_pending;
    char camera[16]; /* "ok", "missing", "none" */
    int64_t corrections;
    char correction_ids[1024]; /* their registration IDs, ", " between */
};

/* Starts the thread, which writes a first beat as soon as it has a state
 * and then every cfg->heartbeat_seconds. cfg must outlive it. log receives
 * each line to log (the kiosk's logger); it is called on the thread. */
enum bk_status heartbeat_new(const struct config *cfg, void (*log)(const char *line),
                             struct heartbeat **out, struct bk_err *err);

/* Copies s in for the next beat; never waits on the store. */
void heartbeat_update(struct heartbeat *h, const struct heartbeat_state *s);

/* Stops the thread (waiting for a write in flight, at most the store's
 * bound) and frees. NULL is fine. */
void heartbeat_free(struct heartbeat *h);

#endif
