/* Unit tests for wedge: scanner bursts and people typing, with the timings
 * both really have (scanners 7-20 ms a key, people 60 ms and up). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "door/wedge.h"

/* Everything the detector handed back over a sequence, flattened: typing as
 * its characters ('\n' for Enter), each scan as "[SCAN:text]". */
struct heard {
    char text[4096];
    size_t len;
    int scans;
};

static void heard_put(struct heard *h, const struct wedge_out *out)
{
    if (out->is_scan) {
        h->len +=
            (size_t)snprintf(h->text + h->len, sizeof h->text - h->len, "[SCAN:%s]", out->scan);
        h->scans++;
        return;
    }
    for (size_t i = 0; i < out->n_keys && h->len + 1 < sizeof h->text; i++)
        h->text[h->len++] = out->keys[i] == WEDGE_ENTER ? '\n' : (char)out->keys[i];
    h->text[h->len] = '\0';
}

/* Feeds text ('\n' is Enter) with key i at times[i] (or i * gap when times
 * is NULL). The main loop ticks between keys with the time of the key, as
 * it does when it keeps up; a batch is a stalled loop's: every key read at
 * once, with its own timestamp, and the first tick long after the last key.
 * Then it ticks well after the last key. */
static void feed(struct wedge *w, const char *text, const int64_t *times, int64_t gap, bool batch,
                 struct heard *h)
{
    static struct wedge_out out;
    memset(h, 0, sizeof *h);
    int64_t t = 1000;
    for (size_t i = 0; text[i]; i++) {
        t = times ? 1000 + times[i] : 1000 + (int64_t)i * gap;
        uint32_t key = text[i] == '\n' ? WEDGE_ENTER : (uint32_t)(unsigned char)text[i];
        if (wedge_key(w, key, t, &out))
            heard_put(h, &out);
        /* The main loop ticks between events too: it must not break a burst. */
        if (!batch && wedge_tick(w, t, &out))
            heard_put(h, &out);
    }
    if (wedge_tick(w, t + 5000, &out))
        heard_put(h, &out);
}

struct timing_case {
    const char *what;
    const char *text;
    int64_t gap;          /* ms between keys when times is NULL */
    const int64_t *times; /* per key (Enter included), ms from the first */
    bool batch;           /* read by a stalled loop, all at once */
    bool strict;          /* at the staff desk, where typing goes to the search box */
    const char *expect;
};

/* Traces, in ms from the first key, Enter last where the text has one.
 * Those marked "Xvfb" are the X server's timestamps as the kiosk saw them
 * (xdotool; "type --delay D" presses a key every D/2 ms or so). */

/* A scanner whose keys were stamped when a stalled loop read them (no
 * X times): the first 7 keys share a stamp, the rest come at its pace. */
static const int64_t stalled[] = {90, 90, 90, 90, 90, 90, 90, 100, 110, 120, 130, 140, 150};
/* Xvfb, xdotool key --delay 4 on a loaded machine: 2-10 ms with a few stretched. */
static const int64_t scanner_loaded[] = {0,  10, 15, 20, 28, 33, 41, 47,
                                         52, 69, 75, 80, 85, 96};
/* Xvfb, xdotool key --delay 10: 10-17 ms, a slow scanner. */
static const int64_t scanner_slow[] = {0,   14,  26,  36,  49,  63,  73, 85,
                                       100, 111, 128, 143, 155, 166};
/* Xvfb, xdotool type --delay 40, then Return from a second xdotool. */
static const int64_t xdotool_40[] = {0,   28,  47,  78,  97,  123, 143, 162,
                                     185, 206, 230, 252, 279, 305, 327, 349};
/* Xvfb, xdotool type --delay 80: 37-69 ms. */
static const int64_t xdotool_80[] = {0, 49, 105, 142, 193, 262, 303, 344, 384, 425, 470};
/* A person rolling two keys ("th") 10 ms apart, otherwise 80 ms. */
static const int64_t rolled[] = {0, 80, 160, 170, 250, 330, 410, 490, 570, 650};
/* A person at 80 ms whose last keys were bunched by a stall. */
static const int64_t human_bunched[] = {0, 80, 160, 240, 600, 600, 600, 600, 600, 680};
/* A fast typist, every gap under the hold, rolls of 12-20 ms among 30-45. */
static const int64_t typist_fast[] = {0, 42, 54, 92, 107, 152, 172, 202, 216, 256, 281, 300};
/* A typist at 40-120 ms with bursts, Enter soon after. */
static const int64_t typist_bursts[] = {0,   95,  135, 147, 277, 337, 355,
                                        440, 485, 595, 610, 680, 700};
