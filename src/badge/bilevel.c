/* bilevel: logos into black and white, and the measure of loose dots. */
#include "badge/bilevel.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* Colours are binned at 4 bits a channel: a flat colour and its slight
 * variations (a PNG's compression, the scaler's rounding) share a bin. */
#define BIN_COUNT 4096
/* Line art: a few exact colours (the flat areas; a box filter leaves a flat
 * area's colour exact) cover most of the picture. In a photograph or a
 * gradient, no few exact colours do. */
#define PALETTE_MAX 12
#define LINE_ART_SHARE 0.50
/* A flat colour of its own covers at least this share; rarer bins are the
 * anti-aliased edges between flat colours and take the nearest one. */
#define FLAT_SHARE 0.02
/* Lighter than this (Rec. 601 luma, 0-255) is white paper. */
#define INK_BELOW 140

static int bin_of(const uint8_t *p)
{
    return (p[0] >> 4) << 8 | (p[1] >> 4) << 4 | p[2] >> 4;
}

static int luma(const uint8_t *p)
{
    return (299 * p[0] + 587 * p[1] + 114 * p[2] + 500) / 1000;
}

static void set_ink(uint8_t *p, bool black)
{
    memset(p, black ? 0 : 255, 3);
}

struct palette {
    int n;
    int rgb[PALETTE_MAX][3];
    bool black[PALETTE_MAX];
};

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Whether the PALETTE_MAX most common exact colours cover LINE_ART_SHARE. */
static bool is_line_art(const uint8_t *rgb, int w, int h, size_t stride)
{
    size_t n = (size_t)w * (size_t)h, k = 0;
    uint32_t *c = xmalloc(n * sizeof *c);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const uint8_t *p = rgb + (size_t)y * stride + (size_t)x * 3;
            c[k++] = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        }
    qsort(c, n, sizeof *c, cmp_u32);
    size_t top[PALETTE_MAX] = {0};
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && c[j] == c[i])
            j++;
        size_t run = j - i;
        for (int t = 0; t < PALETTE_MAX; t++)
            if (run > top[t]) {
                memmove(top + t + 1, top + t, (size_t)(PALETTE_MAX - 1 - t) * sizeof *top);
                top[t] = run;
                break;
            }
        i = j;
    }
    free(c);
    size_t covered = 0;
    for (int t = 0; t < PALETTE_MAX; t++)
        covered += top[t];
    return (double)covered >= LINE_ART_SHARE * (double)n;
}

/* The flat colours: the most common bins (mean colour of each) that cover
 * at least FLAT_SHARE (at least two). */
static void find_palette(const uint8_t *rgb, int w, int h, size_t stride, struct palette *pal)
{
    long *count = xcalloc(BIN_COUNT, sizeof *count);
    long(*sum)[3] = xcalloc(BIN_COUNT, sizeof *sum);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const uint8_t *p = rgb + (size_t)y * stride + (size_t)x * 3;
            int b = bin_of(p);
            count[b]++;
            for (int c = 0; c < 3; c++)
                sum[b][c] += p[c];
        }
    long flat_min = (long)(FLAT_SHARE * (double)w * (double)h);
    pal->n = 0;
    for (int k = 0; k < PALETTE_MAX; k++) {
        int best = -1;
        for (int b = 0; b < BIN_COUNT; b++)
            if (count[b] > 0 && (best < 0 || count[b] > count[best]))
                best = b;
        if (best < 0)
            break;
        if (count[best] < flat_min && pal->n >= 2) {
            count[best] = 0;
            continue;
        }
        for (int c = 0; c < 3; c++)
            pal->rgb[pal->n][c] = (int)(sum[best][c] / count[best]);
        uint8_t mean[3] = {(uint8_t)pal->rgb[pal->n][0], (uint8_t)pal->rgb[pal->n][1],
                           (uint8_t)pal->rgb[pal->n][2]};
        pal->black[pal->n] = luma(mean) < INK_BELOW;
        pal->n++;
        count[best] = 0;
    }
    free(count);
    free(sum);
}

/* The nearest flat colour; *pure when the pixel is that colour (not an
 * anti-aliased blend between two). */
