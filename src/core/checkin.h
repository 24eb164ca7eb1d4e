/* checkin: the decision made at the door, in one function.
 *
 * Given a scanned payload and the time, it verifies the code, finds the
 * person, works out the event day in the venue's time zone, records the scan
 * durably and only then answers. The kiosk, the staff desk and
 * `badgectl checkin` all call it, so they cannot disagree. */
#ifndef BK_CHECKIN_H
#define BK_CHECKIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/attendee.h"
#include "event/config.h"
#include "util/err.h"
#include "store/store.h"
#include "core/token.h"
#include "event/tz.h"

enum checkin_outcome {
    CHECKIN_CHECKED_IN = 0,      /* first time today */
    CHECKIN_ALREADY_CHECKED_IN,  /* earlier today: see first_at_ms */
    CHECKIN_NOT_REGISTERED_TODAY, /* registered, but for another part or other days */
    CHECKIN_WITHDRAWN,           /* cancelled or gone from the export */
    CHECKIN_UNKNOWN,             /* a valid code for an ID we do not have, or (export
                                    mode) a code no ticket in the export has */
    CHECKIN_INVALID,             /* forged, garbled, too long, not UTF-8 */
    CHECKIN_NO_EVENT_TODAY,      /* nothing is held today */
};

/* "checked_in", "already_checked_in", ...: stable, for JSON and the store. */
const char *checkin_outcome_code(enum checkin_outcome o);

/* How the code arrived. */
enum checkin_method {
    CHECKIN_CAMERA = 0,
    CHECKIN_SCANNER,
    CHECKIN_MANUAL, /* staff checked the person in by hand: the payload is the ID */
    CHECKIN_CLI,
};
const char *checkin_method_code(enum checkin_method m);

struct checkin_context {
    const struct config *cfg;
    const struct token_keys *keys; /* may be NULL in plain mode */
    struct store *store;
    const char *kiosk_id;
};

struct checkin_result {
    enum checkin_outcome outcome;
    enum token_reason reason;   /* for CHECKIN_INVALID */
    char attendee_id[ATTENDEE_ID_MAX + 1]; /* "" when not known; never the code itself */
    bool has_attendee;
    struct attendee attendee;   /* filled when has_attendee; clear with checkin_result_clear */
    bk_day day;
    int64_t first_at_ms;        /* for CHECKIN_ALREADY_CHECKED_IN */
    /* No badge of the person's has printed yet (checked_in and
     * already_checked_in): one is owed, and is waiting in the store. */
    bool badge_needed;
    /* The pending badge row this check-in added (its serial in owed_serial),
     * or 0: the person already had one printed or waiting. */
    int64_t owed_badge;
    char owed_serial[TOKEN_SERIAL_LEN + 1];
    char badge_serial[TOKEN_SERIAL_LEN + 1]; /* "" unless the code was a badge's */
    const struct config_event *event; /* the part of the event they are checked in for */
    bool offline; /* decided from this machine's journal: the shared store did not answer */
    bool overridden; /* checked in by the desk as an exception (checkin_override) */
};

/* The staff desk's exception (issue 11): staff check in by hand (method
 * CHECKIN_MANUAL, payload the registration ID) a confirmed person whom the
 * rules refuse only for their registration: registered for another part
 * held today, or not for today. The check-in is recorded as any other
 * (counted once a day, its badge owed) with detail CHECKIN_OVERRIDE_DETAIL,
 * so the report, the export and the log show the exception. Everything
 * else (unknown, withdrawn, no event today) is refused as by
 * checkin_process. */
#define CHECKIN_OVERRIDE_DETAIL "override"
enum bk_status checkin_override(const struct checkin_context *ctx, const char *attendee_id,
                                int64_t now_ms, struct checkin_result *res, struct bk_err *err);

/* Where a person stands on a day, for the staff desk's search results:
 * whether they are in (checked_in, from the store), which of the day's parts
 * they are registered for, and whether the desk may check them in, by the
 * rules or only as an exception. */
struct checkin_standing {
    bool checked_in;
    const struct config_event *parts[CONFIG_MAX_EVENTS]; /* their parts held that day */
    size_t n_parts;
    enum checkin_outcome would_be; /* what a check-in now would come to: CHECKED_IN,
                                      NOT_REGISTERED_TODAY, WITHDRAWN, NO_EVENT_TODAY
                                      (ALREADY_CHECKED_IN when checked_in) */
    bool override_allowed;         /* would_be is NOT_REGISTERED_TODAY: staff may
                                      check_in with checkin_override */
};

/* Fills *out for a on day; checked_in is the store's answer for that day. */
void checkin_standing(const struct config *cfg, const struct attendee *a, bk_day day,
                      bool checked_in, struct checkin_standing *out);

/* Decides and records. payload is len bytes (may hold NUL bytes). A refusal
 * is not an error: it is an outcome in *res, recorded like any scan. A
 * check-in of someone with no badge printed or waiting also records the
 * badge it owes (a pending row), in the same transaction. The return is an
 * error only when the scan could not be recorded (store failure, full
 * disk): then nothing was acknowledged. */
enum bk_status checkin_process(const struct checkin_context *ctx, const char *payload, size_t len,
                               enum checkin_method method, int64_t now_ms,
                               struct checkin_result *res, struct bk_err *err);

void checkin_result_clear(struct checkin_result *res);

#endif
