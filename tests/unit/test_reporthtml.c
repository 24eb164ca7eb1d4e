/* Unit tests for reporthtml: names escaped, arrivals in the venue's
 * 15-minute bins at the edges of its days, the top entries and "other",
 * names only when asked for, private files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <libintl.h>
#include <locale.h>

#include "core/checkin.h"
#include "core/report.h"
#include "core/reporthtml.h"
#include "util/i18n.h"
#include "util/xalloc.h"
#include "testutil.h"
#include "reportfix.h"

static const char ini[] = "[event]\nid = t\ntitle = Summit <b>&amp;</b> \"Co\"\n"
                          "venue = Hall 'A'\ntimezone = Asia/Shanghai\n"
                          "[part FG-MV]\nfirst_day = 2023-07-04\nlast_day = 2023-07-06\n"
                          "[roster]\nid = Registration ID\nfirst_name = First Name\n";

/* A hostile organisation and name: markup, quotes, a right-to-left
 * override that would show "evil.exe" as "exe.live", a control character. */
#define HOSTILE_ORG "<script>alert('x')</script>\"&"
#define HOSTILE_NAME                                                                               \
    "Mallory\xE2\x80\xAE"                                                                          \
    "exe.live\x01"

static struct attendee person(const char *id, const char *first, const char *org)
{
    struct attendee a = {.id = (char *)id,
                         .title = "",
                         .first_name = (char *)first,
                         .last_name = "",
                         .badge_name = "",
                         .organization = (char *)org,
                         .country = "CN",
                         .category = "Participant",
                         .events = "FG-MV",
                         .email = "",
                         .language = "",
                         .status = ATTENDEE_CONFIRMED};
    return a;
}

static int setup(void **state)
{
    struct attendee people[] = {
        person("A", HOSTILE_NAME, HOSTILE_ORG),
        person("B", "Bozhena", "Org 1"),
        person("C", "Cy", "Org 2"),
        person("D", "Di", "Org 2"),
        person("E", "Ed", "Org 3"),
        person("F", "Fa", "Org 3"),
        person("G", "Gu", "Org 3"),
    };
    *state = rf_open("reporthtml", ini, people, 7);
    return 0;
}

static int teardown(void **state)
{
    rf_close(*state);
    return 0;
}

static void manual(struct report_fixture *fx, const char *id, const char *iso)
{
    assert_int_equal(rf_manual(fx, id, iso), CHECKIN_CHECKED_IN);
}