/* A loop stopped for seconds (kill -STOP), then 20 keys typed 150 ms apart
 * read at once: their own stamps are 150 ms apart. */
static const int64_t typed_during_stall[] = {0,    150,  300,  450,  600,  750,  900,
                                             1050, 1200, 1350, 1500, 1650, 1800, 1950,
                                             2100, 2250, 2400, 2550, 2700, 2850, 2870};
/* The same typing stamped when it was read (no X times): one stamp. */
static const int64_t typed_read_late[21];
/* A scanner whose Enter came late, as a person's would after a look. */
static const int64_t late_enter[] = {0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 85};

static const struct timing_case timing_cases[] = {
    {"scanner at 12 ms", "BK1.ABCD.XYZ12\n", 12, NULL, false, false, "[SCAN:BK1.ABCD.XYZ12]"},
    {"scanner at 2 ms", "FGMV-000123\n", 2, NULL, false, false, "[SCAN:FGMV-000123]"},
    {"scanner at 7 ms", "FGMV-000123\n", 7, NULL, false, false, "[SCAN:FGMV-000123]"},
    {"scanner at 10 ms", "FGMV-000123\n", 10, NULL, false, false, "[SCAN:FGMV-000123]"},
    {"scanner all at once", "FGMV-000123\n", 0, NULL, false, false, "[SCAN:FGMV-000123]"},
    {"scanner after a stall", "BK1.ABCDEFGH\n", 0, stalled, false, false, "[SCAN:BK1.ABCDEFGH]"},
    {"scanner on a loaded machine", "BK1.ABCDEFGHI\n", 0, scanner_loaded, false, false,
     "[SCAN:BK1.ABCDEFGHI]"},
    {"slow scanner", "BK1.ABCDEFGHI\n", 0, scanner_slow, false, false, "[SCAN:BK1.ABCDEFGHI]"},
    {"scanner read in a batch", "BK1.ABCDEFGHI\n", 0, scanner_loaded, true, false,
     "[SCAN:BK1.ABCDEFGHI]"},
    {"scanner at 2 ms, staff desk", "FGMV-000123\n", 2, NULL, false, true, "[SCAN:FGMV-000123]"},
    {"scanner at 10 ms, staff desk", "FGMV-000123\n", 10, NULL, false, true,
     "[SCAN:FGMV-000123]"},
    {"scanner on a loaded machine, staff desk", "BK1.ABCDEFGHI\n", 0, scanner_loaded, false, true,
     "[SCAN:BK1.ABCDEFGHI]"},
    {"person at 120 ms", "kang shin\n", 120, NULL, false, false, "kang shin\n"},
    {"person at 60 ms", "anthopoulos\n", 60, NULL, false, false, "anthopoulos\n"},
    {"person at 90 ms", "svensson1\n", 90, NULL, false, false, "svensson1\n"},
    {"person at 40 ms", "anthopoulos\n", 40, NULL, false, false, "anthopoulos\n"},
    {"person at 40 ms, staff desk", "anthopoulos\n", 40, NULL, false, true, "anthopoulos\n"},
    {"person rolling two keys", "the smith\n", 0, rolled, false, false, "the smith\n"},
    {"person bunched by a stall", "frojdh ab\n", 0, human_bunched, false, false, "frojdh ab\n"},
    {"fast typist", "abcdefghjkl\n", 0, typist_fast, false, false, "abcdefghjkl\n"},
    {"fast typist, staff desk", "abcdefghjkl\n", 0, typist_fast, false, true, "abcdefghjkl\n"},
    {"typist with bursts", "ABCDEFGHJKLM\n", 0, typist_bursts, false, false, "ABCDEFGHJKLM\n"},
    {"xdotool type --delay 40", "ABCDEFGHJKLMNPQ\n", 0, xdotool_40, false, false,
     "ABCDEFGHJKLMNPQ\n"},
    {"xdotool type --delay 40, staff desk", "ABCDEFGHJKLMNPQ\n", 0, xdotool_40, false, true,
     "ABCDEFGHJKLMNPQ\n"},
    {"xdotool type --delay 80", "ABCDEFGHJK\n", 0, xdotool_80, false, false, "ABCDEFGHJK\n"},
    {"typed during a stall, read at once", "ABCDEFGHJKLMNPQRSTUV\n", 0, typed_during_stall, true,
     false, "ABCDEFGHJKLMNPQRSTUV\n"},
    {"typed during a stall, staff desk", "ABCDEFGHJKLMNPQRSTUV\n", 0, typed_during_stall, true,
     true, "ABCDEFGHJKLMNPQRSTUV\n"},
    {"typing stamped when read, staff desk", "ABCDEFGHJKLMNPQRSTUV\n", 0, typed_read_late, true,
     true, "ABCDEFGHJKLMNPQRSTUV\n"},
    {"scanner's pace, Enter after a look", "FGMV-00012\n", 0, late_enter, false, false,
     "FGMV-00012\n"},
    {"short fast burst", "1234\n", 10, NULL, false, false, "1234\n"},
    {"fast burst without Enter", "FGMV-000123", 10, NULL, false, false, "FGMV-000123"},
    {"held-down key", "aaaaaaaaaaaa\n", 33, NULL, false, false, "aaaaaaaaaaaa\n"},
    {"Enter alone", "\n", 10, NULL, false, false, "\n"},
};

