/* Unit tests for badgetext: the words on a badge, from the shipped FG-MV
 * Shanghai config (run from the repository root, as make does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <libintl.h>
#include <locale.h>

#include "core/badgetext.h"
#include "util/i18n.h"

#define SHIPPED_CONFIG "kiosk-config/fgmv2-shanghai.ini"

static int setup(void **state)
{
    struct config *cfg = NULL;
    struct bk_err err = {0};
    if (config_load(SHIPPED_CONFIG, &cfg, &err) != BK_OK)
        return -1;
    *state = cfg;
    return 0;
}

static int teardown(void **state)
{
    config_free(*state);
    return 0;
}

static struct attendee person(const char *events, const char *category)
{
    struct attendee a = {
        .id = "FGMV-2023-00042",
        .title = "",
        .first_name = "Per",
        .last_name = "Fröjdh",
        .badge_name = "",
        .organization = "Ericsson",
        .country = "Sweden",
        .category = (char *)category,
        .events = (char *)events,
        .email = "",
        .language = "",
    };
    return a;
}

static struct badgetext *text_for(void **state, const char *events, const char *category)
{
    struct attendee a = person(events, category);
    struct badgetext *t = NULL;
    struct bk_err err = {0};
    assert_int_equal(badgetext_new(*state, &a, &t, &err), BK_OK);
    return t;
}

static void test_meeting_only_validity_names_the_meeting_and_its_days(void **state)
{
    struct badgetext *t = text_for(state, "FG-MV", "Participant");
    assert_string_equal(t->validity, "FG-MV 2nd meeting · 4–6 July 2023");
    badgetext_free(t);
}

static void test_forum_only_validity_names_the_forum_and_its_day(void **state)
{
    struct badgetext *t = text_for(state, "Forum", "Participant");
    assert_string_equal(t->validity, "ITU forum · 7 July 2023");
    badgetext_free(t);
}

static void test_both_parts_share_one_date_range(void **state)
{
    struct badgetext *t = text_for(state, "FG-MV;Forum", "Participant");
    assert_string_equal(t->validity, "FG-MV 2nd meeting + ITU forum · 4–7 July 2023");
    badgetext_free(t);
}

static void test_parts_with_a_gap_keep_their_own_dates(void **state)
{
    struct config *cfg = *state;
    bk_day saved = cfg->events[1].first_day, saved_last = cfg->events[1].last_day;
    cfg->events[1].first_day = cfg->events[1].last_day = saved + 2; /* 9 July */
    struct badgetext *t = text_for(state, "FG-MV;Forum", "Participant");
    assert_string_equal(t->validity, "FG-MV 2nd meeting · 4–6 July 2023; ITU forum · 9 July 2023");
    badgetext_free(t);
    cfg->events[1].first_day = saved;
    cfg->events[1].last_day = saved_last;
}

static void test_no_registered_part_gives_an_empty_validity_line(void **state)
{
    struct badgetext *t = text_for(state, "", "Participant");
    assert_string_equal(t->validity, "");
    badgetext_free(t);
}

static void test_configured_category_has_its_colour_and_label(void **state)
{
    struct badgetext *t = text_for(state, "FG-MV", "vice-chair");
    assert_int_equal(t->band_rgb, 0xD84315);
    assert_string_equal(t->band_label, "VICE-CHAIR");
    badgetext_free(t);
}

static void test_unknown_category_is_grey_and_labelled_with_its_name(void **state)
{
    struct badgetext *t = text_for(state, "FG-MV", "Observer");
    assert_int_equal(t->band_rgb, 0x5f6368);
    assert_string_equal(t->band_label, "Observer");
    badgetext_free(t);
}

static void test_empty_category_uses_the_default_category(void **state)
{
    struct badgetext *t = text_for(state, "FG-MV", "");
    assert_int_equal(t->band_rgb, 0x1565C0);
    assert_string_equal(t->band_label, "PARTICIPANT");
    badgetext_free(t);
}

static void test_name_organisation_and_country_are_copied(void **state)
{
    struct badgetext *t = text_for(state, "FG-MV", "Chair");
    assert_string_equal(t->name, "Per Fröjdh");
    assert_string_equal(t->organization, "Ericsson");
    assert_string_equal(t->country, "Sweden");
    assert_string_equal(t->id, "FGMV-2023-00042");
    badgetext_free(t);
}