static char *page(struct report_fixture *fx, bool with_names)
{
    struct report *r;
    assert_int_equal(report_new(fx->store, fx->cfg, &r, NULL), BK_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct reporthtml_options o = {.with_names = with_names};
    reporthtml_write(r, &o, f);
    fclose(f);
    report_free(r);
    return buf;
}

static char *escaped(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    reporthtml_escape(f, s);
    fclose(f);
    return buf;
}

static void expect(const char *text, const char *fragment)
{
    if (!strstr(text, fragment))
        fail_msg("lacks %s", fragment);
}

static void test_escape_neutralises_markup_quotes_and_bidi(void **state)
{
    (void)state;
    char *s = escaped(HOSTILE_ORG);
    assert_string_equal(s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;");
    free(s);
    s = escaped(HOSTILE_NAME);
    assert_string_equal(s, "Mallory\xEF\xBF\xBD"
                           "exe.live\xEF\xBF\xBD");
    free(s);
    /* Not UTF-8, and an isolate: U+FFFD each; Arabic and CJK as they are. */
    s = escaped("\xFF"
                "a\xE2\x81\xA7"
                "b \xD8\xB3\xD9\x84\xD8\xA7\xD9\x85 \xE7\x8E\x8B");
    assert_string_equal(s, "\xEF\xBF\xBD"
                           "a\xEF\xBF\xBD"
                           "b \xD8\xB3\xD9\x84\xD8\xA7\xD9\x85 \xE7\x8E\x8B");
    free(s);
}

static void test_page_holds_no_markup_from_the_data(void **state)
{
    struct report_fixture *fx = *state;
    manual(fx, "A", "2023-07-04T09:00");
    char *html = page(fx, true);
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "\xE2\x80\xAE"));
    expect(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;");
    expect(html, "<h1><bdi>Summit &lt;b&gt;&amp;amp;&lt;/b&gt; &quot;Co&quot;</bdi></h1>");
    expect(html, "<bdi>Hall &#39;A&#39;</bdi>");
    /* Its place in the JSON, as pure ASCII in single quotes. */
    expect(html, "data-path='[\"events\",0,\"by_organization\",\"\\u003cscript\\u003ealert("
                 "\\u0027x\\u0027)\\u003c/script\\u003e\\u0022\\u0026\"]'");
    free(html);
}

static void test_names_only_when_asked(void **state)
{
    struct report_fixture *fx = *state;
    manual(fx, "B", "2023-07-04T09:00");
    int64_t at, id;
    assert_int_equal(tz_parse_instant(fx->cfg->tz, "2023-07-04T10:00", &at, NULL), BK_OK);
    assert_int_equal(store_badge_add(fx->store, "B", "BBBBBB", "lost", "k", at, &id, NULL), BK_OK);
    assert_int_equal(store_badge_update(fx->store, id, STORE_BADGE_ANY, STORE_BADGE_PRINTED, NULL,
                                        0, NULL, at, NULL),
                     BK_OK);
    char *counts = page(fx, false), *names = page(fx, true);
    assert_null(strstr(counts, "Bozhena"));
    expect(counts, "counts only");
    expect(counts, ">lost</bdi>"); /* the reason is a count's label */
    expect(names,
           "<td>B</td><td><bdi>Bozhena</bdi></td><td>2023-07-04</td><td><bdi>lost</bdi></td>");
    free(counts);
    free(names);
}

/* The bin of a first check-in, read back from the page's chart. */
static void expect_bar(const char *html, int day, const char *quarter, size_t count)
{
    char *want = xasprintf("[\"days\",%d,\"arrivals_per_quarter_hour\",\"%s\"]' data-count=\"%zu\"",
                           day, quarter, count);
    if (!strstr(html, want))
        fail_msg("no bar %s", want);
    free(want);
}

static void test_quarters_are_the_venues_at_the_edges_of_its_days(void **state)
{
    struct report_fixture *fx = *state;
    manual(fx, "B", "2023-07-04T23:59:59.999");  /* the day's last quarter */
    manual(fx, "C", "2023-07-05T00:00");         /* the next day's first */
    manual(fx, "D", "2023-07-04T01:14:59.999Z"); /* 09:14:59.999 in Shanghai */
    manual(fx, "E", "2023-07-04T01:15:00Z");     /* 09:15 */
    manual(fx, "F", "2023-07-04T09:29:59");
    char *html = page(fx, false);
    expect_bar(html, 0, "23:45", 1);
    expect_bar(html, 1, "00:00", 1);
    expect_bar(html, 0, "09:00", 1);
    expect_bar(html, 0, "09:15", 2);
    expect_bar(html, 1, "23:45", 0);
    free(html);

    struct report *r;
    assert_int_equal(report_new(fx->store, fx->cfg, &r, NULL), BK_OK);
    int first, end;
    reporthtml_chart_span(r, &first, &end);
    assert_int_equal(first, 0);
    assert_int_equal(end, REPORT_QUARTERS);
    struct report_day_info d;
    report_day(r, 0, &d);
    assert_int_equal(d.quarters[95], 1);
    assert_int_equal(d.quarters[36], 1);
    assert_int_equal(d.quarters[37], 2);
    report_free(r);
}

static void test_chart_spans_whole_hours_around_the_arrivals(void **state)
{
    struct report_fixture *fx = *state;
    struct report *r;
    int first, end;
    assert_int_equal(report_new(fx->store, fx->cfg, &r, NULL), BK_OK);
    reporthtml_chart_span(r, &first, &end);
    assert_int_equal(first, 8 * 4); /* nobody yet: a working day */
    assert_int_equal(end, 18 * 4);
    report_free(r);
    manual(fx, "B", "2023-07-04T07:50");
    manual(fx, "C", "2023-07-06T12:15");
    assert_int_equal(report_new(fx->store, fx->cfg, &r, NULL), BK_OK);
    reporthtml_chart_span(r, &first, &end);
    assert_int_equal(first, 7 * 4);
    assert_int_equal(end, 13 * 4);
    report_free(r);
}

static void test_top_entries_then_other(void **state)
{
    (void)state;
    const struct report_row rows[] = {{"a", 5}, {"b", 4}, {"c", 3}, {"d", 2}, {"e", 1}};
    size_t other;
    assert_int_equal(report_top(rows, 5, 3, &other), 3);
    assert_int_equal(other, 3);
    assert_int_equal(report_top(rows, 5, 5, &other), 5);
    assert_int_equal(other, 0);
    assert_int_equal(report_top(rows, 5, 10, &other), 5);
    assert_int_equal(other, 0);
    assert_int_equal(report_top(rows, 0, 10, &other), 0);
    assert_int_equal(other, 0);
}

static void test_page_shows_top_organisations_and_other(void **state)
{
    struct report_fixture *fx = *state;
    const char *ids[] = {"A", "B", "C", "D", "E", "F", "G"};
    for (size_t i = 0; i < 7; i++)
        manual(fx, ids[i], "2023-07-04T09:00");
    struct report *r;
    assert_int_equal(report_new(fx->store, fx->cfg, &r, NULL), BK_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct reporthtml_options o = {.top_organizations = 2};
    reporthtml_write(r, &o, f);
    fclose(f);
    report_free(r);
    /* Org 3 (3) and Org 2 (2), then the other two organisations (1 each). */
    expect(buf, "\"by_organization\",\"Org 3\"]'>3<");
    expect(buf, "\"by_organization\",\"Org 2\"]'>2<");
    expect(buf, "data-other='[\"events\",0,\"by_organization\"]' data-top=\"2\">2<");
    expect(buf, "other (2 more)");
    free(buf);
}

static void test_svg_charts_are_private_files(void **state)
{
    struct report_fixture *fx = *state;
    manual(fx, "B", "2023-07-04T09:00");
    struct report *r;
    assert_int_equal(report_new(fx->store, fx->cfg, &r, NULL), BK_OK);
    char *dir = tu_path_new(fx->dir, "charts");
    size_t files = 0;
    struct reporthtml_options o = {0};
    assert_int_equal(reporthtml_write_svg_dir(r, &o, dir, &files, NULL), BK_OK);
    assert_int_equal(files, 4); /* one day with arrivals, three for the part */
    struct stat sb;
    assert_int_equal(stat(dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    char *svg = tu_path_new(dir, "arrivals-2023-07-04.svg");
    assert_int_equal(stat(svg, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char *html = tu_path_new(fx->dir, "r.html");
    assert_int_equal(reporthtml_write_file(r, &o, html, NULL), BK_OK);
    assert_int_equal(stat(html, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char *missing = tu_path_new(fx->dir, "no/such/dir");
    struct bk_err err = {0};
    assert_int_equal(reporthtml_write_svg_dir(r, &o, missing, &files, &err), BK_ERR_NOT_FOUND);
    free(missing);
    free(html);
    free(svg);
    free(dir);
    report_free(r);
}

/* The page's labels are the language in use's (build/locale's catalogues). */
static void test_labels_follow_the_language(void **state)
{
    struct report_fixture *fx = *state;
    manual(fx, "B", "2023-07-04T09:00");
    i18n_set_language("fr");
    char *html = page(fx, false);
    i18n_set_language("en");
    expect(html, "<h2>Présence par jour</h2>");
    expect(html, "Arrivées par quart d&#39;heure, 2023-07-04");
    expect(html, "Ce rapport ne contient que des nombres, aucun nom.");
    free(html);
    /* The page says which language it is in, for screen readers and
     * hyphenation: the catalogue's own Language. */
    i18n_set_language("zh_CN");
    html = page(fx, false);
    i18n_set_language("en");
    expect(html, "<html lang=\"zh-CN\">");
    free(html);
    html = page(fx, false);
    expect(html, "<html lang=\"en\">");
    free(html);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_escape_neutralises_markup_quotes_and_bidi),
        T(test_page_holds_no_markup_from_the_data),
        T(test_names_only_when_asked),
        T(test_quarters_are_the_venues_at_the_edges_of_its_days),
        T(test_chart_spans_whole_hours_around_the_arrivals),
        T(test_top_entries_then_other),
        T(test_page_shows_top_organisations_and_other),
        T(test_svg_charts_are_private_files),
        T(test_labels_follow_the_language),
    };
    /* GNU gettext ignores LANGUAGE in the "C" locale. */
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "");
    bindtextdomain(BK_TEXTDOMAIN, "build/locale");
    bind_textdomain_codeset(BK_TEXTDOMAIN, "UTF-8");
    return cmocka_run_group_tests_name("reporthtml", tests, NULL, NULL);
}
