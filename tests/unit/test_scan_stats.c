/* Tests for scan/text (what a code's bytes say) and scan/stats (counting
 * exact reads in a folder of labelled images): UTF-8 kept, Shift_JIS
 * without ECI converted, binary left alone; sets per subfolder, labels
 * compared as bytes and as text, unlabelled images ignored. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#include "badge/qrimage.h"
#include "scan/decode.h"
#include "scan/stats.h"
#include "scan/text.h"

/* "日本語" in Shift_JIS and in UTF-8. */
static const char sjis[] = "\x93\xfa\x96\x7b\x8c\xea";
static const char utf8[] = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";

static void test_utf8_bytes_are_kept(void **state)
{
    (void)state;
    size_t n = 0;
    enum scan_text_kind kind;
    char *s = scan_text_utf8_new((const uint8_t *)utf8, strlen(utf8), &n, &kind);
    assert_int_equal(kind, SCAN_TEXT_UTF8);
    assert_int_equal(n, strlen(utf8));
    assert_string_equal(s, utf8);
    free(s);
}

static void test_shift_jis_without_eci_becomes_utf8(void **state)
{
    (void)state;
    size_t n = 0;
    enum scan_text_kind kind;
    char *s = scan_text_utf8_new((const uint8_t *)sjis, strlen(sjis), &n, &kind);
    assert_int_equal(kind, SCAN_TEXT_SHIFT_JIS);
    assert_string_equal(s, utf8);
    free(s);
}

static void test_binary_is_not_text(void **state)
{
    (void)state;
    const uint8_t bin[] = {0x81, 0x00, 0xff, 0xfe};
    size_t n = 1;
    enum scan_text_kind kind;
    assert_null(scan_text_utf8_new(bin, sizeof bin, &n, &kind));
    assert_int_equal(kind, SCAN_TEXT_BINARY);
    assert_int_equal(n, 0);
}

static void test_text_match_accepts_bytes_or_their_text(void **state)
{
    (void)state;
    const uint8_t *u = (const uint8_t *)utf8, *j = (const uint8_t *)sjis;
    assert_true(scan_text_matches(u, strlen(utf8), u, strlen(utf8)));
    assert_true(scan_text_matches(j, strlen(sjis), u, strlen(utf8)));
    assert_false(scan_text_matches(j, strlen(sjis) - 1, u, strlen(utf8)));
    assert_false(scan_text_matches((const uint8_t *)"ABC", 3, (const uint8_t *)"ABD", 3));
}

static void write_code(const char *dir, const char *name, const char *code, const char *label)
{
    char *png = tu_path_new(dir, name);
    struct bk_err err = {0};
    assert_int_equal(qrimage_write_png(code, 4, 300, png, NULL, &err), BK_OK);
    if (label) {
        char *txt = strdup(png);
        assert_non_null(txt);
        strcpy(strrchr(txt, '.'), ".txt");
        tu_write_text(txt, label);
        free(txt);
    }
    free(png);
}

static void test_stats_counts_per_subfolder_and_total(void **state)
{
    (void)state;
    char *dir = tu_tempdir_new("scanstats");
    char *sub = tu_path_new(dir, "set-b");
    assert_int_equal(mkdir(sub, 0700), 0);
    write_code(dir, "a.png", "HELLO-1", "HELLO-1");
    write_code(dir, "b.png", "HELLO-2", "NOT-THIS");
    write_code(dir, "unlabelled.png", "HELLO-3", NULL);
    write_code(sub, "c.png", sjis, utf8); /* Shift_JIS bytes, UTF-8 label */
    write_code(sub, "d.png", utf8, utf8);
    char *junk = tu_path_new(sub, "e.png");
    tu_write_text(junk, "not an image");
    char *junk_txt = tu_path_new(sub, "e.txt");
    tu_write_text(junk_txt, "x");

    struct scan_decoder *d = NULL;
    struct bk_err err = {0};
    assert_int_equal(scan_decoder_new(&d, &err), BK_OK);
    scan_decoder_set_budget(d, SCAN_PASSES, 0);
    struct scan_stats *st = NULL;
    assert_int_equal(scan_stats_dir(d, dir, &st, &err), BK_OK);
    assert_int_equal(st->n_sets, 2);
    assert_string_equal(st->sets[0].name, ".");
    assert_int_equal(st->sets[0].images, 2);
    assert_int_equal(st->sets[0].exact, 1);
    assert_int_equal(st->sets[0].text, 1);
    assert_string_equal(st->sets[1].name, "set-b");
    assert_int_equal(st->sets[1].images, 3);
    assert_int_equal(st->sets[1].unreadable, 1);
    assert_int_equal(st->sets[1].exact, 1);
    assert_int_equal(st->sets[1].text, 2);
    assert_int_equal(st->total.images, 5);
    assert_int_equal(st->total.exact, 2);
    assert_int_equal(st->total.text, 3);
    assert_true(st->total.worst_ms >= st->total.median_ms);
    assert_true(st->total.median_ms > 0);
    scan_stats_free(st);
    scan_decoder_free(d);
    free(junk);
    free(junk_txt);
    free(sub);
    tu_tempdir_free(dir);
}

static void test_stats_refuses_folder_without_labelled_images(void **state)
{
    (void)state;
    char *dir = tu_tempdir_new("scanstats");
    write_code(dir, "a.png", "HELLO-1", NULL);
    struct scan_decoder *d = NULL;
    struct bk_err err = {0};
    assert_int_equal(scan_decoder_new(&d, &err), BK_OK);
    struct scan_stats *st = NULL;
    assert_int_equal(scan_stats_dir(d, dir, &st, &err), BK_ERR_NOT_FOUND);
    assert_null(st);
    assert_string_equal(err.file, dir);
    char *missing = tu_path_new(dir, "nope");
    assert_int_equal(scan_stats_dir(d, missing, &st, &err), BK_ERR_NOT_FOUND);
    free(missing);
    scan_decoder_free(d);
    tu_tempdir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_bytes_are_kept),
        cmocka_unit_test(test_shift_jis_without_eci_becomes_utf8),
        cmocka_unit_test(test_binary_is_not_text),
        cmocka_unit_test(test_text_match_accepts_bytes_or_their_text),
        cmocka_unit_test(test_stats_counts_per_subfolder_and_total),
        cmocka_unit_test(test_stats_refuses_folder_without_labelled_images),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
