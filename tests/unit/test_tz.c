/* Unit tests for tz: event days and instants in the venue's zone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event/tz.h"

static void test_day_round_trip(void **state)
{
    (void)state;
    static const char *const days[] = {"1970-01-01", "2023-07-04", "2024-02-29", "2000-12-31",
                                       "2099-03-01"};
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        bk_day d;
        char buf[11];
        assert_true(tz_day_parse(days[i], &d));
        assert_string_equal(tz_day_format(d, buf), days[i]);
    }
    bk_day d;
    assert_true(tz_day_parse("1970-01-02", &d));
    assert_int_equal(d, 1);
}

static void test_invalid_days_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"2023-02-29", "2023-07-32", "2023-13-01", "2023-7-4",
                                      "2023-07-04T", "20230704",   "",           "2023-00-10",
                                      "1969-12-31", "2023-07-04 "};
    bk_day d;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(tz_day_parse(bad[i], &d));
}

static struct tz *shanghai(void)
{
    struct tz *tz;
    assert_int_equal(tz_open("Asia/Shanghai", &tz, NULL), BK_OK);
    return tz;
}

static void test_unknown_zone_is_a_config_error(void **state)
{
    (void)state;
    struct tz *tz;
    struct bk_err err = {0};
    assert_int_equal(tz_open("Mars/Olympus", &tz, &err), BK_ERR_CONFIG);
    assert_null(tz);
    assert_non_null(strstr(err.msg, "Mars/Olympus"));
    assert_int_equal(tz_open("../../etc/passwd", &tz, &err), BK_ERR_CONFIG);
}

static void test_local_day_is_the_venues_day(void **state)
{
    (void)state;
    struct tz *tz = shanghai();
    int64_t ms;
    /* 2023-07-03T23:30Z is 07:30 on 4 July in Shanghai (UTC+8). */
    assert_int_equal(tz_parse_instant(tz, "2023-07-03T23:30:00Z", &ms, NULL), BK_OK);
    int hour;
    bk_day d = tz_local_day(tz, ms, &hour);
    char buf[11];
    assert_string_equal(tz_day_format(d, buf), "2023-07-04");
    assert_int_equal(hour, 7);
    tz_free(tz);
}

/* The minute of the venue's day, by its wall clock: the repeated hour of a
 * night the clocks go back gives its minutes twice, each on the right day. */
static void test_local_minute_follows_the_wall_clock(void **state)
{
    (void)state;
    struct tz *tz;
    assert_int_equal(tz_open("America/New_York", &tz, NULL), BK_OK);
    static const struct {
        const char *utc;
        const char *day;
        int minute;
    } cases[] = {
        {"2023-11-05T05:30:00Z", "2023-11-05", 90},  /* 01:30 EDT */
        {"2023-11-05T06:30:00Z", "2023-11-05", 90},  /* 01:30 EST, again */
        {"2023-11-05T04:59:59Z", "2023-11-05", 59},  /* 00:59:59 EDT */
        {"2023-11-06T04:59:59Z", "2023-11-05", 1439}, /* 23:59:59 EST */
        {"2023-11-06T05:00:00Z", "2023-11-06", 0},
        {"2023-03-12T07:00:00Z", "2023-03-12", 180}, /* 03:00 EDT: 02:xx never comes */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t ms;
        int minute = -1;
        char buf[11];
        assert_int_equal(tz_parse_instant(tz, cases[i].utc, &ms, NULL), BK_OK);
        assert_string_equal(tz_day_format(tz_local_minute(tz, ms, &minute), buf), cases[i].day);
        assert_int_equal(minute, cases[i].minute);
    }
    tz_free(tz);
}

