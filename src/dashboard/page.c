/* page: see page.h. */
#include "dashboard/page.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "core/reporthtml.h"
#include "event/tz.h"
#include "util/clock.h"
#include "util/i18n.h"
#include "util/xalloc.h"

/* ---- what the page holds ---- */

/* "HH:MM" when ms is on the day given, else "YYYY-MM-DD HH:MM", in the
 * venue's zone. */
static char *local_time(const struct config *cfg, int64_t ms, bk_day today, char *buf)
{
    int minute = 0;
    bk_day d = tz_local_minute(cfg->tz, ms, &minute);
    char date[16];
    if (d == today)
        sprintf(buf, "%02d:%02d", minute / 60 % 24, minute % 60);
    else
        sprintf(buf, "%s %02d:%02d", tz_day_format(d, date), minute / 60 % 24, minute % 60);
    return buf;
}

/* A kiosk name fit for a data-path (JSON string written as is): plain
 * ASCII letters, digits and - _ . only; others are shown without one. */
static bool plain_key(const char *s)
{
    if (!s[0] || strlen(s) > 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

/* ---- kiosk cards ---- */

struct kiosk_card {
    char *kiosk;
    bool has_beat;
    struct store_heartbeat hb; /* strings below, owned */
    char *printer_state, *printer_reasons, *camera, *correction_ids;
    size_t checked_in; /* counted check-ins today (the report's by_kiosk) */
    bool counted;      /* named in today's by_kiosk */
};

struct cards {
    struct kiosk_card *v;
    size_t n, cap;
};

static struct kiosk_card *card_for(struct cards *c, const char *kiosk)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].kiosk, kiosk) == 0)
            return &c->v[i];
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 8;
        c->v = xrealloc(c->v, c->cap * sizeof c->v[0]);
    }
    struct kiosk_card *k = &c->v[c->n++];
    memset(k, 0, sizeof *k);
    k->kiosk = xstrdup(kiosk);
    return k;
}

static int take_beat(void *ctx, const struct store_heartbeat *hb)
{
    struct cards *c = ctx;
    if (c->n >= 256) /* a page, not a database dump */
        return 1;
    struct kiosk_card *k = card_for(c, hb->kiosk);
    k->has_beat = true;
    k->hb = *hb;
    k->printer_state = xstrdup(hb->printer_state);
    k->printer_reasons = xstrdup(hb->printer_reasons);
    k->camera = xstrdup(hb->camera);
    k->correction_ids = xstrdup(hb->correction_ids);
    /* The record's own strings die with the callback: point at the copies. */
    k->hb.kiosk = k->kiosk;
    k->hb.printer_state = k->printer_state;
    k->hb.printer_reasons = k->printer_reasons;
    k->hb.camera = k->camera;
    k->hb.correction_ids = k->correction_ids;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct kiosk_card *)a)->kiosk, ((const struct kiosk_card *)b)->kiosk);
}

static void cards_free(struct cards *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].kiosk);
        free(c->v[i].printer_state);
        free(c->v[i].printer_reasons);
        free(c->v[i].camera);
        free(c->v[i].correction_ids);
    }
    free(c->v);
}

static const char *printer_words(const char *state)
{
    if (strcmp(state, "idle") == 0)
        return _("ready");
    if (strcmp(state, "printing") == 0)
        return _("printing");
    if (strcmp(state, "stopped") == 0)
        return _("stopped");
    return _("state not known");
}

static const char *camera_words(const char *state)
{
    if (strcmp(state, "ok") == 0)
        return _("working");
    if (strcmp(state, "missing") == 0)
        return _("missing or unplugged");
    return _("none configured");
}

static void dt(FILE *f, const char *label)
{
    fputs("<dt>", f);
    reporthtml_escape(f, label);
    fputs("</dt>", f);
}

