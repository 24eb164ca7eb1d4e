/* rectify: finder, timing and alignment patterns, a homography, the code
 * redrawn square; see rectify.h. */
#include "scan/rectify.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define MAX_FINDERS 128 /* candidates kept; random data makes a few false ones */
#define TRIPLE_POOL 12  /* the best-confirmed candidates tried as triples */

struct finder {
    double x, y;   /* centre, image coordinates */
    double module; /* pixels per module, from its runs */
    int hits;      /* rows that confirmed it */
};

/* ---- runs of one colour along a line of the binarised image ---- */

static inline bool dark_at(const struct scan_plane *b, int x, int y)
{
    return b->px[(size_t)y * (size_t)b->w + (size_t)x] == 0;
}

/* Runs a:b:c:d:e of about 1:1:3:1:1 (each 1 within half a module, the 3
 * within 1.5): a finder pattern crossed through its centre. */
static bool finder_ratio(const int run[5])
{
    int total = 0;
    for (int i = 0; i < 5; i++) {
        if (run[i] <= 0)
            return false;
        total += run[i];
    }
    if (total < 7)
        return false;
    double u = total / 7.0, tol = u * 0.5;
    for (int i = 0; i < 5; i++)
        if (i != 2 && fabs(run[i] - u) >= tol)
            return false;
    return fabs(run[2] - 3 * u) < 3 * tol;
}

/* The five runs through (x, y) along direction (dx, dy) in whole pixels,
 * (x, y) lying in the middle (dark) run, each run at most cap pixels.
 * Returns the offset of the middle run's centre from (x, y) in steps (and
 * the runs' total length in *total), or NAN when they do not make a
 * finder. */
static double cross_check(const struct scan_plane *b, int x, int y, int dx, int dy, int cap,
                          int *total)
{
    if (!dark_at(b, x, y))
        return NAN;
    int run[5] = {0, 0, 1, 0, 0}; /* (x, y) itself is in the middle run */
    int side[2] = {0, 0};         /* the middle run's pixels before and after (x, y) */
    for (int dir = -1; dir <= 1; dir += 2) {
        int i = 1;
        for (int k = 0; k < 3; k++) {
            int part = 2 + dir * k;
            bool want_dark = k != 1;
            int count = 0;
            for (;; i++) {
                int xx = x + dir * dx * i, yy = y + dir * dy * i;
                if (xx < 0 || yy < 0 || xx >= b->w || yy >= b->h || dark_at(b, xx, yy) != want_dark)
                    break;
                if (++count > cap)
                    return NAN;
            }
            /* The outer dark run may end at the image's edge, no other. */
            if (k > 0 && count == 0)
                return NAN;
            run[part] += count;
            if (k == 0)
                side[dir > 0] = count;
        }
    }
    if (!finder_ratio(run))
        return NAN;
    *total = run[0] + run[1] + run[2] + run[3] + run[4];
    return (side[1] - side[0]) / 2.0;
}

static void add_finder(struct finder *c, int *n, double x, double y, double module)
{
    for (int i = 0; i < *n; i++) {
        if (fabs(c[i].x - x) <= c[i].module && fabs(c[i].y - y) <= c[i].module &&
            fabs(c[i].module - module) <= 0.5 * c[i].module) {
            double k = c[i].hits;
            c[i].x = (c[i].x * k + x) / (k + 1);
            c[i].y = (c[i].y * k + y) / (k + 1);
            c[i].module = (c[i].module * k + module) / (k + 1);
            c[i].hits++;
            return;
        }
    }
    if (*n < MAX_FINDERS)
        c[(*n)++] = (struct finder){x, y, module, 1};
}

/* A 1:1:3:1:1 candidate centred at x on row y (htotal pixels across):
 * confirmed down the column, across the row again through the centre
 * found, and along a diagonal, as a finder's concentric squares are in
 * every direction and a chance run of data rarely is. */
static void confirm_finder(const struct scan_plane *b, int x, int y, int htotal, struct finder *c,
                           int *n)
{
    int cap = htotal * 4 / 7 + 2; /* the middle run is 3/7 of the whole */
    int vtotal, dtotal;
    double off = cross_check(b, x, y, 0, 1, cap, &vtotal);
    if (isnan(off) || 5 * abs(vtotal - htotal) >= 2 * htotal)
        return;
    int cy = (int)lround(y + off);
    if (cy < 0 || cy >= b->h)
        return;
    double offx = cross_check(b, x, cy, 1, 0, cap, &htotal);
    if (isnan(offx))
        return;
    int cx = (int)lround(x + offx);
    if (cx < 0 || cx >= b->w || isnan(cross_check(b, cx, cy, 1, 1, cap * 3 / 2, &dtotal)))
        return;
    add_finder(c, n, x + offx + 0.5, y + off + 0.5, (htotal + vtotal) / 14.0);
}

