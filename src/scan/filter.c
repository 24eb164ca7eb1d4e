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

struct scan_plane scan_filter_scale(const struct scan_plane *src, double factor)
{
    int w = (int)(src->w * factor), h = (int)(src->h * factor);
    if (w < 1)
        w = 1;
    if (h < 1)
        h = 1;
    struct scan_plane p = plane_new(w, h);
    const uint8_t *s = src->px;
    size_t sw = (size_t)src->w;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            unsigned v;
            if (factor < 1) {
                int x0 = (int)(x / factor), y0 = (int)(y / factor);
                int x1 = (int)ceil((x + 1) / factor), y1 = (int)ceil((y + 1) / factor);
                if (x1 > src->w)
                    x1 = src->w;
                if (y1 > src->h)
                    y1 = src->h;
                unsigned long sum = 0, n = 0;
                for (int yy = y0; yy < y1; yy++)
                    for (int xx = x0; xx < x1; xx++, n++)
                        sum += s[(size_t)yy * sw + (size_t)xx];
                v = n ? (unsigned)((sum + n / 2) / n) : 128;
            } else {
                double fx = fmax(0, (x + 0.5) / factor - 0.5),
                       fy = fmax(0, (y + 0.5) / factor - 0.5);
                int x0 = (int)fx, y0 = (int)fy;
                int x1 = x0 + 1 < src->w ? x0 + 1 : x0, y1 = y0 + 1 < src->h ? y0 + 1 : y0;
                double ax = fx - x0, ay = fy - y0;
                double top = (1 - ax) * s[(size_t)y0 * sw + (size_t)x0] +
                             ax * s[(size_t)y0 * sw + (size_t)x1];
                double bot = (1 - ax) * s[(size_t)y1 * sw + (size_t)x0] +
                             ax * s[(size_t)y1 * sw + (size_t)x1];
                v = (unsigned)lround((1 - ay) * top + ay * bot);
            }
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
    /* 40 megapixels of 255 fit in 64 bits many times over. */
    uint64_t *sat = xcalloc(iw * ((size_t)h + 1), sizeof *sat);
    for (int y = 0; y < h; y++) {
        uint64_t row = 0;
        for (int x = 0; x < w; x++) {
            row += src->px[(size_t)y * (size_t)w + (size_t)x];
            sat[(size_t)(y + 1) * iw + (size_t)x + 1] = sat[(size_t)y * iw + (size_t)x + 1] + row;
        }
    }
    struct scan_plane p = plane_new(w, h);
    for (int y = 0; y < h; y++) {
        int y0 = y - r < 0 ? 0 : y - r, y1 = y + r + 1 > h ? h : y + r + 1;
        for (int x = 0; x < w; x++) {
            int x0 = x - r < 0 ? 0 : x - r, x1 = x + r + 1 > w ? w : x + r + 1;
            uint64_t sum = sat[(size_t)y1 * iw + (size_t)x1] - sat[(size_t)y0 * iw + (size_t)x1] -
                           sat[(size_t)y1 * iw + (size_t)x0] + sat[(size_t)y0 * iw + (size_t)x0];
            uint64_t n = (uint64_t)(x1 - x0) * (uint64_t)(y1 - y0);
            uint64_t v = src->px[(size_t)y * (size_t)w + (size_t)x];
            p.px[(size_t)y * (size_t)w + (size_t)x] =
                v * n * 100 < sum * (uint64_t)(100 - offset_pct) ? 0 : 255;
        }
    }
    free(sat);
    return p;
}

struct scan_plane scan_filter_blur(const struct scan_plane *src)
{
    int w = src->w, h = src->h;
    struct scan_plane p = plane_new(w, h);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            unsigned sum = 0, n = 0;
            for (int yy = y - 1; yy <= y + 1; yy++) {
                if (yy < 0 || yy >= h)
                    continue;
                for (int xx = x - 1; xx <= x + 1; xx++) {
                    if (xx < 0 || xx >= w)
                        continue;
                    sum += src->px[(size_t)yy * (size_t)w + (size_t)xx];
                    n++;
                }
            }
            p.px[(size_t)y * (size_t)w + (size_t)x] = (uint8_t)((sum + n / 2) / n);
        }
    }
    return p;
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
    if (factor < 1) {
        struct scan_plane crop = plane_new(w, h);
        for (int r = 0; r < h; r++)
            memcpy(crop.px + (size_t)r * (size_t)w,
                   src->px + (size_t)(y + r) * (size_t)src->w + (size_t)x, (size_t)w);
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
    /* Column positions and weights are the same on every row. */
    int *cx = xmalloc(sizeof *cx * (size_t)ow * 4);
    double *cw = xmalloc(sizeof *cw * (size_t)ow * 4);
    for (int ox = 0; ox < ow; ox++) {
        double fx = (ox + 0.5) / factor - 0.5;
        int ix = (int)floor(fx);
        cubic_weights(fx - ix, cw + (size_t)ox * 4);
        for (int k = 0; k < 4; k++) {
            int sx = ix - 1 + k;
            sx = sx < 0 ? 0 : sx >= w ? w - 1 : sx;
            cx[(size_t)ox * 4 + (size_t)k] = x + sx;
        }
    }
    for (int oy = 0; oy < oh; oy++) {
        double fy = (oy + 0.5) / factor - 0.5;
        int iy = (int)floor(fy);
        double wy[4];
        cubic_weights(fy - iy, wy);
        const uint8_t *rows[4];
        for (int k = 0; k < 4; k++) {
            int sy = iy - 1 + k;
            sy = sy < 0 ? 0 : sy >= h ? h - 1 : sy;
            rows[k] = src->px + (size_t)(y + sy) * (size_t)src->w;
        }
        uint8_t *out = p.px + (size_t)oy * (size_t)ow;
        for (int ox = 0; ox < ow; ox++) {
            const int *c = cx + (size_t)ox * 4;
            const double *wx = cw + (size_t)ox * 4;
            double v = 0;
            for (int k = 0; k < 4; k++)
                v += wy[k] * (wx[0] * rows[k][c[0]] + wx[1] * rows[k][c[1]] +
                              wx[2] * rows[k][c[2]] + wx[3] * rows[k][c[3]]);
            out[ox] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
        }
    }
    free(cx);
    free(cw);
    return p;
}

struct scan_plane scan_filter_sharpen(const struct scan_plane *src, int amount_pct)
{
    struct scan_plane mean = scan_filter_blur(src);
    struct scan_plane p = plane_new(src->w, src->h);
    size_t n = (size_t)src->w * (size_t)src->h;
    for (size_t i = 0; i < n; i++) {
        int v = src->px[i] + (src->px[i] - mean.px[i]) * amount_pct / 100;
        p.px[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    scan_plane_clear(&mean);
    return p;
}