static void write_card(FILE *f, const struct config *cfg, const struct kiosk_card *k,
                       long day_index, bk_day today)
{
    int64_t online_ms = 3LL * cfg->heartbeat_seconds * 1000 + 2000;
    bool online = k->has_beat && k->hb.age_ms <= online_ms;
    char when[48];
    fprintf(f, "<article class=\"kiosk %s\"",
            online        ? "online"
            : k->has_beat ? "offline"
                          : "silent");
    fputs(" data-kiosk=\"", f);
    reporthtml_escape(f, k->kiosk);
    fputs("\"><h3>", f);
    reporthtml_write_name(f, k->kiosk);
    fputs("</h3><p class=\"state\">", f);
    if (online) {
        reporthtml_escape(f, _("Online"));
    } else if (k->has_beat) {
        char *s = xasprintf(_("Offline since %s"), local_time(cfg, k->hb.received_ms, today, when));
        reporthtml_escape(f, s);
        free(s);
    } else {
        reporthtml_escape(f, _("No heartbeat (a desk, or a kiosk not started since)"));
    }
    fputs("</p><dl>", f);
    dt(f, _("Checked in today"));
    if (day_index >= 0 && k->counted && plain_key(k->kiosk))
        fprintf(f, "<dd class=\"n\" data-path='[\"days\",%ld,\"by_kiosk\",\"%s\"]'>%zu</dd>",
                day_index, k->kiosk, k->checked_in);
    else
        fprintf(f, "<dd class=\"n\">%zu</dd>", k->checked_in);
    if (k->has_beat) {
        dt(f, _("Waiting to sync"));
        fprintf(f, "<dd class=\"n waiting\">%lld</dd>", (long long)k->hb.waiting);
        dt(f, _("Last scan"));
        fputs("<dd class=\"last-scan\">", f);
        if (k->hb.last_scan_ms > 0)
            reporthtml_escape(f, local_time(cfg, k->hb.last_scan_ms, today, when));
        else
            reporthtml_escape(f, _("none since the kiosk started"));
        fputs("</dd>", f);
        dt(f, _("Printer"));
        fputs("<dd class=\"printer\">", f);
        reporthtml_escape(f, printer_words(k->printer_state));
        if (k->printer_reasons[0]) {
            fputs("<br><small>", f);
            reporthtml_escape(f, k->printer_reasons);
            fputs("</small>", f);
        }
        fputs("</dd>", f);
        dt(f, _("Badges waiting to print"));
        fprintf(f, "<dd class=\"n pending\">%lld</dd>", (long long)k->hb.badges_pending);
        dt(f, _("Camera"));
        fputs("<dd class=\"camera\">", f);
        reporthtml_escape(f, camera_words(k->camera));
        fputs("</dd>", f);
        dt(f, _("Correction requests"));
        fprintf(f, "<dd class=\"n corrections\">%lld", (long long)k->hb.corrections);
        if (k->correction_ids[0]) {
            fputs("<br><small class=\"ids\">", f);
            reporthtml_escape(f, k->correction_ids);
            fputs("</small>", f);
        }
        fputs("</dd>", f);
    }
    fputs("</dl></article>", f);
}

/* ---- today ---- */

/* The report's index of day, or -1 when it is not an event day. */
static long day_index(const struct report *r, bk_day day)
{
    for (size_t i = 0; i < report_n_days(r); i++) {
        struct report_day_info d;
        report_day(r, i, &d);
        if (d.day == day)
            return (long)i;
    }
    return -1;
}

static void write_today(FILE *f, const struct report *r, long i, int minute)
{
    struct report_day_info d;
    report_day(r, (size_t)i, &d);
    fputs("<div class=\"cards\"><div class=\"card big\">", f);
    fprintf(f, "<span class=\"n\" id=\"today\" data-path='[\"days\",%ld,\"attendees\"]'>%zu</span>",
            i, d.attendees);
    fputs("<span class=\"label\">", f);
    reporthtml_escape(f, _("checked in today"));
    fputs("</span></div>", f);
    /* The last hour: this quarter and the three before, so the number is
     * the sum of four of the JSON's arrivals_per_quarter_hour. */
    int now_q = minute / 15, from_q = now_q >= 3 ? now_q - 3 : 0;
    size_t hour = 0;
    for (int q = from_q; q <= now_q; q++)
        hour += d.quarters[q];
    char from[8], to[8];
    report_quarter_label(from_q, from);
    report_quarter_label(now_q, to);
    fprintf(f,
            "<div class=\"card\"><span class=\"n\" id=\"last-hour\" data-day=\"%ld\" "
            "data-from=\"%s\" data-to=\"%s\">%zu</span><span class=\"label\">",
            i, from, to, hour);
    char *s = xasprintf(_("arrivals in the last hour (since %s)"), from);
    reporthtml_escape(f, s);
    free(s);
    fputs("</span></div>", f);
    /* The parts held today: attended on any of their days so far. */
    for (size_t k = 0; k < d.n_parts; k++) {
        for (size_t p = 0; p < report_n_parts(r); p++) {
            struct report_part_info pi;
            report_part(r, p, &pi);
            if (pi.ev != d.parts[k])
                continue;
            fprintf(f,
                    "<div class=\"card part\"><span class=\"n\" "
                    "data-path='[\"events\",%zu,\"attendees\"]'>%zu</span><span class=\"label\">",
                    p, pi.attended);
            reporthtml_write_name(f, pi.ev->short_name && pi.ev->short_name[0] ? pi.ev->short_name
                                                                               : pi.ev->code);
            fputs(": ", f);
            reporthtml_escape(f, _("attended so far; registered:"));
            fprintf(f,
                    " <span class=\"registered\" data-path='[\"events\",%zu,\"registered\"]'>"
                    "%zu</span></span></div>",
                    p, pi.registered);
        }
    }
    fputs("</div>", f);
}

