/* Tests for the decoder's passes (scan/decode.h): codes that one zbar pass
 * over the frame misses and a later pass reads. Each image is generated
 * here (libqrencode through qrimage), so the cases are exact and small:
 * low contrast, light on dark, a strong gradient of light, a small code
 * with few pixels per module, a blurred code. The budget's time limit is
 * off so that results do not depend on the machine's speed. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "badge/qrimage.h"
#include "scan/decode.h"
#include "scan/locate.h"

#define TEXT "BK1.FGMV2-SHA.R-000123.9f2c41d07a6b5e38"

struct look {
    int w, h;        /* frame size */
    double module;   /* pixels per module (may be fractional) */
    int dark, light; /* grey of dark and light modules (and the quiet zone) */
    int background;  /* grey of the frame around the code */
    double gradient; /* 0: even light; g: brightness falls to (1 - g) across the frame */
    int blur;        /* box blur radius in pixels, 0 for none */
    int noise;       /* sensor noise: +-noise grey levels, fixed seed */
};

/* The frame for look: the code (4-module quiet zone) centred, each pixel
 * the area-weighted mix of the modules it covers, as a camera sees it. */
static uint8_t *draw(const struct look *k)
{
    struct qrimage *q = NULL;
    struct bk_err err = {0};
    assert_int_equal(qrimage_new(TEXT, &q, &err), BK_OK);
    int n = q->width + 8;
    double side = n * k->module;
    double ox = (k->w - side) / 2, oy = (k->h - side) / 2;
    double *v = calloc((size_t)k->w * (size_t)k->h, sizeof *v);
    assert_non_null(v);
    const int sub = 4; /* 4x4 samples per pixel */
    for (int y = 0; y < k->h; y++)
        for (int x = 0; x < k->w; x++) {
            double sum = 0;
            for (int sy = 0; sy < sub; sy++)
                for (int sx = 0; sx < sub; sx++) {
                    double mx = (x + (sx + 0.5) / sub - ox) / k->module;
                    double my = (y + (sy + 0.5) / sub - oy) / k->module;
                    int g = k->background;
                    if (mx >= 0 && my >= 0 && mx < n && my < n) {
                        int cx = (int)mx - 4, cy = (int)my - 4;
                        bool dark = cx >= 0 && cy >= 0 && cx < q->width && cy < q->width &&
                                    q->modules[cy * q->width + cx];
                        g = dark ? k->dark : k->light;
                    }
                    sum += g;
                }
            double light = 1 - k->gradient * x / (double)(k->w - 1);
            v[(size_t)y * (size_t)k->w + (size_t)x] = sum / (sub * sub) * light;
        }
    uint8_t *px = malloc((size_t)k->w * (size_t)k->h);
    assert_non_null(px);
    int r = k->blur;
    unsigned seed = 7;
    for (int y = 0; y < k->h; y++)
        for (int x = 0; x < k->w; x++) {
            double sum = 0;
            int cnt = 0;
            for (int yy = y - r; yy <= y + r; yy++)
                for (int xx = x - r; xx <= x + r; xx++)
                    if (yy >= 0 && xx >= 0 && yy < k->h && xx < k->w) {
                        sum += v[(size_t)yy * (size_t)k->w + (size_t)xx];
                        cnt++;
                    }
            seed = seed * 1103515245u + 12345u;
            double g = sum / cnt;
            if (k->noise)
                g += (int)((seed >> 16) % (unsigned)(2 * k->noise + 1)) - k->noise;
            px[(size_t)y * (size_t)k->w + (size_t)x] = (uint8_t)fmax(0, fmin(255, lround(g)));
        }
    free(v);
    qrimage_free(q);
    return px;
}

/* Decodes look's frame with every pass and no time limit; returns the pass
 * that read TEXT exactly, 0 when none did. At 640x480 pass 1 is the frame
 * as it is, the single zbar pass the decoder used to make, so a test that
 * wants a later pass shows that one pass is not enough. */
static int read_pass(const struct look *k)
{
    struct scan_decoder *d = NULL;
    struct bk_err err = {0};
    assert_int_equal(scan_decoder_new(&d, &err), BK_OK);
    scan_decoder_set_budget(d, SCAN_PASSES, 0);
    uint8_t *px = draw(k);
    struct scan_results *r = NULL;
    assert_int_equal(scan_decode_grey(d, px, k->w, k->h, k->w, &r, &err), BK_OK);
    int pass = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i].len == strlen(TEXT) && memcmp(r->items[i].data, TEXT, strlen(TEXT)) == 0)
            pass = r->pass;
    scan_results_free(r);
    free(px);
    scan_decoder_free(d);
    return pass;
}

static void test_low_contrast_code_is_read(void **state)
{
    (void)state;
    struct look k = {640, 480, 5, 110, 140, 140, 0, 0, 10};
    assert_true(read_pass(&k) > 1);
}

static void test_light_on_dark_code_is_read(void **state)
{
    (void)state;
    struct look k = {640, 480, 6, 230, 25, 25, 0, 0, 0};
    assert_true(read_pass(&k) > 1);
}

