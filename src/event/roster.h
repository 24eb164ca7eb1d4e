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
 * any field is not valid UTF-8, when its Events or Status hold a value the
 * config does not know, or when a validity date is not a date.
 *
 * The file is read in cfg's encoding and with cfg's separator (csv.h: a
 * byte-order mark wins). The whole name (the name column) stands in for the
 * first name when the row's first and last names are empty or absent. An
 * Events value may be an alias of several parts: it registers the row for
 * each of them.
 *
 * Tickets. With a code column (the text each ticket's QR code holds, such
 * as pretix's "Secret"), every row is one ticket and its own attendee, and
 * the ID column holds the order it belongs to, shared by the order's
 * tickets. A ticket's ID is the order's ID when the order has one ticket in
 * the export; otherwise the order's ID, "-" and the ticket's own number (the
 * ticket column, such as Eventbrite's "Attendee #"), or without one four
 * characters of a hash of its code ("ABC12-K3F7"). store_import then keeps
 * the ID a ticket already had, so IDs do not change when an order gains or
 * loses tickets. A row whose code is empty, too long or holds control
 * characters, or repeats an earlier row's code, is skipped; messages never
 * quote a code. */
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

/* The longest code and ticket number read (a pretix_sig1 secret is well over
 * 100 bytes); token.c checks that a badge holding a code still fits its
 * payload cap. */
#define ROSTER_CODE_MAX 400
#define ROSTER_TICKET_MAX 15 /* bytes of a ticket number */
#define ROSTER_SUFFIX_MAX 24 /* bytes after the order's ID and "-" */

/* A ticket of an export with a code column; strings owned by the roster. */
struct roster_ticket {
    char *code;    /* what its QR code holds: a secret, wiped when freed; never show or log it */
    char *order;   /* the ID column's value, shared by the order's tickets */
    char *ticket;  /* the ticket column's value, "" when none */
    char *long_id; /* the order's ID and the ticket's suffix: its ID when the order has several */
};

struct roster {
    struct attendee *people; /* in file order */
    struct roster_ticket *tickets; /* one per person with a code column, else NULL */
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