/* Finder pattern candidates in a binarised image (0 dark, 255 light).
 * Every other row is enough: a finder's centre is three modules tall. */
static int find_finders(const struct scan_plane *b, struct finder *c)
{
    int n = 0;
    int *start = xmalloc(sizeof *start * ((size_t)b->w + 1));
    for (int y = 0; y < b->h; y += 2) {
        /* The row as runs; run k starts at start[k]. */
        int nruns = 0;
        const uint8_t *row = b->px + (size_t)y * (size_t)b->w;
        for (int x = 0; x < b->w; x++)
            if (x == 0 || (row[x] == 0) != (row[x - 1] == 0))
                start[nruns++] = x;
        start[nruns] = b->w;
        for (int k = row[0] == 0 ? 0 : 1; k + 4 < nruns; k += 2) {
            int run[5];
            for (int i = 0; i < 5; i++)
                run[i] = start[k + i + 1] - start[k + i];
            if (finder_ratio(run))
                confirm_finder(b, start[k + 2] + run[2] / 2, y, start[k + 5] - start[k], c, &n);
        }
    }
    free(start);
    return n;
}

/* ---- the code's size and perspective from its timing patterns ---- */

#define MAX_EDGES 180 /* a timing line crosses dim - 13 <= 164 module edges */

/* A timing pattern as seen along a line from (x0, y0) (one finder's row or
 * column 6, three modules in from its centre) to (x1, y1) (the same on the
 * other finder): the finders' dark edges at both ends, modules alternating
 * between. edge[k] is the distance from (x0, y0), in pixels, of the k-th
 * change of colour, at module 7 + k along the line. */
struct timing {
    double x0, y0, dx, dy; /* start, unit direction */
    int n;                 /* edges found */
    double edge[MAX_EDGES];
};

/* Samples the binarised image along the line every half pixel and records
 * where it changes colour; a run shorter than a third of a module is noise
 * and is folded into its neighbours. False when the line leaves the image,
 * does not start and end dark, or crosses more edges than a code has. */
static bool timing_read(const struct scan_plane *b, double x0, double y0, double x1, double y1,
                        double unit, struct timing *t)
{
    double len = hypot(x1 - x0, y1 - y0);
    int n = (int)(len * 2) + 1;
    if (len < 8 || unit <= 0)
        return false;
    t->x0 = x0, t->y0 = y0, t->dx = (x1 - x0) / len, t->dy = (y1 - y0) / len;
    /* Raw runs: colour of the first, then where each next one starts. */
    int cap = 4 * MAX_EDGES;
    double *start = xmalloc(sizeof *start * (size_t)(cap + 1));
    int runs = 0;
    bool first = false, prev = false;
    for (int i = 0; i <= n; i++) {
        double s = len * i / n;
        int x = (int)floor(x0 + t->dx * s), y = (int)floor(y0 + t->dy * s);
        if (x < 0 || y < 0 || x >= b->w || y >= b->h) {
            free(start);
            return false;
        }
        bool d = dark_at(b, x, y);
        if (i == 0) {
            first = prev = d;
            start[runs++] = 0;
        } else if (d != prev) {
            if (runs == cap) {
                free(start);
                return false;
            }
            start[runs++] = s;
            prev = d;
        }
    }
    start[runs] = len;
    if (!first || !prev) {
        free(start);
        return false;
    }
    /* Fold short inner runs: the run and the change on each side go. */
    double shortest = unit / 3;
    for (int k = 1; k + 1 < runs;) {
        if (start[k + 1] - start[k] >= shortest) {
            k++;
            continue;
        }
        memmove(start + k, start + k + 2, sizeof *start * (size_t)(runs + 1 - (k + 2)));
        runs -= 2;
        if (k > 1)
            k--;
    }
    t->n = runs - 1;
    bool ok = t->n >= 8 && t->n <= MAX_EDGES;
    if (ok)
        memcpy(t->edge, start + 1, sizeof *start * (size_t)t->n);
    free(start);
    return ok;
}