static void test_a_person_without_a_name_is_refused_naming_the_id(void **state)
{
    struct attendee a = person("FG-MV", "Chair");
    a.first_name = "";
    a.last_name = "";
    struct badgetext *t = NULL;
    struct bk_err err = {0};
    assert_int_equal(badgetext_new(*state, &a, &t, &err), BK_ERR_INVALID);
    assert_null(t);
    assert_non_null(strstr(err.msg, "FGMV-2023-00042"));
}

static void test_date_ranges_across_months_and_years(void **state)
{
    (void)state;
    bk_day a, b;
    assert_true(tz_day_parse("2023-06-30", &a));
    assert_true(tz_day_parse("2023-07-02", &b));
    char *s = badgetext_date_range_new(a, b);
    assert_string_equal(s, "30 June – 2 July 2023");
    free(s);
    assert_true(tz_day_parse("2023-12-30", &a));
    assert_true(tz_day_parse("2024-01-02", &b));
    s = badgetext_date_range_new(a, b);
    assert_string_equal(s, "30 December 2023 – 2 January 2024");
    free(s);
}

/* What a person turned away at the kiosk reads: the parts they are
 * registered for and their days, weekday first, in their language. */
static char *words_for(void **state, const char *events, const char *from, const char *until)
{
    struct attendee a = person(events, "Participant");
    a.valid_from = (char *)from;
    a.valid_until = (char *)until;
    struct badgetext_part parts[CONFIG_MAX_EVENTS];
    size_t n = badgetext_parts(*state, &a, parts);
    return badgetext_parts_words_new(parts, n);
}

static void test_kiosk_names_the_parts_and_their_weekdays(void **state)
{
    char *s = words_for(state, "Forum", "", "");
    assert_string_equal(s, "ITU forum: Friday 7 July");
    free(s);
    s = words_for(state, "FG-MV;Forum", "", "");
    assert_string_equal(s, "FG-MV 2nd meeting: Tuesday 4 July – Thursday 6 July\n"
                           "ITU forum: Friday 7 July");
    free(s);
    /* A day ticket names its own day, not the whole meeting. */
    s = words_for(state, "FG-MV", "2023-07-05", "2023-07-05");
    assert_string_equal(s, "FG-MV 2nd meeting: Wednesday 5 July");
    free(s);
    s = words_for(state, "", "", "");
    assert_string_equal(s, "");
    free(s);
}

static void test_kiosk_dates_follow_the_language_and_badges_stay_english(void **state)
{
    const struct {
        const char *lang, *want;
    } cases[] = {
        {"fr", "ITU forum : vendredi 7 juillet"},
        {"es", "ITU forum: viernes 7 de julio"},
        {"ru", "ITU forum: пятница, 7 июля"},
        {"zh_CN", "ITU forum：7月7日（星期五）"},
        {"ar", "ITU forum: الجمعة 7 يوليو"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        i18n_set_language(cases[i].lang);
        char *s = words_for(state, "Forum", "", "");
        struct badgetext *t = text_for(state, "Forum", "Participant");
        i18n_set_language("en");
        if (strcmp(s, cases[i].want) != 0)
            fail_msg("%s: got '%s', want '%s'", cases[i].lang, s, cases[i].want);
        /* The badge keeps the event documents' English dates. */
        assert_string_equal(t->validity, "ITU forum · 7 July 2023");
        free(s);
        badgetext_free(t);
    }
}

#define T(f) cmocka_unit_test(f)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_meeting_only_validity_names_the_meeting_and_its_days),
        T(test_forum_only_validity_names_the_forum_and_its_day),
        T(test_both_parts_share_one_date_range),
        T(test_parts_with_a_gap_keep_their_own_dates),
        T(test_no_registered_part_gives_an_empty_validity_line),
        T(test_configured_category_has_its_colour_and_label),
        T(test_unknown_category_is_grey_and_labelled_with_its_name),
        T(test_empty_category_uses_the_default_category),
        T(test_name_organisation_and_country_are_copied),
        T(test_a_person_without_a_name_is_refused_naming_the_id),
        T(test_date_ranges_across_months_and_years),
        T(test_kiosk_names_the_parts_and_their_weekdays),
        T(test_kiosk_dates_follow_the_language_and_badges_stay_english),
    };
    /* GNU gettext ignores LANGUAGE in the "C" locale. */
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "");
    bindtextdomain(BK_TEXTDOMAIN, "build/locale");
    bind_textdomain_codeset(BK_TEXTDOMAIN, "UTF-8");
    return cmocka_run_group_tests(tests, setup, teardown);
}
