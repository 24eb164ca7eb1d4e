/* attendee: one registered person, as read from the export and kept in the store.
 *
 * A plain record shared by roster (which reads it), store (which keeps it),
 * checkin, find and report. All strings are UTF-8, owned by the struct, and
 * never NULL once filled ("" when the export leaves a field empty). */
#ifndef BK_ATTENDEE_H
#define BK_ATTENDEE_H

#include <stdbool.h>

#include "event/tz.h"

enum attendee_status {
    ATTENDEE_CONFIRMED = 0,
    ATTENDEE_WITHDRAWN, /* cancelled, or gone from a newer export */
};

struct attendee {
    char *id;           /* registration ID, unique, at most ATTENDEE_ID_MAX bytes */
    char *title;
    char *first_name;
    char *last_name;
    char *badge_name;   /* the name to print when set: preferred or native script */
    char *organization;
    char *country;
    char *category;     /* Participant, Chair, ... */
    char *events;       /* canonical event codes from the config, ";"-separated, e.g. "FG-MV;Forum" */
    char *email;
    char *language;     /* preferred UI language ("" when the export has none) */
    char *valid_from;   /* "YYYY-MM-DD": the ticket's first valid day; "" when not limited */
    char *valid_until;  /* "YYYY-MM-DD": its last valid day; "" when not limited */
    enum attendee_status status;
};

#define ATTENDEE_ID_MAX 64

/* Frees the strings and zeroes the record; a zeroed record is safe to clear. */
void attendee_clear(struct attendee *a);

/* A deep copy of src into dst (dst's old contents are not freed). */
void attendee_copy(struct attendee *dst, const struct attendee *src);

/* The name people see: badge_name when set; otherwise family name first and
 * no space when both parts are written in Chinese, Japanese or Korean script
 * (王 + 蕴韬 -> 王蕴韬), else "first last". Newly allocated; the caller frees it. */
char *attendee_display_name_new(const struct attendee *a);

/* True when code is one of the ";"-separated codes in a->events. */
bool attendee_has_event(const struct attendee *a, const char *code);

/* The days a's ticket is valid, clipped to first..last: false when it is
 * valid on none of them. valid_from and valid_until limit it when set
 * (a value that is not a date limits nothing: the roster only stores dates). */
bool attendee_valid_days(const struct attendee *a, bk_day *first, bk_day *last);

#endif
