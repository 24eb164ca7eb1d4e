/* Unit tests for utf8: decoding, encoding, cutting, strict validation and
 * search-key folding. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <utf8proc.h>

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

/* ---- decode ---- */

struct decode_case {
    const char *what;
    const char *bytes;
    size_t len;  /* what the decoder is given */
    uint32_t cp; /* UTF8_INVALID for bytes that are not UTF-8 */
    size_t used; /* the bytes it takes, or skips */
};

#define D(what, s, cp, used)                                                                       \
    {                                                                                              \
        what, s, sizeof(s) - 1, cp, used                                                           \
    }

static void test_decode_reads_one_character_or_the_bytes_to_skip(void **state)
{
    (void)state;
    static const struct decode_case cases[] = {
        D("ascii", "A", 'A', 1),
        D("NUL is a character", "\0", 0, 1),
        D("first 2-byte", "\xC2\x80", 0x80, 2),
        D("e acute, then more", "\xC3\xA9x", 0xE9, 2),
        D("last 2-byte", "\xDF\xBF", 0x7FF, 2),
        D("first 3-byte", "\xE0\xA0\x80", 0x800, 3),
        D("han", "\xE7\x8E\x8B", 0x738B, 3),
        D("U+D7FF before surrogates", "\xED\x9F\xBF", 0xD7FF, 3),
        D("U+E000 after surrogates", "\xEE\x80\x80", 0xE000, 3),
        D("U+FFFD itself", "\xEF\xBF\xBD", 0xFFFD, 3),
        D("first 4-byte", "\xF0\x90\x80\x80", 0x10000, 4),
        D("emoji", "\xF0\x9F\x98\x80", 0x1F600, 4),
        D("max code point U+10FFFF", "\xF4\x8F\xBF\xBF", 0x10FFFF, 4),
        /* Not UTF-8: skip the longest start a character could have had. */
        D("lone continuation", "\x80", UTF8_INVALID, 1),
        D("continuation after continuation", "\xBF\x80", UTF8_INVALID, 1),
        D("overlong C0", "\xC0\xAF", UTF8_INVALID, 1),
        D("overlong C1", "\xC1\xBF", UTF8_INVALID, 1),
        D("overlong 3-byte", "\xE0\x80\xAF", UTF8_INVALID, 1),
        D("overlong 4-byte", "\xF0\x80\x80\xAF", UTF8_INVALID, 1),
        D("surrogate high", "\xED\xA0\x80", UTF8_INVALID, 1),
        D("surrogate low", "\xED\xBF\xBF", UTF8_INVALID, 1),
        D("above U+10FFFF", "\xF4\x90\x80\x80", UTF8_INVALID, 1),
        D("F5 lead", "\xF5\x80\x80\x80", UTF8_INVALID, 1),
        D("FF byte", "\xFF", UTF8_INVALID, 1),
        D("truncated 2-byte", "\xC3", UTF8_INVALID, 1),
        D("truncated 3-byte after 1", "\xE7", UTF8_INVALID, 1),
        D("truncated 3-byte after 2", "\xE7\x8E", UTF8_INVALID, 2),
        D("truncated 4-byte after 3", "\xF0\x9F\x98", UTF8_INVALID, 3),
        D("3-byte cut by ascii", "\xE7\x8Ex", UTF8_INVALID, 2),
        D("4-byte cut by a new lead", "\xF0\x9F\xC3\xA9", UTF8_INVALID, 2),
        D("latin-1 e acute", "\xE9t\xE9", UTF8_INVALID, 1),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct decode_case *c = &cases[i];
        uint32_t cp = 0x12345;
        size_t used = utf8_decode(c->bytes, c->len, &cp);
        if (cp != c->cp || used != c->used)
            fail_msg("%s: got U+%04X in %zu bytes, want U+%04X in %zu", c->what, (unsigned)cp, used,
                     (unsigned)c->cp, c->used);
        assert_int_equal(utf8_decode(c->bytes, c->len, NULL), c->used); /* cp may be NULL */
    }
}

static void test_decode_never_reads_past_the_length_or_a_nul(void **state)
{
    (void)state;
    uint32_t cp = 0;
    assert_int_equal(utf8_decode("", 0, &cp), 0);
    assert_int_equal(cp, UTF8_INVALID);
    /* A 4-byte lead with its continuation bytes beyond len: not looked at. */
    assert_int_equal(utf8_decode("\xF0\x9F\x98\x80", 2, &cp), 2);
    assert_int_equal(cp, UTF8_INVALID);
    /* A character cut off at the end of a NUL-terminated string, read with a
     * generous bound: the NUL ends it, and it is the exact size of the
     * allocation, so reading one byte past would be caught by ASan. */
    static const char *const tails[] = {"\xC3", "\xE7\x8E", "\xF0\x9F\x98", "ab\xF0"};
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        size_t n = strlen(tails[i]);
        char *heap = malloc(n + 1);
        memcpy(heap, tails[i], n + 1);
        size_t at = n - 1;
        while (at > 0 && ((unsigned char)heap[at] & 0xC0) == 0x80)
            at--;
        assert_true(utf8_decode(heap + at, n + 1 - at, &cp) <= n - at);
        assert_int_equal(cp, UTF8_INVALID);
        free(heap);
    }
}

