/* Unit tests for find: the staff desk's search, in every script. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/find.h"

static const struct {
    const char *id, *first, *last, *badge, *org, *country;
} people[] = {
    {"FGMV-1", "Shin-Gak", "Kang", "강신각", "ETRI", "Korea (Republic of)"},
    {"FGMV-2", "Per", "Fröjdh", "", "Ericsson", "Sweden"},
    {"FGMV-3", "蕴韬", "王", "", "CAICT", "China"},
    {"FGMV-4", "Leonidas", "Anthopoulos", "Λεωνίδας Ανθόπουλος", "University of Thessaly",
     "Greece"},
    {"FGMV-5", "Олег", "Кузнецов", "", "Ростелеком", "Russian Federation"},
    {"FGMV-6", "محمد", "العلي", "", "Saudi Telecom", "Saudi Arabia"},
    {"FGMV-7", "Perla", "Persson", "", "Nokia", "Finland"},
    {"FGMV-8", "Anna", "Peralta", "", "Perth Labs", "Australia"},
    {"FGMV-9", "Ingrid", "Svensson", "", "Ericsson", "Sweden"},
};

static int setup(void **state)
{
    struct finder *f = finder_new();
    for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
        struct attendee a = {
            .id = (char *)people[i].id,
            .title = "",
            .first_name = (char *)people[i].first,
            .last_name = (char *)people[i].last,
            .badge_name = (char *)people[i].badge,
            .organization = (char *)people[i].org,
            .country = (char *)people[i].country,
            .category = "Participant",
            .events = "FG-MV",
            .email = "",
            .language = "",
            .status = i == 8 ? ATTENDEE_WITHDRAWN : ATTENDEE_CONFIRMED,
        };
        finder_add(f, &a);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    finder_free(*state);
    return 0;
}

/* The ID of the best hit for query, or "" when nothing matches. */
static const char *best(void **state, const char *query)
{
    struct finder_hit hits[10];
    size_t n = finder_search(*state, query, hits, 10);
    return n ? hits[0].id : "";
}

static void test_queries_find_the_right_person(void **state)
{
    static const struct {
        const char *query, *id;
    } cases[] = {
        {"frojdh", "FGMV-2"},        {"FRÖJDH", "FGMV-2"},    {"fröj", "FGMV-2"},
        {"kang", "FGMV-1"},          {"shin gak", "FGMV-1"},  {"Shin-Gak Kang", "FGMV-1"},
        {"강신각", "FGMV-1"},        {"신각", "FGMV-1"},      {"王蕴韬", "FGMV-3"},
        {"蕴韬", "FGMV-3"},          {"caict", "FGMV-3"},     {"ανθοπουλος", "FGMV-4"},
        {"ΑΝΘΌΠΟΥΛΟΣ", "FGMV-4"},    {"anthopoulos", "FGMV-4"}, {"thessaly", "FGMV-4"},
        {"кузнецов", "FGMV-5"},      {"ОЛЕГ", "FGMV-5"},      {"العلي", "FGMV-6"},
        {"fgmv-7", "FGMV-7"},        {"per frojdh", "FGMV-2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = best(state, cases[i].query);
        if (strcmp(got, cases[i].id) != 0)
            fail_msg("'%s': expected %s, got '%s'", cases[i].query, cases[i].id, got);
    }
}

static void test_every_word_must_match(void **state)
{
    assert_string_equal(best(state, "per ericsson"), "FGMV-2");
    assert_string_equal(best(state, "kang ericsson"), "");
}

static void test_name_start_beats_middle_and_organisation(void **state)
{
    struct finder_hit hits[10];
    /* "per": Per Fröjdh (whole first name), Perla Persson (name start),
     * Anna Peralta (surname start), Perth Labs (organisation), Ericsson has
     * "per"? no. */
    size_t n = finder_search(*state, "per", hits, 10);
    assert_true(n >= 3);
    assert_string_equal(hits[0].id, "FGMV-2");
    for (size_t i = 1; i < n; i++)
        assert_true(hits[i - 1].score >= hits[i].score);
}

static void test_withdrawn_people_are_found_but_marked(void **state)
{
    struct finder_hit hits[10];
    size_t n = finder_search(*state, "svensson", hits, 10);
    assert_int_equal(n, 1);
    assert_true(hits[0].withdrawn);
    assert_string_equal(hits[0].name, "Ingrid Svensson");
}

static void test_display_name_is_the_badge_name(void **state)
{
    struct finder_hit hits[10];
    assert_int_equal(finder_search(*state, "kang", hits, 10), 1);
    assert_string_equal(hits[0].name, "강신각");
    assert_int_equal(finder_search(*state, "蕴韬", hits, 10), 1);
    assert_string_equal(hits[0].name, "王蕴韬");
}

static void test_empty_and_punctuation_queries_find_nothing(void **state)
{
    struct finder_hit hits[10];
    assert_int_equal(finder_search(*state, "", hits, 10), 0);
    assert_int_equal(finder_search(*state, "  - . ", hits, 10), 0);
    assert_int_equal(finder_search(*state, "zzzz", hits, 10), 0);
}

static void test_limit_is_respected(void **state)
{
    struct finder_hit hits[2];
    assert_int_equal(finder_search(*state, "e", hits, 2), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queries_find_the_right_person),
        cmocka_unit_test(test_every_word_must_match),
        cmocka_unit_test(test_name_start_beats_middle_and_organisation),
        cmocka_unit_test(test_withdrawn_people_are_found_but_marked),
        cmocka_unit_test(test_display_name_is_the_badge_name),
        cmocka_unit_test(test_empty_and_punctuation_queries_find_nothing),
        cmocka_unit_test(test_limit_is_respected),
    };
    return cmocka_run_group_tests_name("find", tests, setup, teardown);
}