/* ---- homographies ---- */

static void grid_map(const double h[9], double u, double v, double *x, double *y)
{
    double z = h[6] * u + h[7] * v + h[8];
    *x = (h[0] * u + h[1] * v + h[2]) / z;
    *y = (h[3] * u + h[4] * v + h[5]) / z;
}

/* Solves the n x n system a x = b in place (Gaussian elimination with
 * partial pivoting; a is row-major with n + 1 columns, b the last). */
static bool solve(double *a, int n, double *x)
{
    int w = n + 1;
    for (int col = 0; col < n; col++) {
        int piv = col;
        for (int r = col + 1; r < n; r++)
            if (fabs(a[r * w + col]) > fabs(a[piv * w + col]))
                piv = r;
        if (fabs(a[piv * w + col]) < 1e-12)
            return false;
        if (piv != col)
            for (int k = 0; k < w; k++) {
                double t = a[col * w + k];
                a[col * w + k] = a[piv * w + k];
                a[piv * w + k] = t;
            }
        for (int r = 0; r < n; r++) {
            if (r == col)
                continue;
            double f = a[r * w + col] / a[col * w + col];
            for (int k = col; k < w; k++)
                a[r * w + k] -= f * a[col * w + k];
        }
    }
    for (int i = 0; i < n; i++)
        x[i] = a[i * w + n] / a[i * w + i];
    return true;
}

/* Point correspondences: module coordinates to image coordinates. */
struct points {
    int n, cap;
    double *m, *p; /* pairs */
};

static void points_add(struct points *s, double mu, double mv, double x, double y)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->m = xrealloc(s->m, sizeof *s->m * 2 * (size_t)s->cap);
        s->p = xrealloc(s->p, sizeof *s->p * 2 * (size_t)s->cap);
    }
    s->m[2 * s->n] = mu, s->m[2 * s->n + 1] = mv;
    s->p[2 * s->n] = x, s->p[2 * s->n + 1] = y;
    s->n++;
}

/* The homography (module to image) closest to the n >= 4 correspondences
 * in the least-squares sense of the linearised equations, both sides
 * centred and scaled first so that the system is well conditioned. */
static bool fit_homography(const struct points *s, double h[9])
{
    if (s->n < 4)
        return false;
    double mc[2] = {0, 0}, pc[2] = {0, 0}, ms = 0, ps = 0;
    for (int i = 0; i < s->n; i++)
        for (int k = 0; k < 2; k++)
            mc[k] += s->m[2 * i + k] / s->n, pc[k] += s->p[2 * i + k] / s->n;
    for (int i = 0; i < s->n; i++) {
        ms += hypot(s->m[2 * i] - mc[0], s->m[2 * i + 1] - mc[1]) / s->n;
        ps += hypot(s->p[2 * i] - pc[0], s->p[2 * i + 1] - pc[1]) / s->n;
    }
    if (ms <= 0 || ps <= 0)
        return false;
    double a[8 * 9] = {0};
    for (int i = 0; i < s->n; i++) {
        double x = (s->m[2 * i] - mc[0]) / ms, y = (s->m[2 * i + 1] - mc[1]) / ms;
        double u = (s->p[2 * i] - pc[0]) / ps, v = (s->p[2 * i + 1] - pc[1]) / ps;
        double rows[2][9] = {{x, y, 1, 0, 0, 0, -u * x, -u * y, u},
                             {0, 0, 0, x, y, 1, -v * x, -v * y, v}};
        for (int r = 0; r < 2; r++)
            for (int j = 0; j < 8; j++)
                for (int k = 0; k < 9; k++)
                    a[j * 9 + k] += rows[r][j] * rows[r][k];
    }
    double g[9];
    if (!solve(a, 8, g))
        return false;
    g[8] = 1;
    /* h = denormalise(image) * g * normalise(module). */
    double n1[9] = {1 / ms, 0, -mc[0] / ms, 0, 1 / ms, -mc[1] / ms, 0, 0, 1};
    double d2[9] = {ps, 0, pc[0], 0, ps, pc[1], 0, 0, 1};
    double t[9];
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) {
            t[r * 3 + c] = 0;
            for (int k = 0; k < 3; k++)
                t[r * 3 + c] += g[r * 3 + k] * n1[k * 3 + c];
        }
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) {
            h[r * 3 + c] = 0;
            for (int k = 0; k < 3; k++)
                h[r * 3 + c] += d2[r * 3 + k] * t[k * 3 + c];
        }
    return true;
}

