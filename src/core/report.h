/* report: what the organisers take home: attendance per day and per part of
 * the event, by category, country and organisation, and arrivals per hour.
 *
 * Built from the store in one pass over the attendees and one over the
 * attendance (which the store derives from the scan events), so the counts
 * are always the events' counts: a person is counted once a day. */
#ifndef BK_REPORT_H
#define BK_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "event/config.h"
#include "util/err.h"
#include "store/store.h"

struct report;

/* Computes the report; free with report_free. */
enum bk_status report_new(struct store *s, const struct config *cfg, struct report **out,
                          struct bk_err *err);
void report_free(struct report *r);

/* A readable summary (translated headings); organisations limited to the top
 * ten per day; the event log's head last (report_write_head). */
void report_write_text(const struct report *r, FILE *f);

/* Everything, as one JSON object: "event", "days" (each with at least "date",
 * "event" and "attendees"; "arrivals_per_hour" and
 * "arrivals_per_quarter_hour" keyed by local "HH" and "HH:MM", non-zero
 * only; "reprint_reasons"), "events" (the parts as a whole), "duplicates",
 * "conflicts", "totals" and "log_head" (store_head_format's "SEQ:HASH",
 * null for an empty log or a shared store, which has no single head). */
void report_write_json(const struct report *r, FILE *f);

/* "Event log head: SEQ:HASH ..." and how to use it, one line, when the log
 * is not empty. A printed or mailed report or export carries it, so a copy
 * kept away from the store witnesses its log too (verify --head). Nothing
 * for a shared store (head->seq 0). */
void report_write_head(const struct store_head *head, FILE *f);

/* What an export wrote. */
struct report_export {
    size_t rows;            /* attendees written */
    bool replaced;          /* an earlier export at the path was replaced */
    struct store_head head; /* the event log's head once the rows were read (seq 0: none) */
};

/* ---- the computed report, for other writers (core/reporthtml) ----
 *
 * Every writer reads the one computation below, so the HTML report and its
 * charts show exactly the numbers of report --json. What these return points
 * into r and lives as long as r, unless said otherwise. */

enum { REPORT_QUARTERS = 96 }; /* a local day in 15-minute bins */

/* One line of a breakdown. */
struct report_row {
    const char *name; /* "-" when the attendee's field was empty */
    size_t count;
};

/* What a count is broken down by. Parts have the first three only. */
enum report_group {
    REPORT_BY_CATEGORY,
    REPORT_BY_COUNTRY, /* the country's name, as country_display shows it */
    REPORT_BY_ORGANIZATION,
    REPORT_BY_KIOSK,          /* a day's counted check-ins by kiosk */
    REPORT_BY_REPRINT_REASON, /* a day's reprinted badges by reason */
};

struct report_day_info {
    bk_day day;
    const struct config_event *const *parts; /* the parts held that day */
    size_t n_parts;
    size_t attendees; /* people checked in, once each */
    size_t badges_printed, badges_reprinted;
    const size_t *quarters; /* REPORT_QUARTERS: first check-ins by local 15 minutes */
};

struct report_part_info {
    const struct config_event *ev;
    size_t registered, attended; /* attended: on at least one of its days */
};

struct report_totals {
    size_t registered, withdrawn, attended_any_day;
    size_t badges_pending, badges_printed_outside_event_days;
    size_t duplicates; /* (person, day) admitted more than once, apart from the shared store */
    size_t conflicts;  /* events the shared store set aside */
    size_t reprints;   /* reprinted badges on event days */
};

/* One check-in of a duplicate. */
struct report_scan {
    const char *kiosk;
    int64_t at_ms;
};

struct report_duplicate {
    const char *attendee;
    const char *name; /* the display name; NULL when no longer in the store */
    bk_day day;
    const struct report_scan *scans; /* n >= 2 check-ins, in the log's order */
    size_t n;
};

struct report_reprint {
    const char *attendee;
    const char *name; /* NULL when no longer in the store */
    const char *reason;
    bk_day day;
    int64_t at_ms; /* when it came out */
};

const struct config *report_config(const struct report *r);
size_t report_n_days(const struct report *r);
void report_day(const struct report *r, size_t i, struct report_day_info *out);
size_t report_n_parts(const struct report *r);
void report_part(const struct report *r, size_t i, struct report_part_info *out);
void report_totals(const struct report *r, struct report_totals *out);

/* Day i's (or part i's) breakdown, most first, ties by name in byte order:
 * the order of the JSON objects. *n receives the count of rows; the array
 * is the caller's to free (the names are r's). */
struct report_row *report_day_rows_new(const struct report *r, size_t i, enum report_group g,
                                       size_t *n);
struct report_row *report_part_rows_new(const struct report *r, size_t i, enum report_group g,
                                        size_t *n);

/* The k-th (0 to totals.duplicates - 1) person and day admitted twice. */
void report_duplicate(const struct report *r, size_t k, struct report_duplicate *out);
/* The k-th (0 to totals.reprints - 1) reprinted badge. */
const struct report_reprint *report_reprint(const struct report *r, size_t k);

/* The top entries of rows sorted most first: how many to show when at most
 * limit fit (all when n <= limit); *other receives the sum of the rest, the
 * "other" line. */
size_t report_top(const struct report_row *rows, size_t n, size_t limit, size_t *other);

/* "HH:MM", the start of a quarter (0-95), into buf (at least 6 bytes). */
char *report_quarter_label(int quarter, char *buf);

/* One CSV row per attendee with a column per event day holding the local
 * time of the first check-in that day, written to path with util/outfile
 * (mode 0600, whole or not at all; a FIFO or device as a stream; a folder,
 * a missing folder or a link refused). Cells are neutralised against
 * spreadsheet formulas. A regular file at path is replaced only when it is
 * an earlier export (it starts with the export's header) or force is set:
 * otherwise BK_ERR_EXISTS and nothing is written. */
enum bk_status report_export_csv(struct store *s, const struct config *cfg, const char *path,
                                 bool force, struct report_export *out, struct bk_err *err);

#endif
