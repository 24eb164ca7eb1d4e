/* Unit tests for report: counts per day and per part come from the events,
 * once per person a day, with badges printed and reprinted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/checkin.h"
#include "core/report.h"
#include "util/xalloc.h"
#include "testutil.h"

struct fixture {
    char *dir;
    struct config *cfg;
    struct store *store;
};

static const char ini[] = "[event]\nid = t\ntitle = T\ntimezone = Asia/Shanghai\n"
                          "[part FG-MV]\nfirst_day = 2023-07-04\nlast_day = 2023-07-06\n"
                          "[part Forum]\nfirst_day = 2023-07-07\nlast_day = 2023-07-07\n"
                          "[roster]\nid = Registration ID\nfirst_name = First Name\n";

static struct attendee person(const char *id, const char *category, const char *country,
                              const char *org, const char *events)
{
    struct attendee a = {.id = (char *)id, .title = "", .first_name = (char *)id,
                         .last_name = "", .badge_name = "", .organization = (char *)org,
                         .country = (char *)country, .category = (char *)category,
                         .events = (char *)events, .email = "", .language = "",
                         .status = ATTENDEE_CONFIRMED};
    return a;
}

static int setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof *fx);
    fx->dir = tu_tempdir_new("report");
    char *path = tu_path_new(fx->dir, "e.ini");
    tu_write_text(path, ini);
    assert_int_equal(config_load(path, &fx->cfg, NULL), BK_OK);
    free(path);
    char *db = tu_path_new(fx->dir, "s.db");
    assert_int_equal(store_create(db, &fx->store, NULL), BK_OK);
    free(db);
    struct attendee people[] = {
        person("A", "Chair", "Korea (Republic of)", "ETRI", "FG-MV;Forum"),
        person("B", "Participant", "China", "CAICT", "FG-MV;Forum"),
        person("C", "Participant", "China", "China Mobile", "Forum"),
        person("D", "Speaker", "Sweden", "Ericsson", "FG-MV"),
    };
    struct roster r = {.people = people, .n_people = 4, .n_rows = 4};
    assert_int_equal(store_import(fx->store, &r, NULL, NULL, NULL), BK_OK);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    store_close(fx->store);
    config_free(fx->cfg);
    tu_tempdir_free(fx->dir);
    free(fx);
    return 0;
}

static void manual(struct fixture *fx, const char *id, const char *iso)
{
    struct checkin_context ctx = {fx->cfg, NULL, fx->store, "k"};
    int64_t ms;
    assert_int_equal(tz_parse_instant(fx->cfg->tz, iso, &ms, NULL), BK_OK);
    struct checkin_result res;
    assert_int_equal(checkin_process(&ctx, id, strlen(id), CHECKIN_MANUAL, ms, &res, NULL), BK_OK);
    checkin_result_clear(&res);
}

static char *json_report(struct fixture *fx)
{
    struct report *r;
    assert_int_equal(report_new(fx->store, fx->cfg, &r, NULL), BK_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    report_write_json(r, f);
    fclose(f);
    report_free(r);
    return buf;
}

static void expect(const char *json, const char *fragment)
{
    if (!strstr(json, fragment))
        fail_msg("report lacks %s in %s", fragment, json);
}

static void test_day_counts_each_person_once(void **state)
{
    struct fixture *fx = *state;
    manual(fx, "A", "2023-07-04T08:10");
    manual(fx, "A", "2023-07-04T13:00"); /* again after lunch */
    manual(fx, "B", "2023-07-04T09:20");
    manual(fx, "D", "2023-07-05T10:00");
    manual(fx, "C", "2023-07-05T10:00"); /* forum only: refused on a meeting day */
    manual(fx, "C", "2023-07-07T09:00");
    manual(fx, "A", "2023-07-07T09:05");
    char *j = json_report(fx);
    expect(j, "{\"date\":\"2023-07-04\",\"event\":\"FG-MV\",\"events\":[\"FG-MV\"],"
              "\"attendees\":2,");
    expect(j, "{\"date\":\"2023-07-05\",\"event\":\"FG-MV\",\"events\":[\"FG-MV\"],"
              "\"attendees\":1,");
    expect(j, "{\"date\":\"2023-07-06\",\"event\":\"FG-MV\",\"events\":[\"FG-MV\"],"
              "\"attendees\":0,");
    expect(j, "{\"date\":\"2023-07-07\",\"event\":\"Forum\",\"events\":[\"Forum\"],"
              "\"attendees\":2,");
    expect(j, "\"by_category\":{\"Chair\":1,\"Participant\":1}");
    expect(j, "\"by_country\":{\"China\":1,\"Korea (Republic of)\":1}");
    expect(j, "\"arrivals_per_hour\":{\"08\":1,\"09\":1}");
    /* The meeting as a whole: A, B, D; registered A, B, D. */
    expect(j, "{\"code\":\"FG-MV\",\"name\":\"FG-MV\",\"first_day\":\"2023-07-04\","
              "\"last_day\":\"2023-07-06\",\"registered\":3,\"attendees\":3,");
    expect(j, "\"registered\":4,\"withdrawn\":0,\"attended_any_day\":4");
    free(j);
}

