/* locate: candidate code regions from an edge-density map; see locate.h. */
#include "scan/locate.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define BLOCK 8
#define MAX_COMPONENTS 64

/* The block grid's scores: the weaker of the mean absolute horizontal and
 * vertical differences, in grey levels per pixel. */
static float *block_scores(const struct scan_plane *p, int bw, int bh)
{
    float *gx = xcalloc((size_t)bw * (size_t)bh, sizeof *gx);
    float *gy = xcalloc((size_t)bw * (size_t)bh, sizeof *gy);
    int w = p->w;
    for (int y = 0; y < bh * BLOCK; y++) {
        const uint8_t *row = p->px + (size_t)y * (size_t)w;
        const uint8_t *below = y + 1 < p->h ? row + w : row;
        float *bx = gx + (size_t)(y / BLOCK) * (size_t)bw, *by = gy + (size_t)(y / BLOCK) * (size_t)bw;
        for (int b = 0; b < bw; b++) {
            unsigned sx = 0, sy = 0;
            int x0 = b * BLOCK;
            for (int x = x0; x < x0 + BLOCK; x++) {
                int right = x + 1 < w ? row[x + 1] : row[x];
                sx += (unsigned)abs(right - row[x]);
                sy += (unsigned)abs(below[x] - row[x]);
            }
            bx[b] += (float)sx;
            by[b] += (float)sy;
        }
    }
    for (size_t i = 0; i < (size_t)bw * (size_t)bh; i++)
        gx[i] = fminf(gx[i], gy[i]) / (BLOCK * BLOCK);
    free(gy);
    return gx;
}

/* The k-th smallest of v[0..n-1] (v is reordered), by Hoare's selection:
 * a frame's order statistics without sorting its thirty thousand blocks. */
static float select_kth(float *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        float pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                float t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return v[k];
}

struct component {
    int x0, y0, x1, y1; /* blocks, inclusive */
    int n;
    double sum;
};

/* Pixels per module from how often the region's rows and columns cross
 * between dark and light: in a QR code's random data a run is two modules
 * long on average. Each line is compared with its own running mean over a
 * few pixels (so a glare spot or a gradient does not hide crossings), with
 * a little hysteresis against noise; a blurred 2-pixel module still swings
 * well across its neighbourhood's mean. */
static double estimate_module(const struct scan_plane *p, int x0, int y0, int x1, int y1)
{
    double dev = 0, sum = 0;
    long n = 0;
    for (int y = y0; y < y1; y += 2)
        for (int x = x0; x < x1; x += 2, n++)
            sum += p->px[(size_t)y * (size_t)p->w + (size_t)x];
    if (n == 0)
        return 0;
    double mean = sum / n;
    for (int y = y0; y < y1; y += 2)
        for (int x = x0; x < x1; x += 2)
            dev += fabs(p->px[(size_t)y * (size_t)p->w + (size_t)x] - mean);
    dev /= n;
    double band = dev * 0.12;
    enum { HALF = 6 }; /* running mean over 13 pixels */
    long crossings = 0, length = 0;
    for (int pass = 0; pass < 2; pass++) {
        int outer0 = pass ? x0 : y0, outer1 = pass ? x1 : y1;
        int inner0 = pass ? y0 : x0, inner1 = pass ? y1 : x1;
        if (inner1 - inner0 <= 2 * HALF + 1)
            continue;
        size_t step = pass ? (size_t)p->w : 1;
        for (int o = outer0; o < outer1; o += 3) {
            const uint8_t *line =
                p->px + (pass ? (size_t)o : (size_t)o * (size_t)p->w) + (size_t)inner0 * step;
            int len = inner1 - inner0;
            long run = 0;
            for (int i = 0; i <= 2 * HALF; i++)
                run += line[(size_t)i * step];
            int state = 0;
            for (int i = HALF; i < len - HALF - 1; i++) {
                double v = line[(size_t)i * step] - run / (2.0 * HALF + 1);
                int now = v > band ? 1 : v < -band ? -1 : state;
                if (state && now != state)
                    crossings++;
                state = now;
                run += line[(size_t)(i + HALF + 1) * step] - line[(size_t)(i - HALF) * step];
            }
            length += len - 2 * HALF - 1;
        }
    }
    if (crossings < 8)
        return 0;
    return (double)length / (double)crossings / 2.0;
}

/* The connected groups of blocks scoring above threshold that could be a
 * code, into comp (at most MAX_COMPONENTS, the strongest kept); returns
 * how many. */