static void test_timings_are_told_apart(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof timing_cases / sizeof timing_cases[0]; i++) {
        const struct timing_case *c = &timing_cases[i];
        struct wedge *w = wedge_new(NULL);
        wedge_set_strict(w, c->strict);
        struct heard h;
        feed(w, c->text, c->times, c->gap, c->batch, &h);
        if (strcmp(h.text, c->expect) != 0)
            fail_msg("%s: heard \"%s\", expected \"%s\"", c->what, h.text, c->expect);
        assert_false(wedge_holding(w));
        wedge_free(w);
    }
}

static void test_fast_typist_never_scans_at_any_speed_above_threshold(void **state)
{
    (void)state;
    for (int64_t gap = 16; gap <= 150; gap += 1) {
        struct wedge *w = wedge_new(NULL);
        struct heard h;
        feed(w, "BK1.ABCDEFGHIJKLMNOP\n", NULL, gap, false, &h);
        if (h.scans)
            fail_msg("typing at %lld ms became a scan", (long long)gap);
        assert_string_equal(h.text, "BK1.ABCDEFGHIJKLMNOP\n");
        wedge_free(w);
    }
}

static void test_typing_then_scan_keeps_both_in_order(void **state)
{
    (void)state;
    struct wedge *w = wedge_new(NULL);
    struct heard h = {0};
    struct wedge_out out;
    const char *typed = "wang";
    int64_t t = 0;
    for (size_t i = 0; typed[i]; i++, t += 150)
        if (wedge_key(w, (uint32_t)typed[i], t, &out))
            heard_put(&h, &out);
    const char *code = "FGMV-000777";
    t += 400;
    for (size_t i = 0; code[i]; i++, t += 9)
        if (wedge_key(w, (uint32_t)code[i], t, &out))
            heard_put(&h, &out);
    assert_true(wedge_key(w, WEDGE_ENTER, t, &out));
    heard_put(&h, &out);
    assert_string_equal(h.text, "wang[SCAN:FGMV-000777]");
    wedge_free(w);
}

static void test_typing_is_released_by_tick_after_the_gap(void **state)
{
    (void)state;
    struct wedge *w = wedge_new(NULL);
    struct wedge_out out;
    assert_false(wedge_key(w, 'k', 5000, &out));
    assert_true(wedge_holding(w));
    assert_false(wedge_tick(w, 5049, &out)); /* could still be a scanner's first key */
    assert_true(wedge_tick(w, 5050, &out));
    assert_false(out.is_scan);
    assert_int_equal(out.n_keys, 1);
    assert_int_equal(out.keys[0], 'k');
    assert_false(wedge_holding(w));
    wedge_free(w);
}

static void test_over_long_scan_reaches_the_reader_over_the_cap(void **state)
{
    (void)state;
    struct wedge *w = wedge_new(NULL);
    struct wedge_out out;
    for (int i = 0; i < 2000; i++)
        assert_false(wedge_key(w, (uint32_t)('A' + i % 26), i * 5, &out));
    assert_true(wedge_key(w, WEDGE_ENTER, 2000 * 5, &out));
    assert_true(out.is_scan);
    assert_int_equal(out.scan_len, WEDGE_TEXT_MAX);
    assert_true(out.scan_len > TOKEN_PAYLOAD_MAX);
    assert_int_equal(strlen(out.scan), out.scan_len);
    wedge_free(w);
}

static void test_settings_change_the_threshold_and_length(void **state)
{
    (void)state;
    struct wedge_config cfg = {.min_chars = 4, .max_gap_ms = 60, .scan_gap_ms = 50};
    struct wedge *w = wedge_new(&cfg);
    struct heard h;
    feed(w, "P123\n", NULL, 50, false, &h); /* a slow scanner, allowed by the settings */
    assert_string_equal(h.text, "[SCAN:P123]");
    feed(w, "P12\n", NULL, 10, false, &h);
    assert_string_equal(h.text, "P12\n");
    wedge_free(w);
}

