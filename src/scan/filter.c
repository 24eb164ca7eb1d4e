/* filter: scaling, inversion, local threshold and blur for the decoder's
 * extra passes (see filter.h). Plain loops over bytes: at a camera's 1280x720
 * each costs well under a millisecond, far less than a zbar pass. */
#include "scan/filter.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static struct scan_plane plane_new(int w, int h)
{
    struct scan_plane p = {xmalloc((size_t)w * (size_t)h), w, h};
    return p;
}

void scan_plane_clear(struct scan_plane *p)
{
    free(p->px);
    p->px = NULL;
    p->w = p->h = 0;
}

struct scan_plane scan_filter_copy(const uint8_t *px, int w, int h, int stride)
{
    struct scan_plane p = plane_new(w, h);
    for (int y = 0; y < h; y++)
        memcpy(p.px + (size_t)y * (size_t)w, px + (size_t)y * (size_t)stride, (size_t)w);
    return p;
}

struct scan_plane scan_filter_halve(const struct scan_plane *src)
{
    int w = src->w / 2, h = src->h / 2;
    struct scan_plane p = plane_new(w, h);
    size_t sw = (size_t)src->w;
    for (int y = 0; y < h; y++) {
        const uint8_t *r0 = src->px + (size_t)(2 * y) * sw, *r1 = r0 + sw;
        uint8_t *out = p.px + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++)
            out[x] = (uint8_t)((r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1] + 2) / 4);
    }
    return p;
}

/* Shrinks by factor < 1, each pixel the mean of the source pixels its
 * footprint touches; the footprints' columns are worked out once. */
static struct scan_plane shrink(const struct scan_plane *src, double factor, int w, int h)
{
    struct scan_plane p = plane_new(w, h);
    int *cx = xmalloc(sizeof *cx * 2 * (size_t)w);
    for (int x = 0; x < w; x++) {
        int x0 = (int)(x / factor), x1 = (int)ceil((x + 1) / factor);
        cx[2 * x] = x0 < src->w ? x0 : src->w - 1;
        cx[2 * x + 1] = x1 > src->w ? src->w : x1;
    }
    unsigned long *col = xmalloc(sizeof *col * (size_t)src->w);
    size_t sw = (size_t)src->w;
    for (int y = 0; y < h; y++) {
        int y0 = (int)(y / factor), y1 = (int)ceil((y + 1) / factor);
        if (y0 >= src->h)
            y0 = src->h - 1;
        if (y1 > src->h)
            y1 = src->h;
        /* Column sums over the footprint's rows, then spans of them. */
        memset(col, 0, sizeof *col * sw);
        for (int yy = y0; yy < y1; yy++) {
            const uint8_t *row = src->px + (size_t)yy * sw;
            for (size_t x = 0; x < sw; x++)
                col[x] += row[x];
        }
        unsigned long rows = (unsigned long)(y1 - y0);
        uint8_t *out = p.px + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++) {
            unsigned long sum = 0;
            for (int xx = cx[2 * x]; xx < cx[2 * x + 1]; xx++)
                sum += col[xx];
            unsigned long n = rows * (unsigned long)(cx[2 * x + 1] - cx[2 * x]);
            out[x] = (uint8_t)(n ? (sum + n / 2) / n : 128);
        }
    }
    free(col);
    free(cx);
    return p;
}

struct scan_plane scan_filter_scale(const struct scan_plane *src, double factor)
{
    int w = (int)(src->w * factor), h = (int)(src->h * factor);
    if (w < 1)
        w = 1;
    if (h < 1)
        h = 1;
    if (factor < 1)
        return shrink(src, factor, w, h);
    struct scan_plane p = plane_new(w, h);
    const uint8_t *s = src->px;
    size_t sw = (size_t)src->w;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            double fx = fmax(0, (x + 0.5) / factor - 0.5), fy = fmax(0, (y + 0.5) / factor - 0.5);
            int x0 = (int)fx, y0 = (int)fy;
            int x1 = x0 + 1 < src->w ? x0 + 1 : x0, y1 = y0 + 1 < src->h ? y0 + 1 : y0;
            double ax = fx - x0, ay = fy - y0;
            double top =
                (1 - ax) * s[(size_t)y0 * sw + (size_t)x0] + ax * s[(size_t)y0 * sw + (size_t)x1];
            double bot =
                (1 - ax) * s[(size_t)y1 * sw + (size_t)x0] + ax * s[(size_t)y1 * sw + (size_t)x1];
            unsigned v = (unsigned)lround((1 - ay) * top + ay * bot);
            p.px[(size_t)y * (size_t)w + (size_t)x] = (uint8_t)(v > 255 ? 255 : v);
        }
    }
    return p;
}