static void test_code_under_strong_gradient_is_read(void **state)
{
    (void)state;
    struct look k = {640, 480, 5, 0, 255, 255, 0.9, 0, 40};
    assert_true(read_pass(&k) > 1);
}

static void test_small_code_in_large_frame_is_read(void **state)
{
    (void)state;
    struct look k = {640, 480, 1.6, 0, 255, 200, 0, 0, 0};
    assert_true(read_pass(&k) > 1);
}

static void test_blurred_code_is_read(void **state)
{
    (void)state;
    struct look k = {640, 480, 5, 20, 235, 235, 0, 3, 0};
    assert_true(read_pass(&k) > 1);
}

/* A dense code held so close that it fills most of the frame: the frame's
 * median block is then code, not room, and the region finder must still
 * see the code standing above the smooth rest (its quiet zone, the frame's
 * border). */
static void test_code_filling_the_frame_is_located(void **state)
{
    (void)state;
    /* Long enough for a code of about 150 modules: 3 pixels a module. */
    char text[2501];
    for (int i = 0; i < 2500; i++)
        text[i] = (char)('A' + (i * 7 + i / 13) % 26);
    text[2500] = '\0';
    struct qrimage *q = NULL;
    struct bk_err err = {0};
    assert_int_equal(qrimage_new(text, &q, &err), BK_OK);
    /* A frame as tall as the code and its quiet zone, grey beside it,
     * softened by a 3x3 mean as a camera's lens would. */
    int w = 640, h = 480;
    double module = (double)h / (q->width + 8);
    uint8_t *sharp = malloc((size_t)w * (size_t)h), *px = malloc((size_t)w * (size_t)h);
    assert_non_null(sharp);
    assert_non_null(px);
    int left = (w - h) / 2;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int mx = (int)((x - left) / module) - 4, my = (int)(y / module) - 4;
            bool in = x >= left && x < left + h;
            bool dark = in && mx >= 0 && my >= 0 && mx < q->width && my < q->width &&
                        q->modules[my * q->width + mx];
            sharp[(size_t)y * (size_t)w + (size_t)x] = !in ? 128 : dark ? 30 : 220;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int sum = 0, n = 0;
            for (int yy = y - 1; yy <= y + 1; yy++)
                for (int xx = x - 1; xx <= x + 1; xx++)
                    if (yy >= 0 && xx >= 0 && yy < h && xx < w) {
                        sum += sharp[(size_t)yy * (size_t)w + (size_t)xx];
                        n++;
                    }
            px[(size_t)y * (size_t)w + (size_t)x] = (uint8_t)(sum / n);
        }
    free(sharp);
    struct scan_plane frame = {px, w, h};
    struct scan_region r[SCAN_MAX_REGIONS];
    int n = scan_locate(&frame, r, SCAN_MAX_REGIONS);
    assert_true(n >= 1);
    /* The first region holds the whole code. */
    int x0 = left + (int)(4 * module), x1 = left + h - (int)(4 * module);
    int y0 = (int)(4 * module), y1 = h - (int)(4 * module);
    assert_true(r[0].x <= x0 && r[0].y <= y0);
    assert_true(r[0].x + r[0].w >= x1 && r[0].y + r[0].h >= y1);
    free(px);
    qrimage_free(q);
}

/* The fast first pass is the one that reads an ordinary code, so a 720p
 * frame costs a quarter of the pixels. */
static void test_plain_code_is_read_by_first_pass(void **state)
{
    (void)state;
    struct look k = {1280, 720, 8, 0, 255, 200, 0, 0, 0};
    assert_int_equal(read_pass(&k), 1);
}

/* A frame without a code runs every pass, and no more than the budget. */
static void test_budget_caps_passes_on_empty_frame(void **state)
{
    (void)state;
    struct scan_decoder *d = NULL;
    struct bk_err err = {0};
    assert_int_equal(scan_decoder_new(&d, &err), BK_OK);
    uint8_t *px = malloc(320 * 240);
    assert_non_null(px);
    memset(px, 200, 320 * 240);
    struct scan_results *r = NULL;
    scan_decoder_set_budget(d, SCAN_PASSES, 0);
    assert_int_equal(scan_decode_grey(d, px, 320, 240, 320, &r, &err), BK_OK);
    assert_int_equal(r->n, 0);
    assert_int_equal(r->pass, 0);
    assert_int_equal(r->passes, SCAN_PASSES);
    scan_results_free(r);
    scan_decoder_set_budget(d, 2, 0);
    assert_int_equal(scan_decode_grey(d, px, 320, 240, 320, &r, &err), BK_OK);
    assert_int_equal(r->passes, 2);
    scan_results_free(r);
    free(px);
    scan_decoder_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_low_contrast_code_is_read),
        cmocka_unit_test(test_light_on_dark_code_is_read),
        cmocka_unit_test(test_code_under_strong_gradient_is_read),
        cmocka_unit_test(test_small_code_in_large_frame_is_read),
        cmocka_unit_test(test_blurred_code_is_read),
        cmocka_unit_test(test_code_filling_the_frame_is_located),
        cmocka_unit_test(test_plain_code_is_read_by_first_pass),
        cmocka_unit_test(test_budget_caps_passes_on_empty_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
