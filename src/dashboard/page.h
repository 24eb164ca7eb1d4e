/* page: the dashboard's HTML, from the computed report (core/report, the
 * numbers of report --json) and the kiosks' heartbeats (store).
 *
 * Two pieces: the live part (today's counts, the last hour, today's chart
 * and a card per kiosk), which the page fetches again every few seconds,
 * and the page around it. Every count taken from the report carries its
 * place in report --json (data-path, as in the HTML report), so a test reads
 * them back; the page holds counts only (and kiosk names), no person. All
 * text from the configuration or the store is escaped. Labels are
 * translated in the language in use, and the page says which (lang). */
#ifndef BK_DASHBOARD_PAGE_H
#define BK_DASHBOARD_PAGE_H

#include <stdint.h>
#include <stdio.h>

#include "event/config.h"
#include "store/store.h"
#include "util/err.h"

/* The computed report kept between refreshes: computing it is what costs
 * (a quarter of a second for 100,000 people), and it changes only when the
 * log or the attendee list does. */
struct dashpage_cache;

struct dashpage_cache *dashpage_cache_new(void);
void dashpage_cache_free(struct dashpage_cache *c); /* NULL is fine */

/* The report is computed again when the store's count of events or of
 * attendees moved, or when it is older than this (an import that changed
 * people without changing their number). */
#define DASHPAGE_REPORT_MAX_AGE_MS 30000

/* The live part, as of now_ms, to f: computed from s (the report and the
 * heartbeats, which are read every time: a kiosk's card turns offline with
 * time alone). A kiosk is shown online when its last heartbeat is younger
 * than three of cfg's heartbeat periods. With cache (may be NULL: computed
 * afresh), the report is reused while the store's counts stand still. */
enum bk_status dashpage_write_live(FILE *f, struct store *s, const struct config *cfg,
                                   int64_t now_ms, struct dashpage_cache *cache,
                                   struct bk_err *err);

/* The whole page around live (dashpage_write_live's text), to f. */
void dashpage_write_page(FILE *f, const struct config *cfg, const char *live);

/* The page's style sheet and script, served from memory (no file is read
 * from disk). */
extern const char dashpage_css[];
extern const char dashpage_js[];

/* How often the page fetches the live part again, in milliseconds. */
#define DASHPAGE_POLL_MS 2000

#endif
