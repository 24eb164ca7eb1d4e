/* reporthtml: the report as a self-contained HTML page and SVG charts; see
 * reporthtml.h. */
#include "core/reporthtml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/i18n.h"
#include "util/outfile.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* ---- text ---------------------------------------------------------------- */

static bool is_bidi_control(uint32_t cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

void reporthtml_escape(FILE *f, const char *s)
{
    size_t len = s ? strlen(s) : 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (cp == UTF8_INVALID || cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || is_bidi_control(cp)) {
            fputs("\xEF\xBF\xBD", f); /* U+FFFD */
        } else if (cp == '&') {
            fputs("&amp;", f);
        } else if (cp == '<') {
            fputs("&lt;", f);
        } else if (cp == '>') {
            fputs("&gt;", f);
        } else if (cp == '"') {
            fputs("&quot;", f);
        } else if (cp == '\'') {
            fputs("&#39;", f);
        } else {
            fwrite(s + i, 1, n, f);
        }
        i += n;
    }
}

void reporthtml_write_name(FILE *f, const char *s)
{
    fputs("<bdi>", f);
    reporthtml_escape(f, s);
    fputs("</bdi>", f);
}

void reporthtml_write_heading(FILE *f, const struct config *cfg)
{
    fputs("<h1>", f);
    reporthtml_write_name(f, cfg->title);
    fputs("</h1>", f);
    if (cfg->venue && cfg->venue[0]) {
        fputs("<p class=\"venue\">", f);
        reporthtml_write_name(f, cfg->venue);
        fputs("</p>", f);
    }
}

/* s cut to at most max characters, with "…" when cut; newly allocated. */
static char *cut_chars_new(const char *s, size_t max)
{
    size_t len = strlen(s), i = 0, chars = 0;
    while (i < len && chars < max) {
        i += utf8_decode(s + i, len - i, NULL);
        chars++;
    }
    if (i >= len)
        return xstrdup(s);
    return xasprintf("%.*s\xE2\x80\xA6", (int)i, s);
}

/* ---- where a number is in report --json ------------------------------- */

/* A place in the JSON: keys and array indexes. */
struct jpath {
    int n;
    struct {
        const char *key; /* NULL: an index */
        long index;
    } seg[5];
};

#define JK(s)                                                                                      \
    {                                                                                              \
        (s), -1                                                                                    \
    }
#define JI(i)                                                                                      \
    {                                                                                              \
        NULL, (long)(i)                                                                            \
    }

static struct jpath jpath_add(struct jpath p, const char *key)
{
    if (p.n < 5)
        p.seg[p.n++].key = key;
    return p;
}

/* A JSON string in pure ASCII, every character outside printable ASCII and
 * the HTML specials as \uXXXX: it reads back to the JSON's own key, and
 * needs no HTML escaping inside a single-quoted attribute. */
static void write_json_ascii(FILE *f, const char *s)
{
    size_t len = strlen(s);
    fputc('"', f);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        if (cp == UTF8_INVALID)
            cp = 0xFFFD;
        if (cp >= 0x20 && cp < 0x7F && !strchr("\"\\<>&'", (int)cp))
            fputc((int)cp, f);
        else if (cp < 0x10000)
            fprintf(f, "\\u%04x", (unsigned)cp);
        else
            fprintf(f, "\\u%04x\\u%04x", (unsigned)(0xD800 + ((cp - 0x10000) >> 10)),
                    (unsigned)(0xDC00 + ((cp - 0x10000) & 0x3FF)));
    }
    fputc('"', f);
}

static void write_jpath(FILE *f, const char *attr, struct jpath p)
{
    fprintf(f, " %s='[", attr);
    for (int i = 0; i < p.n; i++) {
        if (i)
            fputc(',', f);
        if (p.seg[i].key)
            write_json_ascii(f, p.seg[i].key);
        else
            fprintf(f, "%ld", p.seg[i].index);
    }
    fputs("]'", f);
}

