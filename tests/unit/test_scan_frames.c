/* Tests for the decoder on kiosk-like frames from the seeded generator
 * (tests/lib/qrframes): the generator is deterministic; frames of each hard
 * class that the passes before the region passes missed are now read;
 * large codes tilted away, which every pass before the rectify pass
 * missed, are read by it, and rectify finds their grid in either polarity;
 * and frames with no code or several codes stay within the budget counted
 * in zbar runs (no timing: the time limit is off). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "qrframes.h"
#include "scan/decode.h"
#include "scan/rectify.h"

static const struct qrf_condition *condition(const char *name)
{
    for (size_t i = 0; i < qrf_n_conditions; i++)
        if (strcmp(qrf_conditions[i].name, name) == 0)
            return &qrf_conditions[i];
    fail_msg("no condition %s", name);
    return NULL;
}

static void render(const char *name, int index, struct qrf_frame *f)
{
    struct qrf_look look;
    qrf_condition_look(condition(name), 1, index, &look);
    assert_int_equal(qrf_render(&look, f), 0);
}

static struct scan_results *decode(const struct qrf_frame *f)
{
    struct scan_decoder *d = NULL;
    struct bk_err err = {0};
    assert_int_equal(scan_decoder_new(&d, &err), BK_OK);
    scan_decoder_set_budget(d, SCAN_PASSES, 0);
    struct scan_results *r = NULL;
    assert_int_equal(scan_decode_grey(d, f->px, f->w, f->h, f->w, &r, &err), BK_OK);
    scan_decoder_free(d);
    return r;
}

static bool holds(const struct scan_results *r, const char *text, size_t len)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i].len == len && memcmp(r->items[i].data, text, len) == 0)
            return true;
    return false;
}

struct frame_case {
    const char *condition;
    int index;
};

/* Each case's frame (seed 1) must be read, and by pass first or last or
 * one between. */
static void assert_read_by(const struct frame_case *cases, size_t n, int first, int last)
{
    for (size_t i = 0; i < n; i++) {
        struct qrf_frame f;
        render(cases[i].condition, cases[i].index, &f);
        struct scan_results *r = decode(&f);
        if (!holds(r, f.text, f.len))
            fail_msg("%s #%d not read", cases[i].condition, cases[i].index);
        if (r->pass < first || r->pass > last)
            fail_msg("%s #%d read by pass %d", cases[i].condition, cases[i].index, r->pass);
        scan_results_free(r);
        qrf_frame_clear(&f);
    }
}

static void test_generator_is_deterministic(void **state)
{
    (void)state;
    struct qrf_frame a, b, c;
    render("kiosk mix, 1280x720", 3, &a);
    render("kiosk mix, 1280x720", 3, &b);
    render("kiosk mix, 1280x720", 4, &c);
    assert_int_equal(a.w, 1280);
    assert_int_equal(a.h, 720);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.text, b.text, a.len);
    assert_memory_equal(a.px, b.px, (size_t)a.w * (size_t)a.h);
    assert_true(a.len != c.len || memcmp(a.text, c.text, a.len) != 0);
    assert_true(memcmp(a.px, c.px, (size_t)a.w * (size_t)a.h) != 0);
    qrf_frame_clear(&a);
    qrf_frame_clear(&b);
    qrf_frame_clear(&c);
}

/* Frames the decoder's first pass and the whole-frame passes after it did
 * not read (seed 1 of the benchmark's sweep): 2-pixel modules, a glare
 * spot, a small code in a 1080p frame, the kiosk mix, low contrast. They
 * are read now, and by a region pass. */
static void test_hard_frames_the_old_passes_missed_are_read(void **state)
{
    (void)state;
    static const struct frame_case cases[] = {
        {"module 2 px", 0},
        {"module 2 px", 1},
        {"glare spot", 2},
        {"1920x1080, 2.5 px/module", 4},
        {"kiosk mix, 1280x720", 5},
        {"low contrast 90/150", 9},
    };
    assert_read_by(cases, sizeof cases / sizeof cases[0], 2, 3);
}

/* The pass that redraws a code square from its finder, timing and
 * alignment patterns (decode.h's list). */
#define RECTIFY_PASS 4

/* Large codes (versions 20 to 40) tilted away from the camera by about ten
 * degrees (seed 1 of the benchmark's sweep): zbar's own grid drifts across
 * their hundred and more modules, and none of the other passes read them.
 * The rectify pass does. */