struct dashpage_cache {
    struct report *r; /* NULL until computed */
    size_t scans, attendees;
    int64_t at_ms; /* monotonic */
};

struct dashpage_cache *dashpage_cache_new(void)
{
    return xcalloc(1, sizeof(struct dashpage_cache));
}

void dashpage_cache_free(struct dashpage_cache *c)
{
    if (!c)
        return;
    report_free(c->r);
    free(c);
}

/* The report to draw from: the cache's while the store's counts stand
 * still and it is young, else a new one (kept in the cache, or handed to
 * the caller in *own to free when there is no cache). */
static enum bk_status report_for(struct store *s, const struct config *cfg,
                                 struct dashpage_cache *cache, struct report **r,
                                 struct report **own, struct bk_err *err)
{
    *own = NULL;
    if (!cache) {
        enum bk_status st = report_new(s, cfg, own, err);
        *r = *own;
        return st;
    }
    size_t scans = 0, attendees = 0;
    enum bk_status st = store_count_scans(s, &scans, err);
    if (st == BK_OK)
        st = store_count_attendees(s, &attendees, err);
    if (st != BK_OK)
        return st;
    int64_t now = clock_mono_ms();
    if (!cache->r || scans != cache->scans || attendees != cache->attendees ||
        now - cache->at_ms > DASHPAGE_REPORT_MAX_AGE_MS) {
        struct report *fresh;
        st = report_new(s, cfg, &fresh, err);
        if (st != BK_OK)
            return st;
        report_free(cache->r);
        cache->r = fresh;
        cache->scans = scans;
        cache->attendees = attendees;
        cache->at_ms = now;
    }
    *r = cache->r;
    return BK_OK;
}

enum bk_status dashpage_write_live(FILE *f, struct store *s, const struct config *cfg,
                                   int64_t now_ms, struct dashpage_cache *cache, struct bk_err *err)
{
    struct report *r, *own;
    enum bk_status st = report_for(s, cfg, cache, &r, &own, err);
    if (st != BK_OK)
        return st;
    struct cards cards = {0};
    st = store_foreach_heartbeat(s, take_beat, &cards, err);
    if (st != BK_OK) {
        cards_free(&cards);
        report_free(own);
        return st;
    }
    int minute = 0;
    bk_day today = tz_local_minute(cfg->tz, now_ms, &minute);
    long i = day_index(r, today);
    char when[48], date[16];
    fputs("<p class=\"meta\" id=\"as-of\">", f);
    char *m = xasprintf(_("As of %s (%s). The page updates itself every few seconds."),
                        tz_format_instant(cfg->tz, now_ms, when), cfg->timezone_name);
    reporthtml_escape(f, m);
    free(m);
    fputs("</p><section class=\"today\"><h2>", f);
    m = xasprintf(_("Today, %s"), tz_day_format(today, date));
    reporthtml_escape(f, m);
    free(m);
    fputs("</h2>", f);
    if (i >= 0) {
        write_today(f, r, i, minute);
        /* Today's chart: the report's own, over the hours with arrivals
         * today (08:00 to 18:00 until the first). */
        int first, end;
        reporthtml_chart_span(r, &first, &end);
        fputs("<figure class=\"chart\">", f);
        reporthtml_write_arrivals(f, r, (size_t)i, first, end);
        fputs("</figure>", f);
        /* The kiosks that counted someone today, with their counts. */
        size_t n = 0;
        struct report_row *rows = report_day_rows_new(r, (size_t)i, REPORT_BY_KIOSK, &n);
        for (size_t k = 0; k < n; k++) {
            struct kiosk_card *c = card_for(&cards, rows[k].name);
            c->checked_in = rows[k].count;
            c->counted = true;
        }
        free(rows);
    } else {
        fputs("<p class=\"no-event\">", f);
        reporthtml_escape(f, _("No part of the event is held today."));
        fputs("</p>", f);
    }
    fputs("</section><section class=\"kiosks\"><h2>", f);
    reporthtml_escape(f, _("Kiosks and desks"));
    fputs("</h2>", f);
    if (!cards.n) {
        fputs("<p>", f);
        reporthtml_escape(f, _("No kiosk has reported yet."));
        fputs("</p>", f);
    }
    qsort(cards.v, cards.n, sizeof cards.v[0], by_name);
    fputs("<div class=\"kiosk-cards\">", f);
    for (size_t k = 0; k < cards.n; k++)
        write_card(f, cfg, &cards.v[k], i, today);
    fputs("</div></section>", f);
    cards_free(&cards);
    report_free(own);
    return BK_OK;
}