/* A count in the page: the number, marked with its place in the JSON. */
static void write_count(FILE *f, const char *tag, const char *cls, size_t n, struct jpath p)
{
    fprintf(f, "<%s class=\"n%s%s\"", tag, cls ? " " : "", cls ? cls : "");
    write_jpath(f, "data-path", p);
    fprintf(f, ">%zu</%s>", n, tag);
}

/* ---- charts --------------------------------------------------------------- */

#define BAR_COLOR "#2f6db5"
#define INK "#222"
#define FAINT "#bbb"
#define FONT "font-family=\"'Noto Sans', 'DejaVu Sans', sans-serif\""

static void svg_open(FILE *f, const char *cls, int w, int h, const char *title)
{
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"%s\" viewBox=\"0 0 %d %d\" "
            "width=\"%d\" height=\"%d\" role=\"img\" " FONT " font-size=\"11\" fill=\"" INK "\">",
            cls, w, h, w, h);
    fputs("<title>", f);
    reporthtml_escape(f, title);
    fputs("</title><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>", f);
}

void reporthtml_chart_span(const struct report *r, int *first, int *end)
{
    int lo = REPORT_QUARTERS, hi = -1;
    for (size_t i = 0; i < report_n_days(r); i++) {
        struct report_day_info d;
        report_day(r, i, &d);
        for (int q = 0; q < REPORT_QUARTERS; q++) {
            if (!d.quarters[q])
                continue;
            if (q < lo)
                lo = q;
            if (q > hi)
                hi = q;
        }
    }
    if (hi < 0) {
        *first = 8 * 4;
        *end = 18 * 4;
        return;
    }
    *first = lo / 4 * 4;
    *end = (hi / 4 + 1) * 4;
}

/* A round step for the value axis: 1, 2 or 5 times a power of ten, about
 * max / 4. */
static size_t axis_step(size_t max)
{
    size_t step = 1;
    for (;;) {
        if (step * 4 >= max)
            return step;
        if (step * 2 * 4 >= max)
            return step * 2;
        if (step * 5 * 4 >= max)
            return step * 5;
        step *= 10;
    }
}

void reporthtml_write_arrivals(FILE *f, const struct report *r, size_t i, int first, int end)
{
    struct report_day_info d;
    report_day(r, i, &d);
    char date[11], label[6];
    tz_day_format(d.day, date);
    size_t max = 0;
    for (int q = first; q < end; q++)
        if (d.quarters[q] > max)
            max = d.quarters[q];
    size_t step = axis_step(max ? max : 1);
    size_t top = (max + step - 1) / step * step;
    if (!top)
        top = step;
    /* About 640 units of columns whatever the span, each at least 6 wide. */
    const int left = 40, bar = 640 / (end - first) > 6 ? 640 / (end - first) : 6;
    const int plot_h = 150, base = 170;
    int w = left + (end - first) * bar + 20, h = 200;
    char *title = xasprintf(_("Arrivals per 15 minutes, %s"), date);
    svg_open(f, "chart arrivals", w, h, title);
    free(title);
    for (size_t v = 0; v <= top; v += step) {
        int y = base - (int)((double)v / (double)top * plot_h);
        fprintf(f,
                "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"" FAINT
                "\" stroke-width=\"0.5\"/><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%zu</text>",
                left, w - 20, y, y, left - 4, y + 4, v);
    }
    int every = end - first > 48 ? 8 : 4; /* a label each hour, or two */
    for (int q = first; q < end; q++) {
        int x = left + (q - first) * bar;
        size_t c = d.quarters[q];
        int bh = (int)((double)c / (double)top * plot_h + 0.5);
        report_quarter_label(q, label);
        fprintf(f,
                "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"" BAR_COLOR
                "\"",
                x + 1, base - bh, bar - 2, bh);
        write_jpath(
            f, "data-path",
            (struct jpath){4, {JK("days"), JI(i), JK("arrivals_per_quarter_hour"), JK(label)}});
        fprintf(f, " data-count=\"%zu\"><title>%s %zu</title></rect>", c, label, c);
        if ((q - first) % every == 0)
            fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>", x, base + 16,
                    label);
    }
    fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"" INK "\"/></svg>", left,
            w - 20, base, base);
}