/* ---- the fourth point: the bottom-right alignment pattern ---- */

/* Runs around (x, y) along (dx, dy): light, dark, light of about one
 * module each, dark beyond both. Returns the centre offset, NAN if not. */
static double alignment_cross(const struct scan_plane *b, int x, int y, int dx, int dy, double u)
{
    if (!dark_at(b, x, y))
        return NAN;
    int cap = (int)(u * 2) + 1;
    int run[3] = {1, 0, 0}; /* centre, light before/after */
    int ends[2] = {0, 0};
    for (int dir = -1; dir <= 1; dir += 2) {
        int i = 1, centre = 0, light = 0;
        while (1) {
            int xx = x + dir * dx * i, yy = y + dir * dy * i;
            if (xx < 0 || yy < 0 || xx >= b->w || yy >= b->h)
                return NAN;
            if (!dark_at(b, xx, yy))
                break;
            if (++centre > cap)
                return NAN;
            i++;
        }
        while (1) {
            int xx = x + dir * dx * i, yy = y + dir * dy * i;
            if (xx < 0 || yy < 0 || xx >= b->w || yy >= b->h)
                return NAN;
            if (dark_at(b, xx, yy))
                break;
            if (++light > cap)
                return NAN;
            i++;
        }
        run[0] += centre;
        run[dir < 0 ? 1 : 2] = light;
        ends[dir < 0 ? 0 : 1] = centre;
    }
    for (int k = 0; k < 3; k++)
        if (fabs(run[k] - u) > u * 0.6)
            return NAN;
    return (ends[1] - ends[0]) / 2.0;
}

/* The alignment pattern nearest (ex, ey) within radius pixels, module u
 * there: a dark centre in a light ring in a dark ring, checked across, down
 * and across again. False if none. */
static bool find_alignment(const struct scan_plane *b, double ex, double ey, double radius,
                           double u, double *ax, double *ay)
{
    /* A grid bent past use (a point at infinity) has nowhere to look. */
    if (!(ex >= 0 && ey >= 0 && ex < b->w && ey < b->h && u >= 1 && u < b->w && radius < b->w))
        return false;
    int x0 = (int)fmax(0, ex - radius), x1 = (int)fmin(b->w - 1, ex + radius);
    int y0 = (int)fmax(0, ey - radius), y1 = (int)fmin(b->h - 1, ey + radius);
    double best = INFINITY;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            /* Only the first pixel of each dark run: its run is checked whole. */
            if (!dark_at(b, x, y) || (x > 0 && dark_at(b, x - 1, y)))
                continue;
            int xe = x;
            while (xe + 1 < b->w && dark_at(b, xe + 1, y))
                xe++;
            int cx = (x + xe) / 2;
            double oh = alignment_cross(b, cx, y, 1, 0, u);
            if (isnan(oh))
                continue;
            int mx = (int)lround(cx + oh);
            double ov = alignment_cross(b, mx, y, 0, 1, u);
            if (isnan(ov))
                continue;
            int my = (int)lround(y + ov);
            double oh2 = alignment_cross(b, mx, my, 1, 0, u);
            if (isnan(oh2))
                continue;
            double px = mx + oh2 + 0.5, py = my + 0.5;
            double d = hypot(px - ex, py - ey);
            if (d < best) {
                best = d;
                *ax = px, *ay = py;
            }
        }
    return best <= radius;
}

/* ---- the code's grid ---- */

/* A triple of finders (the top-left, top-right and bottom-left in the
 * code's own orientation), the code's size and its timing patterns. */
struct triple {
    struct finder tl, tr, bl;
    int dim;
    bool timed; /* both timing patterns read, agreeing on the size */
    double score;
    struct timing row, col;
};

