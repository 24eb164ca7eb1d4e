/* Unit tests for attendee: the name people see, and event membership. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event/attendee.h"

static void test_display_name_rules(void **state)
{
    (void)state;
    static const struct {
        const char *first, *last, *badge, *want;
    } cases[] = {
        {"Per", "Fröjdh", "", "Per Fröjdh"},
        {"Shin-Gak", "Kang", "강신각", "강신각"},      /* the badge name wins */
        {"蕴韬", "王", "", "王蕴韬"},                  /* family name first, no space */
        {"신각", "강", "", "강신각"},
        {"秀郎", "今中", "", "今中秀郎"},
        {"ひろし", "山田", "", "山田ひろし"},
        {"蕴韬", "Wang", "", "蕴韬 Wang"},             /* mixed scripts: as given */
        {"", "Kipsaita", "", "Kipsaita"},
        {"Stella", "", "", "Stella"},
        {"Λεωνίδας", "Ανθόπουλος", "", "Λεωνίδας Ανθόπουλος"},
        {"محمد", "العلي", "", "محمد العلي"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct attendee a = {.first_name = (char *)cases[i].first,
                             .last_name = (char *)cases[i].last,
                             .badge_name = (char *)cases[i].badge};
        char *name = attendee_display_name_new(&a);
        if (strcmp(name, cases[i].want) != 0)
            fail_msg("case %zu: '%s', want '%s'", i, name, cases[i].want);
        free(name);
    }
}

static void test_has_event_matches_whole_codes(void **state)
{
    (void)state;
    struct attendee a = {.events = "FG-MV;Forum"};
    assert_true(attendee_has_event(&a, "FG-MV"));
    assert_true(attendee_has_event(&a, "Forum"));
    assert_false(attendee_has_event(&a, "FG"));
    assert_false(attendee_has_event(&a, "Forum2"));
    struct attendee none = {.events = ""};
    assert_false(attendee_has_event(&none, "FG-MV"));
}

static void test_copy_and_clear(void **state)
{
    (void)state;
    struct attendee src = {.id = "P1", .first_name = "Ada", .last_name = "Lovelace",
                           .events = "FG-MV", .status = ATTENDEE_WITHDRAWN};
    struct attendee dst;
    attendee_copy(&dst, &src);
    assert_string_equal(dst.id, "P1");
    assert_string_equal(dst.organization, ""); /* NULL fields become "" */
    assert_int_equal(dst.status, ATTENDEE_WITHDRAWN);
    attendee_clear(&dst);
    assert_null(dst.id);
    attendee_clear(&dst); /* clearing twice is safe */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_display_name_rules),
        cmocka_unit_test(test_has_event_matches_whole_codes),
        cmocka_unit_test(test_copy_and_clear),
    };
    return cmocka_run_group_tests_name("attendee", tests, NULL, NULL);
}