/* A breakdown as horizontal bars: the top limit rows, then "other". */
static void svg_rows(FILE *f, const char *title, const struct report_row *rows, size_t n,
                     size_t limit, struct jpath base)
{
    size_t other = 0, shown = report_top(rows, n, limit, &other);
    size_t lines = shown + (shown < n) + (n == 0);
    size_t max = other;
    for (size_t k = 0; k < shown; k++)
        if (rows[k].count > max)
            max = rows[k].count;
    const int label_w = 250, bar_w = 300, row_h = 20;
    int w = label_w + bar_w + 60, h = (int)lines * row_h + 30;
    svg_open(f, "chart", w, h, title);
    fprintf(f, "<text x=\"0\" y=\"14\" font-weight=\"bold\">");
    reporthtml_escape(f, title);
    fputs("</text>", f);
    if (n == 0)
        fprintf(f, "<text x=\"0\" y=\"40\">%s</text>", _("nobody yet"));
    for (size_t k = 0; k < shown + (shown < n); k++) {
        bool is_other = k == shown;
        size_t c = is_other ? other : rows[k].count;
        int y = 24 + (int)k * row_h;
        int bw = max ? (int)((double)c / (double)max * bar_w + 0.5) : 0;
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 6, y + 13);
        if (is_other) {
            char *more =
                xasprintf(P_("other (%zu more)", "other (%zu more)", n - shown), n - shown);
            reporthtml_escape(f, more);
            free(more);
        } else {
            char *cut = cut_chars_new(rows[k].name, 38);
            fputs("<title>", f);
            reporthtml_escape(f, rows[k].name);
            fputs("</title>", f);
            reporthtml_escape(f, cut);
            free(cut);
        }
        fprintf(f,
                "</text><rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                "fill=\"%s\"/>",
                label_w, y + 2, bw, row_h - 5, is_other ? "#8aa9cf" : BAR_COLOR);
        fprintf(f, "<text class=\"n\" x=\"%d\" y=\"%d\"", label_w + bw + 4, y + 13);
        if (is_other) {
            write_jpath(f, "data-other", base);
            fprintf(f, " data-top=\"%zu\"", shown);
        } else {
            write_jpath(f, "data-path", jpath_add(base, rows[k].name));
        }
        fprintf(f, ">%zu</text>", c);
    }
    fputs("</svg>", f);
}

static const struct {
    enum report_group group;
    const char *key;   /* in report --json */
    const char *file;  /* in the SVG folder */
    const char *title; /* N_() */
} part_charts[] = {
    {REPORT_BY_CATEGORY, "by_category", "category", N_("Attendees by category")},
    {REPORT_BY_COUNTRY, "by_country", "country", N_("Attendees by country")},
    {REPORT_BY_ORGANIZATION, "by_organization", "organisation", N_("Attendees by organisation")},
};

static size_t chart_limit(const struct reporthtml_options *o, enum report_group g)
{
    if (g == REPORT_BY_COUNTRY)
        return o->top_countries ? o->top_countries : 15;
    if (g == REPORT_BY_ORGANIZATION)
        return o->top_organizations ? o->top_organizations : 10;
    return 40;
}

static void svg_part_chart(FILE *f, const struct report *r, const struct reporthtml_options *o,
                           size_t i, size_t c)
{
    size_t n;
    struct report_row *rows = report_part_rows_new(r, i, part_charts[c].group, &n);
    svg_rows(f, _(part_charts[c].title), rows, n, chart_limit(o, part_charts[c].group),
             (struct jpath){3, {JK("events"), JI(i), JK(part_charts[c].key)}});
    free(rows);
}

/* ---- the page ------------------------------------------------------------- */

