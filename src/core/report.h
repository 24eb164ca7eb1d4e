/* report: what the organisers take home: attendance per day and per part of
 * the event, by category, country and organisation, and arrivals per hour.
 *
 * Built from the store in one pass over the attendees and one over the
 * attendance (which the store derives from the scan events), so the counts
 * are always the events' counts: a person is counted once a day. */
#ifndef BK_REPORT_H
#define BK_REPORT_H

#include <stdbool.h>
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
 * "event" and "attendees"), "events" (the parts as a whole), "totals" and
 * "log_head" (store_head_format's "SEQ:HASH", null for an empty log). */
void report_write_json(const struct report *r, FILE *f);

/* "Event log head: SEQ:HASH ..." and how to use it, one line, when the log
 * is not empty. A printed or mailed report or export carries it, so a copy
 * kept away from the store witnesses its log too (verify --head). */
void report_write_head(const struct store_head *head, FILE *f);

/* What an export wrote. */
struct report_export {
    size_t rows;            /* attendees written */
    bool replaced;          /* an earlier export at the path was replaced */
    struct store_head head; /* the event log's head once the rows were read */
};

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
