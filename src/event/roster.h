/* roster: the attendee list, read from the registration system's CSV export.
 *
 * Columns are found by their header names through the config's mapping, so
 * another system's export needs a config change, not a code change. A problem
 * in one row skips that row and is listed with its line; a problem with the
 * file as a whole (not CSV, a required column missing, an unterminated quote,
 * unreadable) rejects the file.
 *
 * Required columns: the ID column and, when configured, the first and last
 * name columns; at least one of first name, last name and badge name must be
 * present. Every other configured column (title, badge name, organisation,
 * country, category, events, status, email, language) may be absent from the
 * export and then reads as "". Without an Events column everyone is
 * registered for every event part; an empty Category takes the config's
 * default_category; an empty Status means confirmed. Fields are trimmed of
 * spaces and tabs; blank rows are skipped without a word.
 *
 * A row is skipped, and listed in problems, when its ID is missing, longer
 * than ATTENDEE_ID_MAX or holds control characters, when it has no name at
 * all, when its ID repeats an earlier imported row (the first is kept), when
 * any field is not valid UTF-8, or when its Events or Status hold a value the
 * config does not know. */
#ifndef BK_ROSTER_H
#define BK_ROSTER_H

#include <stddef.h>

#include "event/attendee.h"
#include "event/config.h"
#include "util/err.h"

/* A skipped row: its first physical line in the file and why. */
struct roster_problem {
    long line;
    char *id;     /* the row's ID when it had one, else "" */
    char *field;  /* the column at fault, or "" */
    char *message; /* translated */
};

struct roster {
    struct attendee *people; /* in file order */
    size_t n_people;
    struct roster_problem *problems;
    size_t n_problems;
    size_t n_rows; /* data rows seen, imported or not */
};

/* Reads path with cfg's column mapping. BK_OK means the file was read (rows
 * may still have been skipped: see problems); any other status means the file
 * was rejected, *out is NULL and err says why. The caller frees *out with
 * roster_free. */
enum bk_status roster_read(const struct config *cfg, const char *path, struct roster **out,
                           struct bk_err *err);
void roster_free(struct roster *r);

#endif
