/* reporthtml: the attendance report as one self-contained HTML page, and its
 * charts as SVG files, for the secretariat, slides and e-mail.
 *
 * Written from the computed struct report (core/report), the one that
 * report --json writes, so every number and every bar here is a number of
 * the JSON. Each count on the page carries its place in the JSON
 * (data-path, a JSON array of keys and indexes; an "other" line carries
 * data-other and data-top), so a test can read them all back.
 *
 * The page holds inline CSS and inline SVG only: no script, nothing fetched
 * (its Content-Security-Policy forbids it too), a print style for A4. It
 * holds counts only, unless with_names is set: then also the people
 * admitted twice and the reprinted badges, by ID and name. Every text from
 * the configuration or the store is escaped (reporthtml_escape) and names
 * are isolated for bidi (<bdi>). */
#ifndef BK_REPORTHTML_H
#define BK_REPORTHTML_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/report.h"
#include "util/err.h"

struct reporthtml_options {
    bool with_names;          /* list duplicates and reprints by person (personal data) */
    size_t top_countries;     /* lines before "other"; 0: 15 */
    size_t top_organizations; /* 0: 10 */
    int64_t now_ms;           /* "as of", said in the page's heading */
};

/* The page, to f. Labels are translated in the language in use. */
void reporthtml_write(const struct report *r, const struct reporthtml_options *o, FILE *f);

/* The page, to path through util/outfile (0600, whole or not at all). */
enum bk_status reporthtml_write_file(const struct report *r, const struct reporthtml_options *o,
                                     const char *path, struct bk_err *err);

/* The page's charts as standalone SVG files in dir (made 0700 when missing):
 * arrivals-DATE.svg per day, and per part PART-category.svg,
 * PART-country.svg and PART-organisation.svg (the part's code, other
 * characters than letters, digits, '-' and '_' as '_'). Each file 0600
 * through util/outfile. *files receives how many were written. */
enum bk_status reporthtml_write_svg_dir(const struct report *r, const struct reporthtml_options *o,
                                        const char *dir, size_t *files, struct bk_err *err);

/* s as HTML text, safe in an element and in a quoted attribute: & < > " '
 * as character references; bytes that are not UTF-8, control characters
 * and the bidi embedding, override and isolate controls (U+202A-U+202E,
 * U+2066-U+2069), which could make a name read as another, as U+FFFD. */
void reporthtml_escape(FILE *f, const char *s);

/* The quarters (of REPORT_QUARTERS) every day's arrivals chart spans: whole
 * hours from the first to the last quarter any day has arrivals in, so the
 * days' charts line up; 08:00 to 18:00 when no day has any. [*first, *end). */
void reporthtml_chart_span(const struct report *r, int *first, int *end);

/* A name in running text (from the configuration or the store): escaped
 * and isolated (<bdi>), so a right-to-left name does not reorder the
 * numbers and words around it. */
void reporthtml_write_name(FILE *f, const char *s);

/* The page's heading: the event's title (h1) and its venue, as the report
 * and the dashboard show them. */
void reporthtml_write_heading(FILE *f, const struct config *cfg);

/* Day i's (of report_n_days) first check-ins per 15 minutes over the
 * quarters [first, end), as an inline SVG column chart, each bar marked
 * with its place in the JSON: the report's chart, and the dashboard's. */
void reporthtml_write_arrivals(FILE *f, const struct report *r, size_t i, int first, int end);

#endif