static void test_large_tilted_codes_are_read_by_rectify(void **state)
{
    (void)state;
    static const struct frame_case cases[] = {
        {"large code v20-30, 1280x720", 1},
        {"large code v20-30, 1280x720", 12},
        {"large code v20-30, 1920x1080", 0},
        {"large code v31-40, 1920x1080", 1},
    };
    assert_read_by(cases, sizeof cases / sizeof cases[0], RECTIFY_PASS, RECTIFY_PASS);
}

/* rectify on a whole frame: a large tilted code's size comes out exactly
 * (the timing patterns counted), with its perspective; the same frame in
 * negative (a light code on a dark ground) gives the same grid, marked
 * light on dark; the room alone gives none. */
static void test_grid_of_tilted_code_in_either_polarity(void **state)
{
    (void)state;
    struct qrf_look look;
    qrf_condition_look(condition("large code v20-30, 1280x720"), 1, 12, &look);
    struct qrf_frame f;
    assert_int_equal(qrf_render(&look, &f), 0);
    struct scan_plane frame = {f.px, f.w, f.h};
    struct scan_grid g;
    assert_true(scan_grid_find(&frame, look.module, &g));
    assert_int_equal(g.dim, 17 + 4 * f.version);
    assert_true(g.perspective);
    assert_false(g.light_on_dark);
    for (size_t i = 0; i < (size_t)f.w * (size_t)f.h; i++)
        f.px[i] = (uint8_t)(255 - f.px[i]);
    assert_true(scan_grid_find(&frame, look.module, &g));
    assert_int_equal(g.dim, 17 + 4 * f.version);
    assert_true(g.light_on_dark);
    qrf_frame_clear(&f);

    look.length = 0;
    assert_int_equal(qrf_render(&look, &f), 0);
    frame = (struct scan_plane){f.px, f.w, f.h};
    assert_false(scan_grid_find(&frame, look.module, &g));
    qrf_frame_clear(&f);
}

static void test_frame_without_code_stays_within_budget(void **state)
{
    (void)state;
    struct qrf_look look;
    qrf_condition_look(condition("kiosk mix, 1920x1080"), 1, 0, &look);
    look.length = 0;
    struct qrf_frame f;
    assert_int_equal(qrf_render(&look, &f), 0);
    struct scan_results *r = decode(&f);
    assert_int_equal(r->n, 0);
    assert_int_equal(r->passes, SCAN_PASSES);
    assert_true(r->scans <= SCAN_MAX_SCANS);
    scan_results_free(r);
    qrf_frame_clear(&f);
}

/* Three people's codes side by side in one 1920x720 frame. */
static void test_frame_with_several_codes_stays_within_budget(void **state)
{
    (void)state;
    struct qrf_frame part[3];
    uint8_t *px = malloc(1920 * 720);
    assert_non_null(px);
    for (int k = 0; k < 3; k++) {
        struct qrf_look look;
        qrf_condition_look(condition("plain, 4 px/module"), 1, k, &look);
        look.w = 640;
        look.cx = 0.5;
        look.module = 3;
        assert_int_equal(qrf_render(&look, &part[k]), 0);
        for (int y = 0; y < 720; y++)
            memcpy(px + (size_t)y * 1920 + (size_t)k * 640, part[k].px + (size_t)y * 640, 640);
    }
    struct qrf_frame f = {.px = px, .w = 1920, .h = 720};
    struct scan_results *r = decode(&f);
    assert_true(r->n >= 1);
    assert_true(r->scans <= SCAN_MAX_SCANS);
    for (int k = 0; k < 3; k++)
        qrf_frame_clear(&part[k]);
    scan_results_free(r);
    free(px);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generator_is_deterministic),
        cmocka_unit_test(test_hard_frames_the_old_passes_missed_are_read),
        cmocka_unit_test(test_large_tilted_codes_are_read_by_rectify),
        cmocka_unit_test(test_grid_of_tilted_code_in_either_polarity),
        cmocka_unit_test(test_frame_without_code_stays_within_budget),
        cmocka_unit_test(test_frame_with_several_codes_stays_within_budget),
    };
    return cmocka_run_group_tests_name("scan_frames", tests, NULL, NULL);
}