const char dashpage_css[] =
    "body{font-family:'Noto Sans','DejaVu Sans',sans-serif;color:#222;margin:0 auto;"
    "max-width:72em;padding:.5em 1em;line-height:1.4}"
    "h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;border-bottom:1px solid #ccc}"
    "h3{font-size:1.05em;margin:0 0 .2em 0}.venue{margin:0}.meta{color:#555;font-size:.9em}"
    ".cards{display:flex;flex-wrap:wrap;gap:.6em}"
    ".card{border:1px solid #ccc;border-radius:6px;padding:.5em .9em;min-width:9em;flex:1 1 9em}"
    ".card .n{display:block;font-size:2em;font-weight:bold;font-variant-numeric:tabular-nums}"
    ".card.big .n{font-size:3em}.card .registered{font-weight:normal}"
    "svg.chart{max-width:100%;height:auto;display:block;margin:.6em 0}"
    "svg.arrivals{width:100%;max-width:50rem}"
    "figure{margin:0}"
    ".kiosk-cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(16em,1fr));gap:.6em;"
    "align-items:start}"
    ".kiosk{border:1px solid #ccc;border-inline-start:6px solid #2a8a3e;border-radius:6px;"
    "padding:.5em .8em}"
    ".kiosk.offline{border-inline-start-color:#c0392b;background:#fdf0ef}"
    ".kiosk.silent{border-inline-start-color:#999}"
    ".kiosk .state{font-weight:bold;margin:0 0 .3em 0}"
    "dl{display:grid;grid-template-columns:auto 1fr;gap:.1em .8em;margin:0}dt{color:#555}"
    "dd{margin:0}dd.n{font-variant-numeric:tabular-nums}"
    "#stale{background:#fff3cd;border:1px solid #e0c060;padding:.3em .6em}"
    "footer{margin-top:1.5em;color:#555;font-size:.85em}"
    "@media (max-width:40em){body{padding:.3em .6em}.card{min-width:7em}"
    ".card.big .n{font-size:2.4em}h1{font-size:1.25em}}";

/* Fetches the live part again every DASHPAGE_POLL_MS; a failure shows the
 * note (#stale) and is tried again. No eval, no inline script: the page's
 * policy allows only this file. */
const char dashpage_js[] =
    "'use strict';\n"
    "(function () {\n"
    "  var live = document.getElementById('live');\n"
    "  var stale = document.getElementById('stale');\n"
    "  var every = Number(live.getAttribute('data-poll-ms')) || 2000;\n"
    "  function poll() {\n"
    "    fetch('/live', {credentials: 'same-origin', cache: 'no-store'})\n"
    "      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.text(); })\n"
    "      .then(function (t) { live.innerHTML = t; stale.hidden = true; })\n"
    "      .catch(function () { stale.hidden = false; })\n"
    "      .then(function () { setTimeout(poll, every); });\n"
    "  }\n"
    "  setTimeout(poll, every);\n"
    "})();\n";

void dashpage_write_page(FILE *f, const struct config *cfg, const char *live)
{
    char lang[16];
    fprintf(f,
            "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"referrer\" content=\"no-referrer\"><title>",
            i18n_language_tag(lang, sizeof lang));
    reporthtml_escape(f, cfg->title);
    fputs(" &ndash; ", f);
    reporthtml_escape(f, _("live dashboard"));
    fputs("</title><link rel=\"stylesheet\" href=\"/dashboard.css\">"
          "<script src=\"/dashboard.js\" defer></script></head>\n<body><header>",
          f);
    reporthtml_write_heading(f, cfg);
    fputs("</header><p id=\"stale\" hidden>", f);
    reporthtml_escape(
        f, _("The dashboard cannot reach its server just now: the numbers below may be old."));
    fprintf(f, "</p>\n<main id=\"live\" data-poll-ms=\"%d\">", DASHPAGE_POLL_MS);
    fputs(live, f);
    fputs("</main>\n<footer><p>", f);
    reporthtml_escape(
        f, _("Counts only: this page names no attendee. The same numbers as badgectl report."));
    fputs("</p></footer></body></html>\n", f);
}