struct scan_plane scan_filter_invert(const struct scan_plane *src)
{
    struct scan_plane p = plane_new(src->w, src->h);
    size_t n = (size_t)src->w * (size_t)src->h;
    for (size_t i = 0; i < n; i++)
        p.px[i] = (uint8_t)(255 - src->px[i]);
    return p;
}

struct scan_plane scan_filter_threshold(const struct scan_plane *src, int r, int offset_pct)
{
    int w = src->w, h = src->h;
    size_t iw = (size_t)w + 1;
    /* A summed-area table in 32 bits that may wrap: a window's sum is a
     * difference of four entries, exact modulo 2^32, and no window of
     * 255s comes near 2^32, so the wrapped arithmetic gives it exactly. */
    uint32_t *sat = xcalloc(iw * ((size_t)h + 1), sizeof *sat);
    for (int y = 0; y < h; y++) {
        uint32_t row = 0;
        const uint8_t *in = src->px + (size_t)y * (size_t)w;
        const uint32_t *above = sat + (size_t)y * iw + 1;
        uint32_t *cur = sat + (size_t)(y + 1) * iw + 1;
        for (int x = 0; x < w; x++) {
            row += in[x];
            cur[x] = above[x] + row;
        }
    }
    struct scan_plane p = plane_new(w, h);
    uint64_t keep = (uint64_t)(100 - offset_pct);
    for (int y = 0; y < h; y++) {
        int y0 = y - r < 0 ? 0 : y - r, y1 = y + r + 1 > h ? h : y + r + 1;
        const uint32_t *top = sat + (size_t)y0 * iw, *bottom = sat + (size_t)y1 * iw;
        const uint8_t *in = src->px + (size_t)y * (size_t)w;
        uint8_t *out = p.px + (size_t)y * (size_t)w;
        /* Where the window lies wholly inside the row, its size is fixed. */
        int inner0 = r < w ? r : w, inner1 = w - r - 1 > inner0 ? w - r - 1 : inner0;
        uint64_t n_inner = (uint64_t)(2 * r + 1) * (uint64_t)(y1 - y0) * 100;
        for (int x = 0; x < w; x++) {
            if (x == inner0) {
                for (; x < inner1; x++) {
                    uint32_t sum = bottom[x + r + 1] - top[x + r + 1] - bottom[x - r] + top[x - r];
                    out[x] = in[x] * n_inner < sum * keep ? 0 : 255;
                }
                if (x >= w)
                    break;
            }
            int x0 = x - r < 0 ? 0 : x - r, x1 = x + r + 1 > w ? w : x + r + 1;
            uint32_t sum = bottom[x1] - top[x1] - bottom[x0] + top[x0];
            uint64_t n = (uint64_t)(x1 - x0) * (uint64_t)(y1 - y0);
            out[x] = (uint64_t)in[x] * n * 100 < (uint64_t)sum * keep ? 0 : 255;
        }
    }
    free(sat);
    return p;
}

/* Sums of the 3x3 window around each pixel of row y (cut at the image's
 * edges) into sum, and how many pixels each holds into n. */
static void box3_row(const struct scan_plane *src, int y, unsigned *col, unsigned *sum, unsigned *n)
{
    int w = src->w, h = src->h;
    int y0 = y > 0 ? y - 1 : y, y1 = y + 1 < h ? y + 1 : y;
    const uint8_t *r0 = src->px + (size_t)y0 * (size_t)w, *r1 = src->px + (size_t)y * (size_t)w;
    const uint8_t *r2 = src->px + (size_t)y1 * (size_t)w;
    unsigned rows = (unsigned)(y1 - y0 + 1);
    for (int x = 0; x < w; x++)
        col[x] = (unsigned)r1[x] + (y0 < y ? r0[x] : 0u) + (y1 > y ? r2[x] : 0u);
    for (int x = 0; x < w; x++) {
        sum[x] = col[x] + (x > 0 ? col[x - 1] : 0u) + (x + 1 < w ? col[x + 1] : 0u);
        n[x] = rows * (unsigned)(1 + (x > 0) + (x + 1 < w));
    }
}

struct scan_plane scan_filter_blur(const struct scan_plane *src)
{
    /* v + (v - mean) * -1 is the mean: an unsharp mask at -100% blurs. */
    return scan_filter_sharpen(src, -100);
}

