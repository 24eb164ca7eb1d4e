/* qrframes: kiosk-like frames from a seed; see qrframes.h. */
#include "qrframes.h"

#include <math.h>
#include <qrencode.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- a random generator of our own (splitmix64), the same everywhere ---- */

static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s, double lo, double hi)
{
    return lo + (hi - lo) * (double)(next_u64(s) >> 11) / 9007199254740992.0;
}

static double gaussian(uint64_t *s)
{
    double u1 = uniform(s, 1e-12, 1), u2 = uniform(s, 0, 1);
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static uint64_t hash_text(const char *t)
{
    uint64_t h = 1469598103934665603ull;
    for (; *t; t++)
        h = (h ^ (unsigned char)*t) * 1099511628211ull;
    return h;
}

/* ---- geometry: the code's plane to the image and back ---- */

struct homography {
    double m[9];
};

static void apply(const struct homography *hm, double x, double y, double *ox, double *oy,
                  double *oz)
{
    const double *m = hm->m;
    *ox = m[0] * x + m[1] * y + m[2];
    *oy = m[3] * x + m[4] * y + m[5];
    *oz = m[6] * x + m[7] * y + m[8];
}

static struct homography invert(const struct homography *hm)
{
    const double *a = hm->m;
    struct homography r;
    double *b = r.m;
    b[0] = a[4] * a[8] - a[5] * a[7];
    b[1] = a[2] * a[7] - a[1] * a[8];
    b[2] = a[1] * a[5] - a[2] * a[4];
    b[3] = a[5] * a[6] - a[3] * a[8];
    b[4] = a[0] * a[8] - a[2] * a[6];
    b[5] = a[2] * a[3] - a[0] * a[5];
    b[6] = a[3] * a[7] - a[4] * a[6];
    b[7] = a[1] * a[6] - a[0] * a[7];
    b[8] = a[0] * a[4] - a[1] * a[3];
    return r;
}

/* The plane (pixels at the code's centre, origin there) to the image: turn
 * by angle, tilt by tilt about an in-plane axis at tilt_axis, then a pinhole
 * camera of focal length f at distance f, so scale is 1 at the centre. */
static struct homography plane_to_image(const struct qrf_look *k)
{
    double f = k->w;
    double th = k->angle * M_PI / 180, ph = k->tilt_axis * M_PI / 180, tau = k->tilt * M_PI / 180;
    double rz[9] = {cos(th), -sin(th), 0, sin(th), cos(th), 0, 0, 0, 1};
    /* Rodrigues: rotation by tau about the unit axis (cos ph, sin ph, 0). */
    double ux = cos(ph), uy = sin(ph), c = cos(tau), s = sin(tau), C = 1 - c;
    double rt[9] = {c + ux * ux * C, ux * uy * C,     uy * s,   ux * uy * C, c + uy * uy * C,
                    -ux * s,         -uy * s,         ux * s,   c};
    double r[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            r[i * 3 + j] = 0;
            for (int q = 0; q < 3; q++)
                r[i * 3 + j] += rt[i * 3 + q] * rz[q * 3 + j];
        }
    /* [r1 r2 t] with t = (0, 0, f), then K = [f 0 cx; 0 f cy; 0 0 1]. */
    double cx = k->cx * k->w, cy = k->cy * k->h;
    double p[9] = {r[0], r[1], 0, r[3], r[4], 0, r[6], r[7], f};
    struct homography hm;
    for (int j = 0; j < 3; j++) {
        hm.m[0 + j] = f * p[0 + j] + cx * p[6 + j];
        hm.m[3 + j] = f * p[3 + j] + cy * p[6 + j];
        hm.m[6 + j] = p[6 + j];
    }
    return hm;
}

/* ---- what lies on the plane ---- */

struct scene {
    const QRcode *qr;
    int n;                 /* modules per side with the quiet zone */
    double half;           /* n / 2 */
    enum qrf_medium medium;
    double mx0, mx1, my0, my1; /* the medium's extent, modules from the centre */
    double bz;                 /* bezel width, modules */
    int dark, light;
    uint64_t lines_seed;
};

/* The grey at plane point (a, b) in modules from the code's centre, or -1
 * where the plane holds nothing (the background shows). */
static double plane_grey(const struct scene *sc, double a, double b)
{
    if (fabs(a) < sc->half && fabs(b) < sc->half) {
        int mx = (int)floor(a + sc->half) - 4, my = (int)floor(b + sc->half) - 4;
        int w = sc->qr->width;
        bool dark = mx >= 0 && my >= 0 && mx < w && my < w && (sc->qr->data[my * w + mx] & 1);
        return dark ? sc->dark : sc->light;
    }
    if (sc->medium == QRF_BARE || a < sc->mx0 || a > sc->mx1 || b < sc->my0 || b > sc->my1)
        return -1;
    if (sc->medium == QRF_SCREEN) {
        bool bezel = a < sc->mx0 + sc->bz || a > sc->mx1 - sc->bz || b < sc->my0 + sc->bz ||
                     b > sc->my1 - sc->bz;
        return bezel ? 22 : sc->light;
    }
    /* Paper: lines of print below the code, words of random length. */
    if (b > sc->half + 1.5 && b < sc->my1 - 2 && a > sc->mx0 + 2 && a < sc->mx1 - 2) {
        double line = (b - sc->half - 1.5) / 2.2;
        double in_line = line - floor(line);
        if (in_line < 0.45) {
            uint64_t s = sc->lines_seed ^ (uint64_t)(int64_t)floor(line) * 0x9e37ull;
            double pos = a - sc->mx0;
            double word_at = 0;
            while (word_at < pos) {
                double len = uniform(&s, 1.5, 6), gap = uniform(&s, 0.6, 1.2);
                if (pos < word_at + len)
                    return sc->dark + 20;
                word_at += len + gap;
            }
        }
    }
    return sc->light;
}

/* A room behind the code: a lit wall, furniture and people as flat shapes. */
static void draw_background(double *v, int w, int h, uint64_t *s)
{
    double g0 = uniform(s, 80, 170), gx = uniform(s, -40, 40), gy = uniform(s, -40, 40);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            v[(size_t)y * w + x] = g0 + gx * x / w + gy * y / h;
    int shapes = 6 + (int)uniform(s, 0, 8);
    for (int i = 0; i < shapes; i++) {
        int x0 = (int)(uniform(s, -0.2, 1) * w), y0 = (int)(uniform(s, -0.2, 1) * h);
        int x1 = x0 + (int)(uniform(s, 0.05, 0.5) * w), y1 = y0 + (int)(uniform(s, 0.05, 0.6) * h);
        double g = uniform(s, 15, 235);
        for (int y = y0 < 0 ? 0 : y0; y < y1 && y < h; y++)
            for (int x = x0 < 0 ? 0 : x0; x < x1 && x < w; x++)
                v[(size_t)y * w + x] = g;
    }
}

/* Separable Gaussian blur of sigma pixels, in place. */
static void gaussian_blur(double *v, int w, int h, double sigma)
{
    int r = (int)ceil(sigma * 3);
    double *kern = malloc(sizeof *kern * (size_t)(2 * r + 1));
    double sum = 0;
    for (int i = -r; i <= r; i++)
        sum += kern[i + r] = exp(-(double)i * i / (2 * sigma * sigma));
    for (int i = 0; i <= 2 * r; i++)
        kern[i] /= sum;
    int n = w > h ? w : h;
    double *line = malloc(sizeof *line * (size_t)n);
    for (int y = 0; y < h; y++) {
        double *row = v + (size_t)y * w;
        memcpy(line, row, sizeof *line * (size_t)w);
        for (int x = 0; x < w; x++) {
            double acc = 0;
            for (int i = -r; i <= r; i++) {
                int xx = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;
                acc += kern[i + r] * line[xx];
            }
            row[x] = acc;
        }
    }
    for (int x = 0; x < w; x++) {
        for (int y = 0; y < h; y++)
            line[y] = v[(size_t)y * w + x];
        for (int y = 0; y < h; y++) {
            double acc = 0;
            for (int i = -r; i <= r; i++) {
                int yy = y + i < 0 ? 0 : y + i >= h ? h - 1 : y + i;
                acc += kern[i + r] * line[yy];
            }
            v[(size_t)y * w + x] = acc;
        }
    }
    free(line);
    free(kern);
}

static int finish(const struct qrf_look *k, double *v, const struct homography *fwd, double side,
                  struct qrf_frame *out);

static const char payload_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:";

int qrf_render(const struct qrf_look *k, struct qrf_frame *out)
{
    memset(out, 0, sizeof *out);
    uint64_t s = k->seed;
    /* The payload: a signed code or a ticket secret looks like this. */
    char *text = malloc((size_t)k->length + 1);
    for (int i = 0; i < k->length; i++)
        text[i] = payload_chars[next_u64(&s) % (sizeof payload_chars - 1)];
    text[k->length] = '\0';
    QRecLevel level = k->ec == 'L'   ? QR_ECLEVEL_L
                      : k->ec == 'Q' ? QR_ECLEVEL_Q
                      : k->ec == 'H' ? QR_ECLEVEL_H
                                     : QR_ECLEVEL_M;
    /* No payload: the room alone, for frames without a code. */
    QRcode *qr = k->length ? QRcode_encodeString(text, k->version, level, QR_MODE_8, 1) : NULL;
    if (k->length && !qr) {
        free(text);
        return -1;
    }
    int w = k->w, h = k->h;
    double *v = malloc(sizeof *v * (size_t)w * (size_t)h);
    draw_background(v, w, h, &s);
    if (!qr) {
        out->text = text;
        return finish(k, v, NULL, 1, out);
    }

    struct scene sc = {.qr = qr, .n = qr->width + 8, .medium = k->medium, .dark = k->dark,
                       .light = k->light, .lines_seed = next_u64(&s)};
    sc.half = sc.n / 2.0;
    double module = k->module;
    if (sc.medium == QRF_SCREEN) {
        /* A phone is taller than its code and a little wider. */
        double side = sc.half + uniform(&s, 1, 3);
        sc.bz = sc.n * 0.07;
        sc.mx0 = -side - sc.bz, sc.mx1 = side + sc.bz;
        sc.my0 = -side - sc.n * uniform(&s, 0.3, 0.6) - sc.bz;
        sc.my1 = side + sc.n * uniform(&s, 0.2, 0.5) + sc.bz;
    } else if (sc.medium == QRF_PAPER) {
        sc.mx0 = -sc.half - uniform(&s, 3, 12), sc.mx1 = sc.half + uniform(&s, 3, 12);
        sc.my0 = -sc.half - uniform(&s, 3, 10), sc.my1 = sc.half + uniform(&s, 8, 20);
    } else {
        sc.mx0 = sc.my0 = -sc.half, sc.mx1 = sc.my1 = sc.half;
    }
    struct qrf_look geo = *k;
    struct homography fwd = plane_to_image(&geo), inv = invert(&fwd);

    /* Supersample only where the plane is, the rest is background. */
    double bx0 = w, by0 = h, bx1 = 0, by1 = 0;
    double corners[4][2] = {{sc.mx0, sc.my0}, {sc.mx1, sc.my0}, {sc.mx0, sc.my1}, {sc.mx1, sc.my1}};
    for (int i = 0; i < 4; i++) {
        double x, y, z;
        apply(&fwd, corners[i][0] * module, corners[i][1] * module, &x, &y, &z);
        if (z <= 0)
            continue;
        bx0 = fmin(bx0, x / z), bx1 = fmax(bx1, x / z);
        by0 = fmin(by0, y / z), by1 = fmax(by1, y / z);
    }
    const int sub = module < 3 ? 4 : 3;
    for (int y = (int)fmax(0, by0 - 1); y < (int)fmin(h, by1 + 2); y++)
        for (int x = (int)fmax(0, bx0 - 1); x < (int)fmin(w, bx1 + 2); x++) {
            double sum = 0;
            int on_plane = 0;
            for (int j = 0; j < sub; j++)
                for (int i = 0; i < sub; i++) {
                    double px, py, pz;
                    apply(&inv, x + (i + 0.5) / sub, y + (j + 0.5) / sub, &px, &py, &pz);
                    double g = -1;
                    if (pz != 0)
                        g = plane_grey(&sc, px / pz / module, py / pz / module);
                    if (g >= 0) {
                        sum += g;
                        on_plane++;
                    } else {
                        sum += v[(size_t)y * w + x];
                    }
                }
            if (on_plane)
                v[(size_t)y * w + x] = sum / (sub * sub);
        }

    out->text = text;
    out->version = qr->version;
    int n = sc.n;
    QRcode_free(qr);
    return finish(k, v, &fwd, n * module, out);
}

/* Blur, light and noise over the drawn frame v (freed here), into out.
 * fwd places the glare spot (NULL: no code, no spot); side is the code's
 * side in pixels. */
static int finish(const struct qrf_look *k, double *v, const struct homography *fwd, double side,
                  struct qrf_frame *out)
{
    int w = k->w, h = k->h;
    uint64_t s = k->seed ^ 0x5eedull;
    double module = k->module;
    if (k->blur > 0)
        gaussian_blur(v, w, h, k->blur);
    double gdx = cos(k->gradient_dir * M_PI / 180), gdy = sin(k->gradient_dir * M_PI / 180);
    double span = fabs(gdx) * w + fabs(gdy) * h;
    double gx = 0, gy = 0, gz = 1;
    if (fwd)
        apply(fwd, k->glare_x * module, k->glare_y * module, &gx, &gy, &gz);
    gx /= gz, gy /= gz;
    double glare_r = side * 0.3;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double g = v[(size_t)y * w + x];
            if (k->gradient > 0) {
                double t = ((x - (gdx < 0 ? w : 0)) * gdx + (y - (gdy < 0 ? h : 0)) * gdy) / span;
                g *= 1 - k->gradient * fmin(1, fmax(0, t));
            }
            if (k->glare > 0 && fwd) {
                double d2 = (x - gx) * (x - gx) + (y - gy) * (y - gy);
                g += (255 - g) * k->glare * exp(-d2 / (2 * glare_r * glare_r));
            }
            if (k->noise > 0)
                g += k->noise * gaussian(&s);
            v[(size_t)y * w + x] = g;
        }
    out->px = malloc((size_t)w * (size_t)h);
    for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
        out->px[i] = (uint8_t)lround(fmax(0, fmin(255, v[i])));
    free(v);
    out->w = w, out->h = h;
    out->len = (size_t)k->length;
    return 0;
}

