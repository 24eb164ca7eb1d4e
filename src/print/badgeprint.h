/* badgeprint: a person's badge from the store to paper, once.
 *
 * Follows the plan badgeplan makes: renders the badge with its serial in the
 * QR code, sends it to the printer, follows the job and records every step
 * in the store, so a check-in never waits on paper and a printer failure
 * leaves the badge pending, not lost. Used by the kiosk, the staff desk and
 * `badgectl print`. */
#ifndef BK_BADGEPRINT_H
#define BK_BADGEPRINT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "badge/badge.h"
#include "core/badgeplan.h"
#include "event/config.h"
#include "store/store.h"

struct badgeprint_context {
    const struct config *cfg;
    struct store *store;
    struct badge_renderer *renderer;
    /* A CUPS queue or ipp:// URI; "file:DIR" writes badge PNGs into DIR
     * instead (demos, machines with no printer); "" for none. */
    const char *printer;
    const char *kiosk_id;
    /* Held around drawing only, when not NULL: FreeType's library is shared
     * with another thread (the kiosk's screen), but a job at the printer must
     * not keep that thread from drawing text. */
    pthread_mutex_t *render_lock;
};

enum badgeprint_outcome {
    BADGEPRINT_PRINTED,    /* the printer reported the job completed */
    BADGEPRINT_WRITTEN,    /* written as a PNG (printer "file:DIR") */
    BADGEPRINT_PENDING,    /* printer trouble: kept for later, see problem */
    BADGEPRINT_UNCLEAR,    /* sent, but not completed in time: left submitted */
    BADGEPRINT_ALREADY_HAS /* a first badge was asked for, one was printed */
};

struct badgeprint_result {
    enum badgeprint_outcome outcome;
    int64_t badge_id;
    char serial[TOKEN_SERIAL_LEN + 1];
    int job;
    char file[1024];    /* for BADGEPRINT_WRITTEN */
    char problem[1200]; /* for PENDING and UNCLEAR: in words staff can act on */
};

/* A person's first badge (reason NULL) or a replacement (reason given).
 * payload is the code the person was mailed, when the caller has it (a
 * kiosk that just scanned it); NULL takes the one kept in the store.
 * Printer trouble is an outcome, not an error: errors are store failures,
 * a name that cannot be drawn, or no payload known. */
enum bk_status badgeprint_person(const struct badgeprint_context *ctx, const char *attendee,
                                 const char *reason, const char *payload, int64_t now_ms,
                                 struct badgeprint_result *res, struct bk_err *err);

/* Every badge waiting (pending, or submitted with an unclear outcome), oldest
 * first; only those asked for by kiosk when kiosk is not NULL (a kiosk
 * printing what it owes by itself leaves other kiosks' badges to them). fn,
 * when not NULL, hears about each one as it is done. */
enum bk_status badgeprint_pending(const struct badgeprint_context *ctx, const char *kiosk,
                                  int64_t now_ms,
                                  void (*fn)(void *arg, const char *attendee,
                                             const struct badgeprint_result *res),
                                  void *arg, struct bk_err *err);

const char *badgeprint_outcome_code(enum badgeprint_outcome o);

struct printer_caps;

/* How a badge is drawn for a printer that prints as caps says (NULL: no
 * printer to ask, e.g. "file:DIR"): at the printer's own resolution when it
 * says one, and monochrome when [badge] color says so, or says auto and the
 * printer prints one colour. */
struct badge_output badgeprint_output(const struct config *cfg, const struct printer_caps *caps);

#endif