static const char page_style[] =
    "body{font-family:'Noto Sans','DejaVu Sans',sans-serif;color:#222;margin:2em auto;"
    "max-width:60em;padding:0 1em;line-height:1.4}"
    "h1{font-size:1.6em;margin:0}h2{font-size:1.25em;border-bottom:1px solid #ccc;"
    "margin-top:1.6em}h3{font-size:1.05em}"
    ".venue{font-size:1.1em;margin:.2em 0}.meta{color:#555}"
    ".cards{display:flex;flex-wrap:wrap;gap:.6em}"
    ".card{border:1px solid #ccc;border-radius:4px;padding:.4em .8em;min-width:8em}"
    ".card .n{display:block;font-size:1.6em;font-weight:bold}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border-bottom:1px solid #ddd;padding:.2em .6em;text-align:start;vertical-align:top}"
    "td.n,th.n{text-align:end;font-variant-numeric:tabular-nums}td.date{white-space:nowrap}"
    "svg.chart{max-width:100%;height:auto;display:block;margin:.4em 0}"
    "svg.arrivals{width:100%}"
    "figure{margin:0 0 1em 0}footer{margin-top:2em;color:#555;font-size:.9em}"
    "@page{size:A4;margin:14mm 12mm}"
    "@media print{body{margin:0;max-width:none;font-size:10pt}"
    "section.day,section.part{break-before:page}section.empty{break-before:auto}"
    "figure,table,tr,.cards{break-inside:avoid}h2,h3{break-after:avoid}}";

static void write_parts_names(FILE *f, const struct report_day_info *d)
{
    for (size_t k = 0; k < d->n_parts; k++) {
        if (k)
            fputs(", ", f);
        reporthtml_write_name(f, d->parts[k]->short_name);
    }
}

static void write_card(FILE *f, size_t n, const char *label, struct jpath p)
{
    fputs("<div class=\"card\">", f);
    write_count(f, "span", NULL, n, p);
    fputs("<span>", f);
    reporthtml_escape(f, label);
    fputs("</span></div>", f);
}

static void write_th(FILE *f, const char *label, bool number)
{
    fputs(number ? "<th class=\"n\">" : "<th>", f);
    reporthtml_escape(f, label);
    fputs("</th>", f);
}

/* A day's breakdown (kiosks, reprint reasons) as a two-column table. */
static void write_day_table(FILE *f, const struct report *r, size_t i, enum report_group g,
                            const char *head, const char *key)
{
    size_t n;
    struct report_row *rows = report_day_rows_new(r, i, g, &n);
    if (n) {
        fputs("<table><thead><tr>", f);
        write_th(f, head, false);
        write_th(f, _("count"), true);
        fputs("</tr></thead><tbody>", f);
        for (size_t k = 0; k < n; k++) {
            fputs("<tr><td>", f);
            reporthtml_write_name(f, rows[k].name);
            fputs("</td>", f);
            write_count(f, "td", NULL, rows[k].count,
                        (struct jpath){4, {JK("days"), JI(i), JK(key), JK(rows[k].name)}});
            fputs("</tr>", f);
        }
        fputs("</tbody></table>", f);
    }
    free(rows);
}

static void write_summary(FILE *f, const struct report *r)
{
    struct report_totals t;
    report_totals(r, &t);
    fprintf(f, "<section id=\"totals\"><h2>%s</h2><div class=\"cards\">", _("In short"));
    write_card(f, t.registered, _("registered"),
               (struct jpath){2, {JK("totals"), JK("registered")}});
    write_card(f, t.attended_any_day, _("attended at least one day"),
               (struct jpath){2, {JK("totals"), JK("attended_any_day")}});
    write_card(f, t.withdrawn, _("withdrawn"), (struct jpath){2, {JK("totals"), JK("withdrawn")}});
    write_card(f, t.badges_pending, _("badges waiting to be printed"),
               (struct jpath){2, {JK("totals"), JK("badges_pending")}});
    write_card(f, t.duplicates, _("admitted twice while apart from the shared store"),
               (struct jpath){1, {JK("duplicates")}});
    write_card(f, t.conflicts, _("events set aside by the shared store"),
               (struct jpath){1, {JK("conflicts")}});
    fputs("</div></section>", f);
}