void qrf_frame_clear(struct qrf_frame *f)
{
    free(f->px);
    free(f->text);
    memset(f, 0, sizeof *f);
}

/* ---- the sweep ---- */

#define BASE .w = 1280, .h = 720, .module = 4, .blur = 0.7, .noise = 3, .dark = 35, .light = 215, \
             .length = 140, .ec = 'M'
#define HD .w = 1920, .h = 1080

/* Each condition is the baseline with a field or two changed: designated
 * initialisers after BASE override it on purpose. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
const struct qrf_condition qrf_conditions[] = {
    {"plain, 4 px/module", "baseline", {BASE}, 0},
    {"module 1.5 px", "module size", {BASE, .module = 1.5}, 0},
    {"module 2 px", "module size", {BASE, .module = 2}, 0},
    {"module 2.5 px", "module size", {BASE, .module = 2.5}, 0},
    {"module 3 px", "module size", {BASE, .module = 3}, 0},
    {"module 6 px", "module size", {BASE, .module = 6}, 0},
    {"module 8 px", "module size", {BASE, .module = 8}, 0},
    {"rotated 10 deg", "rotation", {BASE, .angle = 10}, 0},
    {"rotated 25 deg", "rotation", {BASE, .angle = 25}, 0},
    {"rotated 45 deg", "rotation", {BASE, .angle = 45}, 0},
    {"tilted 25 deg", "perspective", {BASE, .tilt = 25}, 0},
    {"tilted 40 deg", "perspective", {BASE, .tilt = 40}, 0},
    {"tilted 55 deg", "perspective", {BASE, .tilt = 55}, 0},
    {"noise sigma 8", "noise", {BASE, .noise = 8}, 0},
    {"noise sigma 16", "noise", {BASE, .noise = 16}, 0},
    {"noise sigma 28", "noise", {BASE, .noise = 28}, 0},
    {"blur sigma 1.2", "blur", {BASE, .blur = 1.2}, 0},
    {"blur sigma 1.6", "blur", {BASE, .blur = 1.6}, 0},
    {"blur sigma 2.0", "blur", {BASE, .blur = 2.0}, 0},
    {"uneven light", "light", {BASE, .gradient = 0.7}, 0},
    {"glare spot", "light", {BASE, .glare = 0.75}, 0},
    {"low contrast 90/150", "contrast", {BASE, .dark = 90, .light = 150}, 0},
    {"low contrast 115/145", "contrast", {BASE, .dark = 115, .light = 145}, 0},
    {"phone screen, bright code", "medium", {BASE, .medium = QRF_SCREEN, .dark = 30, .light = 250}, 0},
    {"printed paper", "medium", {BASE, .medium = QRF_PAPER, .dark = 45, .light = 205}, 0},
    {"payload 20 chars", "payload", {BASE, .length = 20}, 0},
    {"payload 80 chars", "payload", {BASE, .length = 80}, 0},
    {"payload 300 chars", "payload", {BASE, .length = 300}, 0},
    {"EC level L", "payload", {BASE, .ec = 'L'}, 0},
    {"EC level Q", "payload", {BASE, .ec = 'Q'}, 0},
    {"EC level H", "payload", {BASE, .ec = 'H'}, 0},
    {"1920x1080, 2.5 px/module", "frame size", {BASE, HD, .module = 2.5}, 0},
    {"1920x1080, 4 px/module", "frame size", {BASE, HD}, 0},
    {"large code v20-30, 1280x720", "large codes", {BASE, .length = 660}, QRF_VARY_LARGE},
    {"large code v20-30, 1920x1080", "large codes", {BASE, HD, .length = 660}, QRF_VARY_LARGE},
    {"large code v31-40, 1920x1080", "large codes", {BASE, HD, .length = 1400}, QRF_VARY_LARGE},
    {"kiosk mix, 1280x720", "combined", {BASE}, QRF_VARY_MIX},
    {"kiosk mix, 1920x1080", "combined", {BASE, HD}, QRF_VARY_MIX},
    {"hard mix, 1280x720", "combined", {BASE}, QRF_VARY_MIX | QRF_VARY_HARD},
};
#pragma GCC diagnostic pop
const size_t qrf_n_conditions = sizeof qrf_conditions / sizeof qrf_conditions[0];

void qrf_condition_look(const struct qrf_condition *c, uint64_t seed, int index,
                        struct qrf_look *out)
{
    uint64_t s = seed ^ hash_text(c->name) ^ ((uint64_t)index * 0xd1342543de82ef95ull);
    next_u64(&s);
    struct qrf_look k = c->base;
    k.seed = next_u64(&s);
    /* Nobody holds a phone perfectly square or still. */
    double sign = next_u64(&s) & 1 ? 1 : -1;
    k.angle = sign * k.angle + uniform(&s, -2, 2);
    k.tilt_axis = uniform(&s, 0, 360);
    if (k.tilt > 0)
        k.tilt += uniform(&s, -3, 3);
    else
        k.tilt = uniform(&s, 0, 6);
    k.module *= uniform(&s, 0.95, 1.05);
    k.gradient_dir = uniform(&s, 0, 360);
    k.glare_x = uniform(&s, -0.25, 0.25), k.glare_y = uniform(&s, -0.25, 0.25);
    if (c->vary & QRF_VARY_MIX) {
        bool hard = c->vary & QRF_VARY_HARD;
        k.module = hard ? uniform(&s, 1.6, 3) : uniform(&s, 2, 4);
        k.angle = uniform(&s, hard ? -45 : -25, hard ? 45 : 25);
        k.tilt = uniform(&s, 0, hard ? 45 : 30);
        k.blur = hard ? uniform(&s, 0.8, 1.6) : uniform(&s, 0.5, 1.2);
        k.noise = hard ? uniform(&s, 6, 16) : uniform(&s, 2, 9);
        k.glare = uniform(&s, 0, 1) < 0.3 ? uniform(&s, 0.2, hard ? 0.7 : 0.5) : 0;
        k.gradient = uniform(&s, 0, hard ? 0.6 : 0.4);
        k.medium = (enum qrf_medium)(next_u64(&s) % 3);
        k.length = (int)uniform(&s, 110, 171);
        k.dark = (int)(hard ? uniform(&s, 50, 100) : uniform(&s, 20, 60));
        k.light = (int)(hard ? uniform(&s, 150, 200) : uniform(&s, 180, 240));
        if (k.medium == QRF_SCREEN)
            k.light = 235 + (int)uniform(&s, 0, 20);
    }
    if (c->vary & QRF_VARY_LARGE) {
        /* Long texts: version 20 and up at level M; the code fills most of
         * the frame's height, as a person holding a dense code up would. */
        k.length = (int)uniform(&s, c->base.length, c->base.length * 1.6);
        if (k.length > 2300)
            k.length = 2300;
        int width = 17 + 4 * (k.length < 1400 ? 25 : 35); /* about the version's size */
        k.module = uniform(&s, 0.7, 0.85) * k.h / (width + 8);
        k.tilt = uniform(&s, 0, 12);
        k.angle = uniform(&s, -10, 10);
    }
    /* Somewhere in the frame, clear of its edges by the code's size. */
    double reach = (29 + k.length / 6.0) * k.module * 0.75;
    double mx = fmin(0.45, reach / k.w), my = fmin(0.45, reach / k.h);
    k.cx = uniform(&s, mx, 1 - mx);
    k.cy = uniform(&s, my, 1 - my);
    *out = k;
}
