/* Unit tests for country: ISO 3166 codes shown as names from Debian's
 * iso-codes, in the language in use; anything else shown as written. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event/country.h"
#include "util/i18n.h"
#include "testutil.h"

static void test_codes_become_names_and_the_rest_stays(void **state)
{
    (void)state;
    static const struct {
        const char *value, *want;
    } cases[] = {
        {"DE", "Germany"},
        {"de", "Germany"},
        {" GB ", "United Kingdom"},
        {"deu", "Germany"},
        {"KR", "South Korea"},      /* the common name over "Korea, Republic of" */
        {"TW", "Taiwan"},             /* iso-codes' common name */
        {"VN", "Vietnam"},
        {"CI", "Côte d'Ivoire"},      /* UTF-8 kept */
        {"XX", "XX"},                 /* no such code */
        {"Korea (Republic of)", "Korea (Republic of)"},
        {"China", "China"},
        {"D1", "D1"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = country_display(cases[i].value);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("'%s' shown as '%s', want '%s'", cases[i].value, got, cases[i].want);
    }
    assert_string_equal(country_display(NULL), "");
}

/* The names follow the kiosk's language, with iso-codes' translations. */
static void test_names_are_translated(void **state)
{
    (void)state;
    i18n_set_language("de");
    assert_string_equal(country_display("DE"), "Deutschland");
    i18n_set_language("fr");
    assert_string_equal(country_display("DE"), "Allemagne");
    i18n_set_language("en");
    assert_string_equal(country_display("DE"), "Germany");
}

int main(void)
{
    /* GNU gettext ignores LANGUAGE in the "C" locale. */
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_become_names_and_the_rest_stays),
        cmocka_unit_test(test_names_are_translated),
    };
    return cmocka_run_group_tests_name("country", tests, NULL, NULL);
}