static void write_days_table(FILE *f, const struct report *r)
{
    fprintf(f, "<section id=\"days\"><h2>%s</h2><table><thead><tr>", _("Attendance per day"));
    write_th(f, _("day"), false);
    write_th(f, _("parts of the event"), false);
    write_th(f, _("attendees"), true);
    write_th(f, _("badges printed"), true);
    write_th(f, _("badges reprinted"), true);
    fputs("</tr></thead><tbody>", f);
    for (size_t i = 0; i < report_n_days(r); i++) {
        struct report_day_info d;
        report_day(r, i, &d);
        char date[11];
        fprintf(f, "<tr><td>%s</td><td>", tz_day_format(d.day, date));
        write_parts_names(f, &d);
        fputs("</td>", f);
        write_count(f, "td", NULL, d.attendees,
                    (struct jpath){3, {JK("days"), JI(i), JK("attendees")}});
        write_count(f, "td", NULL, d.badges_printed,
                    (struct jpath){3, {JK("days"), JI(i), JK("badges_printed")}});
        write_count(f, "td", NULL, d.badges_reprinted,
                    (struct jpath){3, {JK("days"), JI(i), JK("badges_reprinted")}});
        fputs("</tr>", f);
    }
    fputs("</tbody></table>", f);

    fprintf(f, "<h3>%s</h3><table><thead><tr>", _("Per part of the event"));
    write_th(f, _("part"), false);
    write_th(f, _("days"), false);
    write_th(f, _("registered"), true);
    write_th(f, _("attended at least one day"), true);
    fputs("</tr></thead><tbody>", f);
    for (size_t i = 0; i < report_n_parts(r); i++) {
        struct report_part_info p;
        report_part(r, i, &p);
        char a[11], b[11];
        fputs("<tr><td>", f);
        reporthtml_write_name(f, p.ev->name);
        fprintf(f, "</td><td class=\"date\">%s &ndash; %s</td>", tz_day_format(p.ev->first_day, a),
                tz_day_format(p.ev->last_day, b));
        write_count(f, "td", NULL, p.registered,
                    (struct jpath){3, {JK("events"), JI(i), JK("registered")}});
        write_count(f, "td", NULL, p.attended,
                    (struct jpath){3, {JK("events"), JI(i), JK("attendees")}});
        fputs("</tr>", f);
    }
    fputs("</tbody></table></section>", f);
}

static void write_day(FILE *f, const struct report *r, size_t i, int first, int end)
{
    struct report_day_info d;
    report_day(r, i, &d);
    char date[11];
    fprintf(f, "<section class=\"day%s\" id=\"day-%s\"><h2>%s (", d.attendees ? "" : " empty",
            tz_day_format(d.day, date), date);
    write_parts_names(f, &d);
    fputs(")</h2><p>", f);
    char *said = xasprintf(P_("%zu attendee", "%zu attendees", d.attendees), d.attendees);
    reporthtml_escape(f, said);
    free(said);
    fputs("</p>", f);
    if (d.attendees) {
        fputs("<figure>", f);
        reporthtml_write_arrivals(f, r, i, first, end);
        fputs("</figure>", f);
        fprintf(f, "<h3>%s</h3>", _("Check-ins by kiosk"));
        write_day_table(f, r, i, REPORT_BY_KIOSK, _("kiosk"), "by_kiosk");
    }
    if (d.badges_reprinted) {
        fprintf(f, "<h3>%s</h3>", _("Badges reprinted, by reason"));
        write_day_table(f, r, i, REPORT_BY_REPRINT_REASON, _("reason"), "reprint_reasons");
    }
    fputs("</section>", f);
}