/* Judges three finders as a code's corners; false if they cannot be. */
static bool make_triple(const struct scan_plane *b, const struct finder *f[3], struct triple *t)
{
    /* The corner is opposite the longest side. */
    double d01 = hypot(f[0]->x - f[1]->x, f[0]->y - f[1]->y);
    double d02 = hypot(f[0]->x - f[2]->x, f[0]->y - f[2]->y);
    double d12 = hypot(f[1]->x - f[2]->x, f[1]->y - f[2]->y);
    int corner = d12 >= d01 && d12 >= d02 ? 0 : d02 >= d01 ? 1 : 2;
    const struct finder *tl = f[corner], *p = f[(corner + 1) % 3], *q = f[(corner + 2) % 3];
    double ax = p->x - tl->x, ay = p->y - tl->y, bx = q->x - tl->x, by = q->y - tl->y;
    /* With y pointing down, top-left to top-right to bottom-left turns
     * clockwise: the cross product of the legs is positive. */
    if (ax * by - ay * bx < 0) {
        const struct finder *sw = p;
        p = q;
        q = sw;
        double sx = ax, sy = ay;
        ax = bx, ay = by, bx = sx, by = sy;
    }
    double la = hypot(ax, ay), lb = hypot(bx, by);
    double u = (tl->module + p->module + q->module) / 3;
    for (int i = 0; i < 3; i++)
        if (fabs(f[i]->module - u) > 0.35 * u)
            return false;
    if (la < 12 * u || lb < 12 * u || la > 1.4 * lb || lb > 1.4 * la)
        return false;
    double cosang = (ax * bx + ay * by) / (la * lb);
    if (fabs(cosang) > 0.3)
        return false;
    /* Runs across a turned finder are longer than its modules by 1 / cos
     * of the turn (folded into -45..45 degrees). */
    double turn = fmod(fabs(atan2(ay, ax)), M_PI / 2);
    double fold = cos(turn > M_PI / 4 ? M_PI / 2 - turn : turn);
    double utl = tl->module * fold, utr = p->module * fold, ubl = q->module * fold;
    double span = (la / ((utl + utr) / 2) + lb / ((utl + ubl) / 2)) / 2;
    int est = 17 + 4 * (int)lround((span + 7 - 17) / 4);
    if (est < 21 || est > 177)
        return false;
    /* Row and column 6: three modules in from the finders' centres. */
    double dx = bx / lb, dy = by / lb, rx = ax / la, ry = ay / la;
    bool rows = timing_read(b, tl->x + 3 * utl * dx, tl->y + 3 * utl * dy, p->x + 3 * utr * dx,
                            p->y + 3 * utr * dy, fmin(utl, utr), &t->row);
    bool cols = timing_read(b, tl->x + 3 * utl * rx, tl->y + 3 * utl * ry, q->x + 3 * ubl * rx,
                            q->y + 3 * ubl * ry, fmin(utl, ubl), &t->col);
    int dim = t->row.n + 13;
    t->tl = *tl, t->tr = *p, t->bl = *q;
    t->tl.module = utl, t->tr.module = utr, t->bl.module = ubl;
    t->timed =
        rows && cols && t->row.n == t->col.n && dim % 4 == 1 && dim <= 177 && abs(dim - est) <= 8;
    t->dim = t->timed ? dim : est;
    t->score = (tl->hits + p->hits + q->hits) * (1 - fabs(cosang)) * (t->timed ? 4 : 1);
    return true;
}

static int by_hits(const void *a, const void *b)
{
    const struct finder *x = a, *y = b;
    return (y->hits > x->hits) - (y->hits < x->hits);
}

/* The likeliest triple among the best-confirmed finder candidates. */
static bool best_triple(const struct scan_plane *bin, struct triple *best)
{
    struct finder *c = xmalloc(MAX_FINDERS * sizeof *c);
    int n = find_finders(bin, c);
    qsort(c, (size_t)n, sizeof *c, by_hits);
    int pool = n < TRIPLE_POOL ? n : TRIPLE_POOL;
    while (pool > 0 && c[pool - 1].hits < 2)
        pool--;
    bool found = false;
    struct triple *t = xmalloc(sizeof *t);
    for (int i = 0; i < pool; i++)
        for (int j = i + 1; j < pool; j++)
            for (int k = j + 1; k < pool; k++) {
                const struct finder *f[3] = {&c[i], &c[j], &c[k]};
                if (make_triple(bin, f, t) && (!found || t->score > best->score)) {
                    *best = *t;
                    found = true;
                }
            }
    free(t);
    free(c);
    return found;
}

/* Where a version's alignment patterns are centred along each axis, in
 * modules (ISO/IEC 18004 annex E): at 6 and at dim - 7, and evenly between
 * them by an even step (26 for version 32, where the rule would give 28).
 * Returns how many (0 for version 1). */