static void test_badges_printed_and_reprinted_per_day(void **state)
{
    struct fixture *fx = *state;
    int64_t day1, day2, id;
    assert_int_equal(tz_parse_instant(fx->cfg->tz, "2023-07-04T08:00", &day1, NULL), BK_OK);
    assert_int_equal(tz_parse_instant(fx->cfg->tz, "2023-07-05T08:00", &day2, NULL), BK_OK);
    assert_int_equal(store_badge_add(fx->store, "A", "AAAAAA", NULL, "k", day1, &id, NULL), BK_OK);
    assert_int_equal(store_badge_update(fx->store, id, STORE_BADGE_ANY, STORE_BADGE_PRINTED, NULL,
                                        0, NULL, day1, NULL),
                     BK_OK);
    assert_int_equal(store_badge_add(fx->store, "B", "BBBBBB", NULL, "k", day1, &id, NULL), BK_OK);
    assert_int_equal(store_badge_update(fx->store, id, STORE_BADGE_ANY, STORE_BADGE_PRINTED, NULL,
                                        0, NULL, day1, NULL),
                     BK_OK);
    assert_int_equal(store_badge_add(fx->store, "A", "CCCCCC", "lost", "k", day2, &id, NULL),
                     BK_OK);
    assert_int_equal(store_badge_update(fx->store, id, STORE_BADGE_ANY, STORE_BADGE_PRINTED, NULL,
                                        0, NULL, day2, NULL),
                     BK_OK);
    assert_int_equal(store_badge_add(fx->store, "D", "DDDDDD", NULL, "k", day2, &id, NULL), BK_OK);
    char *j = json_report(fx);
    expect(j, "\"date\":\"2023-07-04\",\"event\":\"FG-MV\",\"events\":[\"FG-MV\"],\"attendees\":0,"
              "\"badges_printed\":2,\"badges_reprinted\":0");
    expect(j, "\"date\":\"2023-07-05\",\"event\":\"FG-MV\",\"events\":[\"FG-MV\"],\"attendees\":0,"
              "\"badges_printed\":0,\"badges_reprinted\":1");
    expect(j, "\"badges_pending\":1");
    free(j);
}

static void test_text_report_names_days_and_parts(void **state)
{
    struct fixture *fx = *state;
    manual(fx, "B", "2023-07-06T11:00");
    struct report *r;
    assert_int_equal(report_new(fx->store, fx->cfg, &r, NULL), BK_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    report_write_text(r, f);
    fclose(f);
    report_free(r);
    expect(buf, "2023-07-06 (FG-MV): 1 attendees");
    expect(buf, "arrivals per hour: 11:00 1");
    expect(buf, "FG-MV, 2023-07-04 to 2023-07-06: 1 of 3 registered attended");
    free(buf);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_day_counts_each_person_once),
        T(test_badges_printed_and_reprinted_per_day),
        T(test_text_report_names_days_and_parts),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