static void write_part(FILE *f, const struct report *r, const struct reporthtml_options *o,
                       size_t i)
{
    struct report_part_info p;
    report_part(r, i, &p);
    fprintf(f, "<section class=\"part%s\"><h2>", p.attended ? "" : " empty");
    reporthtml_write_name(f, p.ev->name);
    fputs("</h2>", f);
    for (size_t c = 0; c < sizeof part_charts / sizeof part_charts[0]; c++) {
        fputs("<figure>", f);
        svg_part_chart(f, r, o, i, c);
        fputs("</figure>", f);
    }
    fputs("</section>", f);
}

/* A table of people: its head (registration ID, name, day, then last), and
 * a row's first three cells. */
static void write_people_head(FILE *f, const char *last)
{
    fputs("<table><thead><tr>", f);
    write_th(f, _("registration ID"), false);
    write_th(f, _("name"), false);
    write_th(f, _("day"), false);
    write_th(f, last, false);
    fputs("</tr></thead><tbody>", f);
}

static void write_person_cells(FILE *f, const char *id, const char *name, bk_day day)
{
    char date[11];
    fputs("<tr><td>", f);
    reporthtml_escape(f, id);
    fputs("</td><td>", f);
    reporthtml_write_name(f, name ? name : "-");
    fprintf(f, "</td><td>%s</td><td>", tz_day_format(day, date));
}

/* With names: who was admitted twice, and whose badge was reprinted why. */
static void write_people(FILE *f, const struct report *r)
{
    const struct config *cfg = report_config(r);
    struct report_totals t;
    report_totals(r, &t);
    char buf[32];
    fprintf(f, "<section id=\"people\"><h2>%s</h2>", _("People (personal data)"));
    fprintf(f, "<h3>%s</h3>", _("Admitted twice while apart from the shared store"));
    if (t.duplicates) {
        write_people_head(f, _("kiosks and times"));
        for (size_t k = 0; k < t.duplicates; k++) {
            struct report_duplicate d;
            report_duplicate(r, k, &d);
            write_person_cells(f, d.attendee, d.name, d.day);
            for (size_t s = 0; s < d.n; s++) {
                if (s)
                    fputs("<br>", f);
                reporthtml_write_name(f, d.scans[s].kiosk);
                fprintf(f, " %s", tz_format_instant(cfg->tz, d.scans[s].at_ms, buf));
            }
            fputs("</td></tr>", f);
        }
        fputs("</tbody></table>", f);
    } else {
        fprintf(f, "<p>%s</p>", _("nobody"));
    }
    fprintf(f, "<h3>%s</h3>", _("Badges reprinted"));
    if (t.reprints) {
        write_people_head(f, _("reason"));
        for (size_t k = 0; k < t.reprints; k++) {
            const struct report_reprint *p = report_reprint(r, k);
            write_person_cells(f, p->attendee, p->name, p->day);
            reporthtml_write_name(f, p->reason);
            fputs("</td></tr>", f);
        }
        fputs("</tbody></table>", f);
    } else {
        fprintf(f, "<p>%s</p>", _("none"));
    }
    fputs("</section>", f);
}

void reporthtml_write(const struct report *r, const struct reporthtml_options *o, FILE *f)
{
    const struct config *cfg = report_config(r);
    struct report_totals t;
    report_totals(r, &t);
    char lang[16];
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">", i18n_language_tag(lang, sizeof lang));
    fputs("<head><meta charset=\"utf-8\">"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
          "<meta name=\"generator\" content=\"badgectl report --html\"><title>",
          f);
    reporthtml_escape(f, cfg->title);
    fputs(" &ndash; ", f);
    reporthtml_escape(f, _("attendance report"));
    fprintf(f, "</title><style>%s</style></head>\n<body><header>", page_style);
    reporthtml_write_heading(f, cfg);
    char when[32];
    fputs("<p class=\"meta\">", f);
    char *meta = xasprintf(_("Attendance report as of %s; times are in %s."),
                           tz_format_instant(cfg->tz, o->now_ms, when), cfg->timezone_name);
    reporthtml_escape(f, meta);
    free(meta);
    fputs("</p></header>\n", f);
    write_summary(f, r);
    write_days_table(f, r);
    if (t.badges_printed_outside_event_days) {
        fputs("<p>", f);
        char *s = xasprintf(_("Badges printed outside the event's days (ahead of it, say): %zu"),
                            t.badges_printed_outside_event_days);
        reporthtml_escape(f, s);
        free(s);
        fputs("</p>", f);
    }
    int first, end;
    reporthtml_chart_span(r, &first, &end);
    for (size_t i = 0; i < report_n_days(r); i++)
        write_day(f, r, i, first, end);
    for (size_t i = 0; i < report_n_parts(r); i++)
        write_part(f, r, o, i);
    if (o->with_names)
        write_people(f, r);
    fprintf(f, "\n<footer><p>%s</p></footer></body></html>\n",
            o->with_names ? _("This report names people: it holds personal data. Share it only "
                              "with the organisers.")
                          : _("This report holds counts only, no names."));
}