/* Catmull-Rom weights for the four samples around a point t in [0, 1). */
static void cubic_weights(double t, double w[4])
{
    double t2 = t * t, t3 = t2 * t;
    w[0] = (-t3 + 2 * t2 - t) / 2;
    w[1] = (3 * t3 - 5 * t2 + 2) / 2;
    w[2] = (-3 * t3 + 4 * t2 + t) / 2;
    w[3] = (t3 - t2) / 2;
}

struct scan_plane scan_filter_crop_scale(const struct scan_plane *src, int x, int y, int w, int h,
                                         double factor)
{
    if (factor <= 1) {
        struct scan_plane crop = plane_new(w, h);
        for (int r = 0; r < h; r++)
            memcpy(crop.px + (size_t)r * (size_t)w,
                   src->px + (size_t)(y + r) * (size_t)src->w + (size_t)x, (size_t)w);
        if (factor == 1)
            return crop;
        struct scan_plane p = scan_filter_scale(&crop, factor);
        scan_plane_clear(&crop);
        return p;
    }
    int ow = (int)(w * factor), oh = (int)(h * factor);
    if (ow < 1)
        ow = 1;
    if (oh < 1)
        oh = 1;
    struct scan_plane p = plane_new(ow, oh);
    /* Separable: every source row of the rectangle is first scaled along
     * x (column positions and weights are the same on every row), then
     * each output pixel mixes four of those rows. */
    int *cx = xmalloc(sizeof *cx * (size_t)ow * 4);
    float *cw = xmalloc(sizeof *cw * (size_t)ow * 4);
    for (int ox = 0; ox < ow; ox++) {
        double fx = (ox + 0.5) / factor - 0.5;
        int ix = (int)floor(fx);
        double wt[4];
        cubic_weights(fx - ix, wt);
        for (int k = 0; k < 4; k++) {
            int sx = ix - 1 + k;
            sx = sx < 0 ? 0 : sx >= w ? w - 1 : sx;
            cx[(size_t)ox * 4 + (size_t)k] = x + sx;
            cw[(size_t)ox * 4 + (size_t)k] = (float)wt[k];
        }
    }
    float *rows = xmalloc(sizeof *rows * (size_t)ow * (size_t)h);
    for (int r = 0; r < h; r++) {
        const uint8_t *in = src->px + (size_t)(y + r) * (size_t)src->w;
        float *out = rows + (size_t)r * (size_t)ow;
        for (int ox = 0; ox < ow; ox++) {
            const int *c = cx + (size_t)ox * 4;
            const float *wx = cw + (size_t)ox * 4;
            out[ox] = wx[0] * in[c[0]] + wx[1] * in[c[1]] + wx[2] * in[c[2]] + wx[3] * in[c[3]];
        }
    }
    for (int oy = 0; oy < oh; oy++) {
        double fy = (oy + 0.5) / factor - 0.5;
        int iy = (int)floor(fy);
        double wy[4];
        cubic_weights(fy - iy, wy);
        const float *rk[4];
        for (int k = 0; k < 4; k++) {
            int sy = iy - 1 + k;
            sy = sy < 0 ? 0 : sy >= h ? h - 1 : sy;
            rk[k] = rows + (size_t)sy * (size_t)ow;
        }
        float w0 = (float)wy[0], w1 = (float)wy[1], w2 = (float)wy[2], w3 = (float)wy[3];
        uint8_t *out = p.px + (size_t)oy * (size_t)ow;
        for (int ox = 0; ox < ow; ox++) {
            float v = w0 * rk[0][ox] + w1 * rk[1][ox] + w2 * rk[2][ox] + w3 * rk[3][ox];
            out[ox] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5f);
        }
    }
    free(rows);
    free(cx);
    free(cw);
    return p;
}

struct scan_plane scan_filter_sharpen(const struct scan_plane *src, int amount_pct)
{
    int w = src->w, h = src->h;
    struct scan_plane p = plane_new(w, h);
    unsigned *buf = xmalloc(sizeof *buf * 3 * (size_t)w);
    unsigned *col = buf, *sum = buf + w, *n = buf + 2 * (size_t)w;
    for (int y = 0; y < h; y++) {
        box3_row(src, y, col, sum, n);
        const uint8_t *in = src->px + (size_t)y * (size_t)w;
        uint8_t *out = p.px + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++) {
            /* v + amount * (v - mean), the mean rounded as blur's is. */
            int mean = (int)(n[x] == 9 ? (sum[x] + 4) / 9 : (sum[x] + n[x] / 2) / n[x]);
            int v = in[x] + (in[x] - mean) * amount_pct / 100;
            out[x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    free(buf);
    return p;
}