static int alignment_positions(int dim, int pos[7])
{
    int version = (dim - 17) / 4;
    if (version < 2)
        return 0;
    int n = version / 7 + 2;
    int step = version == 32 ? 26 : (version * 4 + n * 2 + 1) / (n * 2 - 2) * 2;
    pos[0] = 6;
    for (int i = n - 1, at = dim - 7; i >= 1; i--, at -= step)
        pos[i] = at;
    return n;
}

/* Pixels per module around module (mu, mv) under h. */
static double local_module(const double h[9], double mu, double mv)
{
    double x0, y0, x1, y1, x2, y2;
    grid_map(h, mu, mv, &x0, &y0);
    grid_map(h, mu + 1, mv, &x1, &y1);
    grid_map(h, mu, mv + 1, &x2, &y2);
    return (hypot(x1 - x0, y1 - y0) + hypot(x2 - x0, y2 - y0)) / 2;
}

bool scan_grid_find(const struct scan_plane *img, double module, struct scan_grid *out)
{
    if (img->w < 21 || img->h < 21)
        return false;
    int side = img->w < img->h ? img->w : img->h;
    /* A window about eight modules across: a finder's centre stays dark in
     * it, and it follows uneven light. */
    int r = module > 0 ? (int)lround(module * 4) : side / 16;
    struct scan_plane bin = scan_filter_threshold(img, r < 6 ? 6 : r, 3);
    struct triple *best = xmalloc(sizeof *best);
    out->light_on_dark = false;
    if (!best_triple(&bin, best)) {
        /* A light code on a dark ground (a screen's night mode, print on
         * dark cloth): the same patterns, colours swapped. */
        size_t n = (size_t)bin.w * (size_t)bin.h;
        for (size_t i = 0; i < n; i++)
            bin.px[i] = (uint8_t)(255 - bin.px[i]);
        out->light_on_dark = true;
        if (!best_triple(&bin, best)) {
            free(best);
            scan_plane_clear(&bin);
            return false;
        }
    }
    int dim = best->dim;
    struct points pts = {0};
    points_add(&pts, 3.5, 3.5, best->tl.x, best->tl.y);
    points_add(&pts, dim - 3.5, 3.5, best->tr.x, best->tr.y);
    points_add(&pts, 3.5, dim - 3.5, best->bl.x, best->bl.y);
    double h[9];
    bool ok;
    if (best->timed) {
        /* Every edge of both timing patterns is a point whose module is
         * known: enough for the perspective, not only the turn and scale. */
        for (int k = 0; k < best->row.n; k++) {
            const struct timing *t = &best->row;
            points_add(&pts, 7 + k, 6.5, t->x0 + t->dx * t->edge[k], t->y0 + t->dy * t->edge[k]);
        }
        for (int k = 0; k < best->col.n; k++) {
            const struct timing *t = &best->col;
            points_add(&pts, 6.5, 7 + k, t->x0 + t->dx * t->edge[k], t->y0 + t->dy * t->edge[k]);
        }
        ok = fit_homography(&pts, h);
    } else {
        /* The corner a parallelogram puts opposite the top-left: right
         * when the code faces the camera; the bottom-right alignment
         * pattern, looked for further and further around it, corrects it
         * for a tilt. */
        struct points affine = {0};
        for (int i = 0; i < pts.n; i++)
            points_add(&affine, pts.m[2 * i], pts.m[2 * i + 1], pts.p[2 * i], pts.p[2 * i + 1]);
        points_add(&affine, dim - 3.5, dim - 3.5, best->tr.x + best->bl.x - best->tl.x,
                   best->tr.y + best->bl.y - best->tl.y);
        ok = fit_homography(&affine, h);
        free(affine.m);
        free(affine.p);
        if (ok && dim > 21) {
            double ex, ey, ax, ay;
            grid_map(h, dim - 6.5, dim - 6.5, &ex, &ey);
            double u = best->tr.module * best->bl.module / best->tl.module;
            for (double reach = 4; reach <= 16; reach *= 2)
                if (find_alignment(&bin, ex, ey, reach * u, u, &ax, &ay)) {
                    points_add(&pts, dim - 6.5, dim - 6.5, ax, ay);
                    ok = fit_homography(&pts, h);
                    break;
                }
        }
    }
    /* Every alignment pattern near where the grid puts it tightens the fit
     * over the whole code (only a flat code has one homography; a bent
     * one is followed better where there are points). */
    int pos[7];
    int na = ok ? alignment_positions(dim, pos) : 0;
    int added = 0;
    for (int i = 0; i < na; i++)
        for (int j = 0; j < na; j++) {
            if ((i == 0 && (j == 0 || j == na - 1)) || (j == 0 && i == na - 1))
                continue;
            double mu = pos[i] + 0.5, mv = pos[j] + 0.5, ex, ey, ax, ay;
            grid_map(h, mu, mv, &ex, &ey);
            double u = local_module(h, mu, mv);
            if (find_alignment(&bin, ex, ey, 2.5 * u, u, &ax, &ay)) {
                points_add(&pts, mu, mv, ax, ay);
                added++;
            }
        }
    if (added)
        ok = fit_homography(&pts, h);
    out->perspective = best->timed || pts.n > 3;
    free(pts.m);
    free(pts.p);
    free(best);
    scan_plane_clear(&bin);
    if (!ok)
        return false;
    memcpy(out->h, h, sizeof h);
    out->dim = dim;
    return true;
}