/* The decoder against another one (utf8proc's), on every sequence of up to
 * three bytes and on every 4-byte lead with each second byte: both must take
 * the same bytes as the same character, or both refuse them. */
static void test_decode_agrees_with_utf8proc(void **state)
{
    (void)state;
    unsigned char b[4] = {0, 0x80, 0x80, 0x80};
    for (uint32_t x = 0; x < (1u << 24); x++) {
        b[0] = (unsigned char)(x >> 16), b[1] = (unsigned char)(x >> 8), b[2] = (unsigned char)x;
        if (b[0] >= 0xF0)
            b[2] = 0x80 | (b[2] & 0x3F); /* 4-byte leads: vary the second byte */
        size_t len = b[0] >= 0xF0 ? 4 : 3;
        uint32_t cp;
        size_t used = utf8_decode((const char *)b, len, &cp);
        utf8proc_int32_t theirs;
        utf8proc_ssize_t got = utf8proc_iterate(b, (utf8proc_ssize_t)len, &theirs);
        bool ours_ok = cp != UTF8_INVALID;
        if (ours_ok != (got > 0) || (ours_ok && ((size_t)got != used || (uint32_t)theirs != cp)))
            fail_msg("%02X %02X %02X %02X: ours U+%04X in %zu, utf8proc %ld", b[0], b[1], b[2],
                     b[3], (unsigned)cp, used, (long)got);
        if (b[0] >= 0xF0)
            x |= 0xFF; /* the third byte was fixed: next second byte */
    }
}

/* ---- encode ---- */

static void test_encode_round_trips_every_scalar_value(void **state)
{
    (void)state;
    char buf[UTF8_MAX];
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        size_t n = utf8_encode(cp, buf);
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            assert_int_equal(n, 0);
            continue;
        }
        assert_int_equal(n, cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);
        uint32_t back;
        assert_int_equal(utf8_decode(buf, n, &back), n);
        if (back != cp)
            fail_msg("U+%04X came back as U+%04X", (unsigned)cp, (unsigned)back);
    }
    assert_int_equal(utf8_encode(0x110000, buf), 0);
    assert_int_equal(utf8_encode(UTF8_INVALID, buf), 0);
}

/* ---- cut ---- */

struct cut_case {
    const char *what;
    const char *s;
    size_t max, want;
};

static void test_cut_never_splits_a_character(void **state)
{
    (void)state;
    /* "a王é😀": a at 0, 王 at 1-3, é at 4-5, 😀 at 6-9. */
    static const char text[] = "a\xE7\x8E\x8B\xC3\xA9\xF0\x9F\x98\x80";
    static const struct cut_case cases[] = {
        {"all fits", text, 99, 10},
        {"exactly the length", text, 10, 10},
        {"nothing", text, 0, 0},
        {"at a boundary", text, 1, 1},
        {"inside 3-byte, 1 in", text, 2, 1},
        {"inside 3-byte, 2 in", text, 3, 1},
        {"after 3-byte", text, 4, 4},
        {"inside 2-byte", text, 5, 4},
        {"inside 4-byte, 1 in", text, 7, 6},
        {"inside 4-byte, 3 in", text, 9, 6},
        {"ascii", "abcdef", 3, 3},
        /* Bytes that are not UTF-8 are each their own piece. */
        {"stray continuation bytes", "\x80\x80\x80\x80\x80", 4, 4},
        {"truncated then ascii", "\xE7\x8E\x61\x62", 1, 0},
        {"after a truncated piece", "\xE7\x8E\x61\x62", 2, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct cut_case *c = &cases[i];
        size_t got = utf8_cut(c->s, strlen(c->s), c->max);
        if (got != c->want)
            fail_msg("%s: cut at %zu, want %zu", c->what, got, c->want);
    }
}

static void test_cut_one_short_is_where_the_last_character_starts(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t want;
    } cases[] = {
        {"ab", 1}, {"a\xC3\xA9", 1}, {"\xE7\x8E\x8B", 0}, {"x\xF0\x9F\x98\x80", 1}, {"a", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].s);
        assert_int_equal(utf8_cut(cases[i].s, n, n - 1), cases[i].want);
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
    /* A character cut short counts once, as the decoder skips it. */
    assert_int_equal(utf8_count("ab\xE7\x8E"), 3);
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
        cmocka_unit_test(test_decode_reads_one_character_or_the_bytes_to_skip),
        cmocka_unit_test(test_decode_never_reads_past_the_length_or_a_nul),
        cmocka_unit_test(test_decode_agrees_with_utf8proc),
        cmocka_unit_test(test_encode_round_trips_every_scalar_value),
        cmocka_unit_test(test_cut_never_splits_a_character),
        cmocka_unit_test(test_cut_one_short_is_where_the_last_character_starts),
        cmocka_unit_test(test_count_counts_codepoints_not_bytes),
        cmocka_unit_test(test_fold_ignores_case_and_accents),
        cmocka_unit_test(test_fold_maps_letters_without_decomposition),
        cmocka_unit_test(test_fold_collapses_separators_and_trims),
        cmocka_unit_test(test_fold_keeps_cjk_composed),
        cmocka_unit_test(test_fold_rejects_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