static int find_components(const float *score, int bw, int bh, float threshold, float floor_score,
                           struct component *comp)
{
    size_t nb = (size_t)bw * (size_t)bh;
    uint8_t *mask = xcalloc(nb, 1);
    for (size_t i = 0; i < nb; i++)
        mask[i] = score[i] > threshold;
    /* Close one-block gaps (a finder pattern's light ring, a glare spot's
     * weak blocks) so a code is one region. */
    uint8_t *grown = xcalloc(nb, 1);
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++) {
            if (!mask[(size_t)y * bw + x])
                continue;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int yy = y + dy, xx = x + dx;
                    if (yy >= 0 && yy < bh && xx >= 0 && xx < bw)
                        grown[(size_t)yy * bw + xx] = 1;
                }
        }
    /* Connected regions of the grown mask, by flood fill. */
    int *stack = xmalloc(nb * sizeof *stack);
    int n_comp = 0;
    for (size_t start = 0; start < nb; start++) {
        if (grown[start] != 1)
            continue;
        struct component c = {bw, bh, -1, -1, 0, 0};
        int sp = 0;
        stack[sp++] = (int)start;
        grown[start] = 2;
        while (sp) {
            int i = stack[--sp];
            int x = i % bw, y = i / bw;
            if (mask[i]) {
                c.n++;
                c.sum += score[i] - floor_score;
            }
            c.x0 = x < c.x0 ? x : c.x0, c.x1 = x > c.x1 ? x : c.x1;
            c.y0 = y < c.y0 ? y : c.y0, c.y1 = y > c.y1 ? y : c.y1;
            static const int d[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
            for (int k = 0; k < 4; k++) {
                int xx = x + d[k][0], yy = y + d[k][1];
                if (xx < 0 || yy < 0 || xx >= bw || yy >= bh)
                    continue;
                int j = yy * bw + xx;
                if (grown[j] == 1) {
                    grown[j] = 2;
                    stack[sp++] = j;
                }
            }
        }
        /* A code is at least 21 modules of at least 1.5 pixels, about 4x4
         * blocks, and not a long thin strip (a line of print, a shelf). */
        int cw = c.x1 - c.x0 + 1, ch = c.y1 - c.y0 + 1;
        if (c.n < 9 || cw < 3 || ch < 3 || cw > 4 * ch || ch > 4 * cw)
            continue;
        if (n_comp < MAX_COMPONENTS) {
            comp[n_comp++] = c;
        } else {
            int worst = 0;
            for (int k = 1; k < n_comp; k++)
                if (comp[k].sum < comp[worst].sum)
                    worst = k;
            if (c.sum > comp[worst].sum)
                comp[worst] = c;
        }
    }
    free(stack);
    free(grown);
    free(mask);
    return n_comp;
}

int scan_locate(const struct scan_plane *frame, struct scan_region *out, int max)
{
    int bw = frame->w / BLOCK, bh = frame->h / BLOCK;
    if (bw < 3 || bh < 3 || max <= 0)
        return 0;
    size_t nb = (size_t)bw * (size_t)bh;
    float *score = block_scores(frame, bw, bh);
    float *sorted = xmalloc(nb * sizeof *sorted);
    memcpy(sorted, score, nb * sizeof *sorted);
    /* The floor: most of a frame is not code, so its median block is the
     * room plus the sensor's noise. */
    float floor_score = select_kth(sorted, nb, nb / 2);
    float top = select_kth(sorted, nb, nb - 1 - nb / 200);
    float threshold = fmaxf(floor_score * 1.6f + 2.0f, top * 0.25f);
    struct component comp[MAX_COMPONENTS];
    int n_comp = find_components(score, bw, bh, threshold, floor_score, comp);
    if (n_comp == 0) {
        /* Unless the code fills most of the frame (held close, or a
         * picture of a code alone): then the median block is code, and
         * nothing stands above it. If a tenth of the frame is clearly
         * smoother than the edgiest blocks, those are the room; take
         * what stands well above it. */
        float smooth = select_kth(sorted, nb, nb / 10);
        float close = fmaxf(smooth * 1.6f + 2.0f, top * 0.5f);
        if (close < threshold) {
            floor_score = smooth;
            n_comp = find_components(score, bw, bh, close, floor_score, comp);
        }
    }
    free(sorted);
    free(score);
    /* Likeliest first. */
    for (int i = 1; i < n_comp; i++)
        for (int j = i; j > 0 && comp[j].sum > comp[j - 1].sum; j--) {
            struct component t = comp[j];
            comp[j] = comp[j - 1];
            comp[j - 1] = t;
        }
    int n = 0;
    for (int i = 0; i < n_comp && n < max; i++) {
        const struct component *c = &comp[i];
        int x0 = c->x0 * BLOCK, y0 = c->y0 * BLOCK;
        int x1 = (c->x1 + 1) * BLOCK, y1 = (c->y1 + 1) * BLOCK;
        if (x1 > frame->w)
            x1 = frame->w;
        if (y1 > frame->h)
            y1 = frame->h;
        struct scan_region *r = &out[n++];
        r->module = estimate_module(frame, x0, y0, x1, y1);
        r->score = c->sum;
        /* Room for the quiet zone (the grown mask already gave a block). */
        int mx = (x1 - x0) / 8 + BLOCK, my = (y1 - y0) / 8 + BLOCK;
        x0 = x0 - mx < 0 ? 0 : x0 - mx, y0 = y0 - my < 0 ? 0 : y0 - my;
        x1 = x1 + mx > frame->w ? frame->w : x1 + mx, y1 = y1 + my > frame->h ? frame->h : y1 + my;
        r->x = x0, r->y = y0, r->w = x1 - x0, r->h = y1 - y0;
    }
    return n;
}