static int nearest(const struct palette *pal, const uint8_t *p, bool *pure)
{
    int best = 0;
    long best_d = -1;
    for (int i = 0; i < pal->n; i++) {
        long d = 0;
        for (int c = 0; c < 3; c++) {
            long e = p[c] - pal->rgb[i][c];
            d += e * e;
        }
        if (best_d < 0 || d < best_d)
            best = i, best_d = d;
    }
    *pure = best_d <= 3 * 24 * 24;
    return best;
}

/* The flat colour beside a pixel, step (one pixel left or up) away, or
 * across one blended pixel when the next one is a blend; -1 for none. */
static int flat_beside(const int *label, const bool *pure, size_t i, size_t step, int dist)
{
    if (dist >= 1 && pure[i - step])
        return label[i - step];
    if (dist >= 2 && pure[i - 2 * step])
        return label[i - 2 * step];
    return -1;
}

/* Each pixel takes its nearest flat colour's ink. Where one flat colour
 * meets another (side by side, or across a blended pixel) and both would
 * print alike, the pixel takes the other ink, so neighbouring shapes (the
 * faces of a cube) keep a thin edge between them instead of merging. */
static void line_art(uint8_t *rgb, int w, int h, size_t stride, const struct palette *pal)
{
    size_t n = (size_t)w * (size_t)h;
    int *label = xmalloc(n * sizeof *label);
    bool *pure = xmalloc(n * sizeof *pure);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * (size_t)w + (size_t)x;
            label[i] = nearest(pal, rgb + (size_t)y * stride + (size_t)x * 3, &pure[i]);
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * (size_t)w + (size_t)x;
            int l = label[i];
            bool black = pal->black[l];
            if (pure[i]) {
                int left = flat_beside(label, pure, i, 1, x);
                int up = flat_beside(label, pure, i, (size_t)w, y);
                if ((left >= 0 && left != l && pal->black[left] == black) ||
                    (up >= 0 && up != l && pal->black[up] == black))
                    black = !black;
            }
            set_ink(rgb + (size_t)y * stride + (size_t)x * 3, black);
        }
    free(label);
    free(pure);
}

/* Floyd and Steinberg's error diffusion on lightness. */
static void photograph(uint8_t *rgb, int w, int h, size_t stride)
{
    int *err = xcalloc((size_t)(w + 2) * 2, sizeof *err);
    int *cur = err + 1, *next = err + (w + 2) + 1;
    for (int y = 0; y < h; y++) {
        memset(next - 1, 0, (size_t)(w + 2) * sizeof *next);
        for (int x = 0; x < w; x++) {
            uint8_t *p = rgb + (size_t)y * stride + (size_t)x * 3;
            int v = luma(p) + cur[x] / 16;
            bool black = v < 128;
            int e = v - (black ? 0 : 255);
            cur[x + 1] += e * 7;
            next[x - 1] += e * 3;
            next[x] += e * 5;
            next[x + 1] += e;
            set_ink(p, black);
        }
        int *t = cur;
        cur = next;
        next = t;
    }
    free(err);
}

bool bilevel_logo(uint8_t *rgb, int width, int height, size_t stride)
{
    if (width < 1 || height < 1)
        return false;
    if (is_line_art(rgb, width, height, stride)) {
        struct palette pal;
        find_palette(rgb, width, height, stride, &pal);
        line_art(rgb, width, height, stride, &pal);
        return false;
    }
    photograph(rgb, width, height, stride);
    return true;
}

double bilevel_isolated_share(const uint8_t *grey, int width, int height, size_t stride)
{
    long black = 0, alone = 0;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            if (grey[(size_t)y * stride + (size_t)x] >= 128)
                continue;
            black++;
            bool neighbour = false;
            for (int dy = -1; dy <= 1 && !neighbour; dy++)
                for (int dx = -1; dx <= 1 && !neighbour; dx++) {
                    int nx = x + dx, ny = y + dy;
                    if ((dx || dy) && nx >= 0 && ny >= 0 && nx < width && ny < height &&
                        grey[(size_t)ny * stride + (size_t)nx] < 128)
                        neighbour = true;
                }
            alone += !neighbour;
        }
    return black ? (double)alone / (double)black : 0.0;
}
