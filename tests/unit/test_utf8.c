/* Unit tests for utf8: strict validation and search-key folding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/utf8.h"

struct bytes_case {
    const char *what;
    const char *bytes;
    size_t len;
};

#define B(what, s)                                                                                 \
    {                                                                                              \
        what, s, sizeof(s) - 1                                                                     \
    }

static void test_valid_accepts_well_formed_text(void **state)
{
    (void)state;
    static const struct bytes_case ok[] = {
        B("empty", ""),
        B("ascii", "Registration ID"),
        B("latin", "Fröjdh Łukasz Đặng"),
        B("han", "王蕴韬"),
        B("hangul", "강신각"),
        B("greek", "Λεωνίδας"),
        B("last BMP", "\xEF\xBF\xBF"),
        B("first 4-byte", "\xF0\x90\x80\x80"),
        B("U+10FFFF", "\xF4\x8F\xBF\xBF"),
        B("U+D7FF before surrogates", "\xED\x9F\xBF"),
        B("U+E000 after surrogates", "\xEE\x80\x80"),
        B("emoji", "\xF0\x9F\x98\x80"),
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (!utf8_valid(ok[i].bytes, ok[i].len))
            fail_msg("rejected valid case: %s", ok[i].what);
    }
}

static void test_valid_rejects_malformed_text(void **state)
{
    (void)state;
    static const struct bytes_case bad[] = {
        B("lone continuation", "\x80"),
        B("overlong slash C0", "\xC0\xAF"),
        B("overlong C1", "\xC1\xBF"),
        B("overlong 3-byte", "\xE0\x80\xAF"),
        B("overlong 4-byte", "\xF0\x80\x80\xAF"),
        B("surrogate high", "\xED\xA0\x80"),
        B("surrogate low", "\xED\xBF\xBF"),
        B("above U+10FFFF", "\xF4\x90\x80\x80"),
        B("F5 lead", "\xF5\x80\x80\x80"),
        B("FF byte", "\xFF"),
        B("truncated 2-byte", "abc\xC3"),
        B("truncated 3-byte", "\xE7\x8E"),
        B("truncated 4-byte", "\xF0\x9F\x98"),
        B("bad continuation", "\xC3\x28"),
        B("latin-1 e acute", "caf\xE9"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (utf8_valid(bad[i].bytes, bad[i].len))
            fail_msg("accepted invalid case: %s", bad[i].what);
    }
}

static void test_count_counts_codepoints_not_bytes(void **state)
{
    (void)state;
    assert_int_equal(utf8_count(""), 0);
    assert_int_equal(utf8_count("abc"), 3);
    assert_int_equal(utf8_count("王蕴韬"), 3);
    assert_int_equal(utf8_count("Fröjdh"), 6);
    assert_int_equal(utf8_count("\xF0\x9F\x98\x80"), 1);
}

struct fold_case {
    const char *in;
    const char *want;
};

static void check_folds(const struct fold_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *got = utf8_fold_new(cases[i].in);
        assert_non_null(got);
        int same = strcmp(got, cases[i].want) == 0;
        if (!same)
            print_error("fold(\"%s\") = \"%s\", want \"%s\"\n", cases[i].in, got, cases[i].want);
        free(got);
        if (!same)
            fail();
    }
}

static void test_fold_ignores_case_and_accents(void **state)
{
    (void)state;
    static const struct fold_case cases[] = {
        {"Fröjdh", "frojdh"},
        {"FRÖJDH", "frojdh"},
        {"Martínez", "martinez"},
        {"Barreiro", "barreiro"},
        {"François Müller", "francois muller"},
        {"São João", "sao joao"},
        {"Nguyễn Thị Đặng", "nguyen thi dang"},
        {"Łukasz Żółć", "lukasz zolc"},
        /* Final sigma folds to sigma, as a capital-letter query would. */
        {"Λεωνίδας Ανθόπουλος", "λεωνιδασ ανθοπουλοσ"},
        {"ΛΕΩΝΊΔΑΣ", "λεωνιδασ"},
        {"Дмитрий Йовович", "дмитрии иовович"},
        {"ＡＢＣ", "abc"},
    };
    check_folds(cases, sizeof cases / sizeof cases[0]);
}

static void test_fold_maps_letters_without_decomposition(void **state)
{
    (void)state;
    static const struct fold_case cases[] = {
        {"Bjørn Søren", "bjorn soren"},
        {"Øst", "ost"},
        {"Đorđe", "dorde"},
        {"Łódź", "lodz"},
        {"Æsir", "aesir"},
        {"Cœur", "coeur"},
        {"Straße", "strasse"},
        {"STRASSE", "strasse"},
        {"Kırıkkale", "kirikkale"},
        {"İstanbul", "istanbul"},
    };
    check_folds(cases, sizeof cases / sizeof cases[0]);
}

static void test_fold_collapses_separators_and_trims(void **state)
{
    (void)state;
    static const struct fold_case cases[] = {
        {"  Jean-Luc  ", "jean luc"},
        {"Jean - Luc", "jean luc"},
        {"J.-L. Picard", "j l picard"},
        {"Kang,\tShin-Gak", "kang shin gak"},
        {"O'Brien", "obrien"},
        {"O’Brien", "obrien"},
        {"...", ""},
        {"", ""},
        {"a\u3000b", "a b"},
    };
    check_folds(cases, sizeof cases / sizeof cases[0]);
}

static void test_fold_keeps_cjk_composed(void **state)
{
    (void)state;
    static const struct fold_case cases[] = {
        {"王蕴韬", "王蕴韬"},
        {"강신각", "강신각"},
        /* Hangul given as conjoining jamo composes to the syllables people type. */
        {"\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xBC", "강"},
        {"今中秀郎", "今中秀郎"},
        {"王 蕴韬", "王 蕴韬"},
    };
    check_folds(cases, sizeof cases / sizeof cases[0]);
}

static void test_fold_rejects_invalid_utf8(void **state)
{
    (void)state;
    assert_null(utf8_fold_new("caf\xE9"));
    assert_null(utf8_fold_new(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_accepts_well_formed_text),
        cmocka_unit_test(test_valid_rejects_malformed_text),
        cmocka_unit_test(test_count_counts_codepoints_not_bytes),
        cmocka_unit_test(test_fold_ignores_case_and_accents),
        cmocka_unit_test(test_fold_maps_letters_without_decomposition),
        cmocka_unit_test(test_fold_collapses_separators_and_trims),
        cmocka_unit_test(test_fold_keeps_cjk_composed),
        cmocka_unit_test(test_fold_rejects_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