/* Bilinear sample of src at image coordinates (x, y); white outside. */
static double sample(const struct scan_plane *src, double x, double y)
{
    x -= 0.5, y -= 0.5;
    /* Written so that a point a degenerate grid sends to infinity or NaN
     * is outside too. */
    if (!(x >= 0 && y >= 0 && x < src->w - 1 && y < src->h - 1))
        return 255;
    int x0 = (int)x, y0 = (int)y;
    double fx = x - x0, fy = y - y0;
    const uint8_t *q = src->px + (size_t)y0 * (size_t)src->w + (size_t)x0;
    double top = q[0] + (q[1] - q[0]) * fx;
    double bot = q[src->w] + (q[src->w + 1] - q[src->w]) * fx;
    return top + (bot - top) * fy;
}

struct scan_plane scan_grid_draw(const struct scan_plane *src, const struct scan_grid *g, int px,
                                 int quiet)
{
    int dim = g->dim;
    /* Each module's grey: the mean of nine samples over its middle half,
     * away from its edges, where a blurred neighbour bleeds in least. */
    double *grey = xmalloc(sizeof *grey * (size_t)dim * (size_t)dim);
    for (int v = 0; v < dim; v++)
        for (int u = 0; u < dim; u++) {
            double sum = 0;
            for (int j = 0; j < 3; j++)
                for (int i = 0; i < 3; i++) {
                    double x, y;
                    grid_map(g->h, u + 0.25 + 0.25 * i, v + 0.25 + 0.25 * j, &x, &y);
                    sum += sample(src, x, y);
                }
            grey[(size_t)v * (size_t)dim + (size_t)u] = sum / 9;
        }
    int size = (dim + 2 * quiet) * px;
    struct scan_plane p = {xmalloc((size_t)size * (size_t)size), size, size};
    memset(p.px, 255, (size_t)size * (size_t)size);
    /* Dark where darker than the mean of the modules around it (seven
     * across): follows uneven light and a glare spot across the code. The
     * means come from a summed-area table of the modules' greys. */
    enum { K = 3 };
    size_t sw = (size_t)dim + 1;
    double *sat = xcalloc(sw * sw, sizeof *sat);
    for (int v = 0; v < dim; v++) {
        double row = 0;
        for (int u = 0; u < dim; u++) {
            row += grey[(size_t)v * (size_t)dim + (size_t)u];
            sat[(size_t)(v + 1) * sw + (size_t)u + 1] = sat[(size_t)v * sw + (size_t)u + 1] + row;
        }
    }
    for (int v = 0; v < dim; v++) {
        int v0 = v - K < 0 ? 0 : v - K, v1 = v + K + 1 > dim ? dim : v + K + 1;
        for (int u = 0; u < dim; u++) {
            int u0 = u - K < 0 ? 0 : u - K, u1 = u + K + 1 > dim ? dim : u + K + 1;
            double sum = sat[(size_t)v1 * sw + (size_t)u1] - sat[(size_t)v0 * sw + (size_t)u1] -
                         sat[(size_t)v1 * sw + (size_t)u0] + sat[(size_t)v0 * sw + (size_t)u0];
            bool darker = grey[(size_t)v * (size_t)dim + (size_t)u] * (u1 - u0) * (v1 - v0) < sum;
            if (darker == g->light_on_dark)
                continue;
            for (int y = 0; y < px; y++)
                memset(p.px + (size_t)((quiet + v) * px + y) * (size_t)size +
                           (size_t)((quiet + u) * px),
                       0, (size_t)px);
        }
    }
    free(sat);
    free(grey);
    return p;
}