/* ---- files ---------------------------------------------------------------- */

enum bk_status reporthtml_write_file(const struct report *r, const struct reporthtml_options *o,
                                     const char *path, struct bk_err *err)
{
    struct outfile *out;
    enum bk_status st = outfile_open(path, &out, err);
    if (st != BK_OK)
        return st;
    reporthtml_write(r, o, outfile_stream(out));
    return outfile_commit(out, err);
}

/* name with every character but [A-Za-z0-9_-] as '_', newly allocated. */
static char *file_safe_new(const char *name)
{
    char *s = xstrdup(name);
    for (char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            *p = '_';
    return s;
}

static enum bk_status svg_file(const char *dir, const char *name, FILE **f, struct outfile **out,
                               struct bk_err *err)
{
    char *path = xasprintf("%s/%s", dir, name);
    enum bk_status st = outfile_open(path, out, err);
    free(path);
    if (st != BK_OK)
        return st;
    *f = outfile_stream(*out);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", *f);
    return BK_OK;
}

enum bk_status reporthtml_write_svg_dir(const struct report *r, const struct reporthtml_options *o,
                                        const char *dir, size_t *files, struct bk_err *err)
{
    *files = 0;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return bk_err_set(err, errno == ENOENT ? BK_ERR_NOT_FOUND : BK_ERR_IO, dir, 0, NULL,
                          _("cannot make the folder: %s"), i18n_strerror(errno));
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return bk_err_set(err, BK_ERR_INVALID, dir, 0, NULL, _("not a folder"));
    int first, end;
    reporthtml_chart_span(r, &first, &end);
    enum bk_status st = BK_OK;
    FILE *f;
    struct outfile *out;
    for (size_t i = 0; st == BK_OK && i < report_n_days(r); i++) {
        struct report_day_info d;
        report_day(r, i, &d);
        if (!d.attendees)
            continue; /* as on the page: no chart of nobody */
        char date[11], *name = xasprintf("arrivals-%s.svg", tz_day_format(d.day, date));
        st = svg_file(dir, name, &f, &out, err);
        free(name);
        if (st != BK_OK)
            break;
        reporthtml_write_arrivals(f, r, i, first, end);
        fputc('\n', f);
        st = outfile_commit(out, err);
        *files += st == BK_OK;
    }
    for (size_t i = 0; st == BK_OK && i < report_n_parts(r); i++) {
        struct report_part_info p;
        report_part(r, i, &p);
        char *code = file_safe_new(p.ev->code);
        for (size_t c = 0; st == BK_OK && c < sizeof part_charts / sizeof part_charts[0]; c++) {
            char *name = xasprintf("%s-%s.svg", code, part_charts[c].file);
            st = svg_file(dir, name, &f, &out, err);
            free(name);
            if (st != BK_OK)
                break;
            svg_part_chart(f, r, o, i, c);
            fputc('\n', f);
            st = outfile_commit(out, err);
            *files += st == BK_OK;
        }
        free(code);
    }
    return st;
}