static void test_non_ascii_scan_is_utf8_and_controls_are_dropped(void **state)
{
    (void)state;
    struct wedge *w = wedge_new(NULL);
    struct wedge_out out;
    const uint32_t keys[] = {0x738b, 0x8574, 0x97ec, 0x1b, '-', '0', '0', '0', '1', 0xd800, '7'};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_false(wedge_key(w, keys[i], (int64_t)i * 10, &out));
    assert_true(wedge_key(w, WEDGE_ENTER, 110, &out) && out.is_scan);
    assert_string_equal(out.scan, "王蕴韬-00017");
    wedge_free(w);
}

/* wedge_text's answers, as code points (typing) and scans. */
struct text_heard {
    uint32_t keys[64];
    size_t n;
    char scan[sizeof((struct wedge_out *)0)->scan];
    int scans;
};

static void text_heard_put(void *arg, const struct wedge_out *out)
{
    struct text_heard *h = arg;
    if (out->is_scan) {
        snprintf(h->scan, sizeof h->scan, "%s", out->scan);
        h->scans++;
        return;
    }
    for (size_t i = 0; i < out->n_keys && h->n < sizeof h->keys / sizeof h->keys[0]; i++)
        h->keys[h->n++] = out->keys[i];
}

/* Feeds text as one text-input event at 1000 ms and lets the held keys go
 * as typing. The text is copied to an allocation of its exact size, so a
 * read past its NUL is caught by AddressSanitizer. */
static void feed_text(const char *text, struct text_heard *h)
{
    memset(h, 0, sizeof *h);
    struct wedge *w = wedge_new(NULL);
    size_t n = strlen(text) + 1;
    char *exact = malloc(n);
    memcpy(exact, text, n);
    wedge_text(w, exact, 1000, text_heard_put, h);
    struct wedge_out out;
    if (wedge_tick(w, 2000, &out))
        text_heard_put(h, &out);
    free(exact);
    wedge_free(w);
}

static void test_text_is_fed_one_character_at_a_time(void **state)
{
    (void)state;
    struct text_heard h;
    feed_text("n\xC3\xA9\xE7\x8E\x8B\xF0\x9F\x98\x80", &h); /* "né王😀" */
    const uint32_t want[] = {'n', 0xE9, 0x738B, 0x1F600};
    assert_int_equal(h.n, 4);
    assert_memory_equal(h.keys, want, sizeof want);
    assert_int_equal(h.scans, 0);

    /* A scanner whose keys all arrive in one text event is still a burst. */
    struct wedge *w = wedge_new(NULL);
    struct wedge_out out;
    memset(&h, 0, sizeof h);
    wedge_text(w, "P1-00012345", 1000, text_heard_put, &h);
    assert_true(wedge_key(w, WEDGE_ENTER, 1000, &out));
    text_heard_put(&h, &out);
    assert_int_equal(h.scans, 1);
    assert_string_equal(h.scan, "P1-00012345");
    wedge_free(w);
}

/* A character cut off at the end of the text (or bytes that are not UTF-8
 * at all) is typed as U+FFFD, and the reading stops at the NUL. */
static void test_text_cut_off_mid_character_reads_no_further(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint32_t want[4];
        size_t n;
    } cases[] = {
        {"x\xC3", {'x', 0xFFFD}, 2},   {"ab\xE7\x8E", {'a', 'b', 0xFFFD}, 3},
        {"\xF0\x9F\x98", {0xFFFD}, 1}, {"\xC3\xA9\xF0", {0xE9, 0xFFFD}, 2},
        {"\x80z", {0xFFFD, 'z'}, 2},   {"\xE7\x8Ez", {0xFFFD, 'z'}, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct text_heard h;
        feed_text(cases[i].text, &h);
        if (h.n != cases[i].n || memcmp(h.keys, cases[i].want, h.n * sizeof h.keys[0]) != 0)
            fail_msg("case %zu: %zu keys, the first U+%04X", i, h.n, (unsigned)h.keys[0]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timings_are_told_apart),
        cmocka_unit_test(test_fast_typist_never_scans_at_any_speed_above_threshold),
        cmocka_unit_test(test_typing_then_scan_keeps_both_in_order),
        cmocka_unit_test(test_typing_is_released_by_tick_after_the_gap),
        cmocka_unit_test(test_over_long_scan_reaches_the_reader_over_the_cap),
        cmocka_unit_test(test_settings_change_the_threshold_and_length),
        cmocka_unit_test(test_non_ascii_scan_is_utf8_and_controls_are_dropped),
        cmocka_unit_test(test_text_is_fed_one_character_at_a_time),
        cmocka_unit_test(test_text_cut_off_mid_character_reads_no_further),
    };
    return cmocka_run_group_tests_name("wedge", tests, NULL, NULL);
}