static void test_parse_forms_agree(void **state)
{
    (void)state;
    struct tz *tz = shanghai();
    int64_t a, b, c, d;
    assert_int_equal(tz_parse_instant(tz, "2023-07-04T09:30:00", &a, NULL), BK_OK);
    assert_int_equal(tz_parse_instant(tz, "2023-07-04T09:30:00+08:00", &b, NULL), BK_OK);
    assert_int_equal(tz_parse_instant(tz, "2023-07-04T01:30:00Z", &c, NULL), BK_OK);
    assert_int_equal(tz_parse_instant(tz, "2023-07-04T09:30", &d, NULL), BK_OK);
    assert_int_equal(a, b);
    assert_int_equal(a, c);
    assert_int_equal(a, d);
    assert_int_equal(a, 1688434200000LL);
    int64_t frac;
    assert_int_equal(tz_parse_instant(tz, "2023-07-04T09:30:00.250+0800", &frac, NULL), BK_OK);
    assert_int_equal(frac, a + 250);
    tz_free(tz);
}

static void test_local_time_ignores_process_zone(void **state)
{
    (void)state;
    setenv("TZ", "America/New_York", 1);
    struct tz *tz = shanghai();
    int64_t ms;
    assert_int_equal(tz_parse_instant(tz, "2023-07-05T23:30", &ms, NULL), BK_OK);
    char buf[11];
    assert_string_equal(tz_day_format(tz_local_day(tz, ms, NULL), buf), "2023-07-05");
    tz_free(tz);
}

static void test_format_instant_with_offset(void **state)
{
    (void)state;
    struct tz *tz = shanghai();
    char buf[32];
    assert_string_equal(tz_format_instant(tz, 1688434200000LL, buf), "2023-07-04T09:30:00+08:00");
    tz_free(tz);
    struct tz *ny;
    assert_int_equal(tz_open("America/New_York", &ny, NULL), BK_OK);
    assert_string_equal(tz_format_instant(ny, 1688434200000LL, buf), "2023-07-03T21:30:00-04:00");
    tz_free(ny);
}

static void test_bad_instants_are_refused_with_the_text(void **state)
{
    (void)state;
    struct tz *tz = shanghai();
    static const char *const bad[] = {"yesterday", "2023-07-04T25:00", "2023-07-04T09:61",
                                      "2023-07-04T09:30:00+8", "2023-07-04T09:30:00 extra",
                                      "2023-07-04T09:30:00.", "2023-07-04T09:30+15:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms;
        struct bk_err err = {0};
        assert_int_equal(tz_parse_instant(tz, bad[i], &ms, &err), BK_ERR_INVALID);
        assert_non_null(strstr(err.msg, bad[i]));
    }
    tz_free(tz);
}

static void test_dst_zone_day_boundaries(void **state)
{
    (void)state;
    struct tz *tz;
    assert_int_equal(tz_open("Europe/Berlin", &tz, NULL), BK_OK);
    int64_t winter, summer;
    assert_int_equal(tz_parse_instant(tz, "2023-01-15T00:30", &winter, NULL), BK_OK);
    assert_int_equal(tz_parse_instant(tz, "2023-07-15T00:30", &summer, NULL), BK_OK);
    char buf[32];
    assert_string_equal(tz_format_instant(tz, winter, buf), "2023-01-15T00:30:00+01:00");
    assert_string_equal(tz_format_instant(tz, summer, buf), "2023-07-15T00:30:00+02:00");
    tz_free(tz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_day_round_trip),
        cmocka_unit_test(test_invalid_days_are_refused),
        cmocka_unit_test(test_unknown_zone_is_a_config_error),
        cmocka_unit_test(test_local_day_is_the_venues_day),
        cmocka_unit_test(test_local_minute_follows_the_wall_clock),
        cmocka_unit_test(test_parse_forms_agree),
        cmocka_unit_test(test_local_time_ignores_process_zone),
        cmocka_unit_test(test_format_instant_with_offset),
        cmocka_unit_test(test_bad_instants_are_refused_with_the_text),
        cmocka_unit_test(test_dst_zone_day_boundaries),
    };
    return cmocka_run_group_tests_name("tz", tests, NULL, NULL);
}
