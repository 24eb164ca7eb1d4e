/* badge: lays out and draws one badge onto an SDL surface at print
 * resolution, then hands it over as plain RGB (image.h).
 *
 * Layout. Landscape stock (4x3in, CR80) and portrait stock (A6) share one
 * scheme scaled from the stock's size: the category band across the bottom,
 * edge to edge, with its label in white; the logo top left (landscape) or
 * top centre (portrait); the name as large as fits; organisation, country
 * and the validity line; the QR code bottom right (landscape) or centred
 * above the validity line (portrait). Everything but the band stays inside
 * the configured margin. Sizes are fractions of the stock's height
 * (landscape) or width (portrait), so the three stocks keep one look.
 *
 * Names. Largest size that fits on one line, down to a floor; then two
 * lines broken at the space (or, in CJK text without spaces, between
 * characters) that balances them, down to the smallest size; else the
 * badge is refused rather than printed wrong. */
#include "badge/badge.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "badge/bilevel.h"
#include "badge/fonts.h"
#include "badge/pngfile.h"
#include "badge/qrimage.h"
#include "badge/textrun.h"
#include "core/badgetext.h"
#include "util/i18n.h"
#include "util/utf8.h"
#include "util/xalloc.h"

#define ALIGN_LEFT 0
#define ALIGN_CENTRE 1

/* Where things go, in pixels, for the configured stock. */
struct layout {
    bool portrait;
    int width, height, margin;
    int content_left, content_right, content_top, content_bottom; /* inside the margin */
    SDL_Rect band;
    int band_pt;
    SDL_Rect logo_box;
    int qr_box;       /* the largest QR side, quiet zone included */
    int name_max_h;   /* the tallest the name block may be */
    int name_max_pt;  /* one line, a short name */
    int name_wrap_pt; /* below this a name goes on two lines */
    int name_min_pt;  /* below this it is refused */
    int org_pt, country_pt, validity_pt;
    int gap; /* between blocks */
};

struct badge_renderer {
    const struct config *cfg; /* borrowed; outlives the renderer */
    struct badge_output out;  /* the resolution and colours drawn for */
    struct badge_fonts *fonts;
    struct layout lay;
    SDL_Surface *canvas; /* reused from badge to badge */
    SDL_Surface *logo;   /* scaled to fit lay.logo_box, over white (black and white
                            for a monochrome output); NULL for none */
    struct badge_layout_report last; /* of the last badge drawn */
};

static int mm_to_px(int dpi, double mm)
{
    return (int)lround(mm * dpi / 25.4);
}

static int mm_to_pt(double mm)
{
    int pt = (int)lround(mm * 72.0 / 25.4);
    return pt < 4 ? 4 : pt;
}

static int pt_to_px(const struct layout *lay, int pt, int dpi)
{
    (void)lay;
    return (int)lround(pt * dpi / 72.0);
}

static void compute_layout(const struct config *cfg, int dpi, struct layout *lay)
{
    double w = cfg->badge->width_mm, h = cfg->badge->height_mm, m = cfg->badge_margin_mm;
    memset(lay, 0, sizeof *lay);
    lay->portrait = h > w;
    lay->width = mm_to_px(dpi, w);
    lay->height = mm_to_px(dpi, h);
    lay->margin = mm_to_px(dpi, m);
    /* One unit the rest scales with: the short side. */
    double u = lay->portrait ? w : h;
    double band_h = lay->portrait ? 0.11 * h : 0.15 * h;
    lay->band =
        (SDL_Rect){0, lay->height - mm_to_px(dpi, band_h), lay->width, mm_to_px(dpi, band_h)};
    lay->band_pt = mm_to_pt(band_h * 0.48);
    lay->content_left = lay->margin;
    lay->content_right = lay->width - lay->margin;
    lay->content_top = lay->margin;
    lay->content_bottom = lay->band.y - lay->margin;
    lay->gap = mm_to_px(dpi, 0.04 * u);
    int content_w = lay->content_right - lay->content_left;
    if (lay->portrait) {
        int logo_h = mm_to_px(dpi, 0.21 * u);
        int logo_w = content_w * 8 / 10;
        lay->logo_box = (SDL_Rect){(lay->width - logo_w) / 2, lay->content_top, logo_w, logo_h};
        lay->qr_box = mm_to_px(dpi, 0.38 * u);
        lay->name_max_pt = mm_to_pt(0.115 * u);
        lay->org_pt = mm_to_pt(0.055 * u);
        lay->country_pt = mm_to_pt(0.047 * u);
        lay->validity_pt = mm_to_pt(0.042 * u);
    } else {
        int logo_h = mm_to_px(dpi, 0.17 * u);
        lay->logo_box = (SDL_Rect){lay->content_left, lay->content_top, content_w / 2, logo_h};
        lay->qr_box = mm_to_px(dpi, 0.36 * u);
        lay->name_max_pt = mm_to_pt(0.155 * u);
        lay->org_pt = mm_to_pt(0.062 * u);
        lay->country_pt = mm_to_pt(0.052 * u);
        lay->validity_pt = mm_to_pt(0.046 * u);
    }
    lay->name_wrap_pt = lay->name_max_pt * 6 / 10;
    lay->name_min_pt = lay->name_max_pt * 4 / 10;
    if (lay->name_min_pt < 6)
        lay->name_min_pt = 6;
}

/* Area-averaging downscale of straight-alpha RGBA, composited over white,
 * into RGB rows of dw * 3 bytes: the logo is drawn once per renderer, so
 * quality beats speed here, and a box filter does not alias the way
 * nearest or bilinear sampling does at a 4:1 reduction. */
static uint8_t *scale_over_white(const uint8_t *rgba, int sw, int sh, int dw, int dh)
{
    uint8_t *out = xmalloc((size_t)dw * (size_t)dh * 3);
    for (int y = 0; y < dh; y++) {
        double y0 = (double)y * sh / dh, y1 = (double)(y + 1) * sh / dh;
        uint8_t *row = out + (size_t)y * (size_t)dw * 3;
        for (int x = 0; x < dw; x++) {
            double x0 = (double)x * sw / dw, x1 = (double)(x + 1) * sw / dw;
            double acc[3] = {0, 0, 0}, area = 0;
            for (int sy = (int)y0; sy < sh && sy < y1; sy++) {
                double wy = fmin(sy + 1, y1) - fmax(sy, y0);
                for (int sx = (int)x0; sx < sw && sx < x1; sx++) {
                    double wx = fmin(sx + 1, x1) - fmax(sx, x0);
                    const uint8_t *p = rgba + ((size_t)sy * (size_t)sw + (size_t)sx) * 4;
                    double a = p[3] / 255.0, wgt = wx * wy;
                    for (int c = 0; c < 3; c++)
                        acc[c] += wgt * (p[c] * a + 255.0 * (1 - a));
                    area += wgt;
                }
            }
            for (int c = 0; c < 3; c++)
                row[3 * x + c] = (uint8_t)lround(area > 0 ? acc[c] / area : 255);
        }
    }
    return out;
}

static SDL_Surface *surface_of_rgb(const uint8_t *rgb, int w, int h)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_XRGB8888);
    if (!s)
        return NULL;
    for (int y = 0; y < h; y++) {
        uint32_t *row = (uint32_t *)((uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch);
        const uint8_t *p = rgb + (size_t)y * (size_t)w * 3;
        for (int x = 0; x < w; x++)
            row[x] = SDL_MapRGB(s->format, p[3 * x], p[3 * x + 1], p[3 * x + 2]);
    }
    return s;
}

static enum bk_status load_logo(struct badge_renderer *r, struct bk_err *err)
{
    const struct config *cfg = r->cfg;
    if (!cfg->badge_logo || !cfg->badge_logo[0])
        return BK_OK;
    uint8_t *rgba = NULL;
    int w = 0, h = 0;
    struct bk_err why = {0};
    if (pngfile_read_rgba_new(cfg->badge_logo, &rgba, &w, &h, &why) != BK_OK)
        return bk_err_set(err, BK_ERR_CONFIG, cfg->path, 0, "badge.logo",
                          _("The badge logo %s cannot be used: %s"), cfg->badge_logo, why.msg);
    const SDL_Rect *box = &r->lay.logo_box;
    double scale = fmin((double)box->w / w, (double)box->h / h);
    int dw = (int)lround(w * scale), dh = (int)lround(h * scale);
    if (dw < 1)
        dw = 1;
    if (dh < 1)
        dh = 1;
    uint8_t *rgb = scale_over_white(rgba, w, h, dw, dh);
    free(rgba);
    if (r->out.monochrome)
        bilevel_logo(rgb, dw, dh, (size_t)dw * 3);
    r->logo = surface_of_rgb(rgb, dw, dh);
    free(rgb);
    if (!r->logo)
        return bk_err_set(err, BK_ERR_CONFIG, cfg->badge_logo, 0, NULL,
                          _("The badge logo could not be prepared: %s"), SDL_GetError());
    return BK_OK;
}

struct badge_output badge_output_of_config(const struct config *cfg)
{
    return (struct badge_output){cfg->badge_dpi, cfg->badge_color == CONFIG_BADGE_COLOR_MONOCHROME};
}

static enum bk_status renderer_create(const struct config *cfg, const struct badge_output *o,
                                      struct badge_renderer **out, struct bk_err *err)
{
    *out = NULL;
    if (!cfg->badge || o->dpi < 72 || o->dpi > QRIMAGE_DPI_MAX)
        return bk_err_set(err, BK_ERR_CONFIG, cfg->path, 0, "badge.dpi",
                          _("The badge size or resolution is not usable."));
    /* SDL2_ttf counts TTF_Init calls, so each renderer takes and releases
     * its own reference. */
    if (TTF_Init() != 0)
        return bk_err_set(err, BK_ERR_CONFIG, NULL, 0, NULL,
                          _("The font engine could not start: %s"), TTF_GetError());
    struct badge_renderer *r = xcalloc(1, sizeof *r);
    r->cfg = cfg;
    r->out = *o;
    compute_layout(cfg, o->dpi, &r->lay);
    enum bk_status st = badge_fonts_new(o->dpi, &r->fonts, err);
    if (st == BK_OK)
        st = load_logo(r, err);
    if (st == BK_OK) {
        r->canvas = SDL_CreateRGBSurfaceWithFormat(0, r->lay.width, r->lay.height, 32,
                                                   SDL_PIXELFORMAT_XRGB8888);
        if (!r->canvas)
            st = bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL, _("No canvas for the badge: %s"),
                            SDL_GetError());
    }
    if (st != BK_OK) {
        badge_renderer_free(r);
        return st;
    }
    *out = r;
    return BK_OK;
}

enum bk_status badge_renderer_new(const struct config *cfg, struct badge_renderer **out,
                                  struct bk_err *err)
{
    struct badge_output o = badge_output_of_config(cfg);
    return renderer_create(cfg, &o, out, err);
}

enum bk_status badge_renderer_set_output(struct badge_renderer *r, const struct badge_output *out,
                                         struct bk_err *err)
{
    if (r->out.dpi == out->dpi && r->out.monochrome == out->monochrome)
        return BK_OK;
    struct badge_renderer *fresh = NULL;
    enum bk_status st = renderer_create(r->cfg, out, &fresh, err);
    if (st != BK_OK)
        return st;
    struct badge_renderer old = *r;
    *r = *fresh;
    *fresh = old;
    badge_renderer_free(fresh);
    return BK_OK;
}

struct badge_output badge_renderer_output(const struct badge_renderer *r)
{
    return r->out;
}

void badge_renderer_free(struct badge_renderer *r)
{
    if (!r)
        return;
    badge_fonts_free(r->fonts);
    SDL_FreeSurface(r->logo);
    SDL_FreeSurface(r->canvas);
    free(r);
    TTF_Quit();
}

/* ---- text items ---- */

/* One line of text placed on the badge. */
struct item {
    struct badge_line *line;
    int pt;
    int width, ascent, descent;
};

static void item_clear(struct item *it)
{
    badge_line_free(it->line);
    memset(it, 0, sizeof *it);
}

static enum bk_status missing_glyph(struct bk_err *err, const char *what_fmt, const char *id,
                                    uint32_t cp)
{
    char what[256];
    snprintf(what, sizeof what, what_fmt, id);
    if (cp == 0xFFFD)
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL, _("%s is not valid UTF-8 text."),
                          what);
    return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                      _("%s contains a character no installed font can draw: U+%04X"), what,
                      (unsigned)cp);
}

/* Splits text into a line; what_fmt ("the organisation of %s") names it in
 * a refusal. */
static enum bk_status make_line(struct badge_renderer *r, const char *text, bool bold,
                                const char *what_fmt, const char *id, struct badge_line **out,
                                struct bk_err *err)
{
    uint32_t cp = 0;
    if (badge_line_new(r->fonts, text, bold, out, &cp) != BK_OK)
        return missing_glyph(err, what_fmt, id, cp);
    return BK_OK;
}

/* The largest size in [min_pt, max_pt] at which every line is at most
 * max_w wide, or 0. Width grows about linearly with size, so one
 * measurement at max_pt predicts the answer and a few steps confirm it. */
static enum bk_status fit_size(struct badge_line **lines, size_t n, int max_pt, int min_pt,
                               int max_w, int *pt_out, struct bk_err *err)
{
    *pt_out = 0;
    int widest = 0;
    for (size_t i = 0; i < n; i++) {
        int w;
        enum bk_status st = badge_line_measure(lines[i], max_pt, &w, NULL, NULL, err);
        if (st)
            return st;
        if (w > widest)
            widest = w;
    }
    int pt = widest <= max_w ? max_pt : (int)((double)max_pt * max_w / widest);
    if (pt > max_pt)
        pt = max_pt;
    for (; pt >= min_pt; pt--) {
        widest = 0;
        for (size_t i = 0; i < n; i++) {
            int w;
            enum bk_status st = badge_line_measure(lines[i], pt, &w, NULL, NULL, err);
            if (st)
                return st;
            if (w > widest)
                widest = w;
        }
        if (widest <= max_w) {
            *pt_out = pt;
            return BK_OK;
        }
    }
    return BK_OK;
}

/* The longest start of text (in whole code points) that fits max_w at pt
 * with "…" after it, as a line into *out and its words into *shown (NULL:
 * not wanted; else the caller frees it); binary search on the code point
 * count. Just "…" when not even one character fits. */
static enum bk_status cut_to_fit(struct badge_renderer *r, const char *text, bool bold, int pt,
                                 int max_w, const char *what_fmt, const char *id,
                                 struct badge_line **out, char **shown, struct bk_err *err)
{
    size_t len = strlen(text);
    size_t lo = 0, hi = utf8_count(text);
    struct badge_line *best = NULL;
    char *best_text = NULL;
    enum bk_status st = BK_OK;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        size_t keep = 0;
        for (size_t i = 0; i < mid; i++)
            keep += utf8_decode(text + keep, len - keep, NULL);
        while (keep > 0 && text[keep - 1] == ' ')
            keep--;
        char *cut = xasprintf("%.*s…", (int)keep, text);
        struct badge_line *l = NULL;
        st = make_line(r, cut, bold, what_fmt, id, &l, err);
        int w = 0;
        if (st == BK_OK)
            st = badge_line_measure(l, pt, &w, NULL, NULL, err);
        if (st) {
            free(cut);
            badge_line_free(l);
            badge_line_free(best);
            free(best_text);
            return st;
        }
        if (w <= max_w) {
            badge_line_free(best);
            free(best_text);
            best = l;
            best_text = cut;
            lo = mid;
        } else {
            badge_line_free(l);
            free(cut);
            hi = mid - 1;
        }
    }
    if (!best) {
        best_text = xstrdup("…");
        if ((st = make_line(r, best_text, bold, what_fmt, id, &best, err))) {
            free(best_text);
            return st;
        }
    }
    *out = best;
    if (shown)
        *shown = best_text;
    else
        free(best_text);
    return BK_OK;
}

/* A single line that shrinks to fit max_w, down to min_pt, and past that is
 * shortened with an ellipsis: a country or a date line may be cut, a badge
 * should not be refused for it. */
static enum bk_status fit_item(struct badge_renderer *r, const char *text, bool bold, int pt,
                               int min_pt, int max_w, const char *what_fmt, const char *id,
                               struct item *it, struct bk_err *err)
{
    memset(it, 0, sizeof *it);
    if (!text[0])
        return BK_OK;
    enum bk_status st = make_line(r, text, bold, what_fmt, id, &it->line, err);
    if (st)
        return st;
    int got = 0;
    if ((st = fit_size(&it->line, 1, pt, min_pt, max_w, &got, err)))
        return st;
    if (!got) {
        badge_line_free(it->line);
        it->line = NULL;
        if ((st = cut_to_fit(r, text, bold, min_pt, max_w, what_fmt, id, &it->line, NULL, err)))
            return st;
        got = min_pt;
    }
    it->pt = got;
    return badge_line_measure(it->line, got, &it->width, &it->ascent, &it->descent, err);
}

static SDL_Color rgb_colour(uint32_t rgb)
{
    return (SDL_Color){(uint8_t)(rgb >> 16), (uint8_t)(rgb >> 8), (uint8_t)rgb, 255};
}

/* rgb as drawn for the renderer's output: itself, or for a one-colour
 * printer black (white stays white, for the band's label). */
static uint32_t ink(const struct badge_renderer *r, uint32_t rgb)
{
    if (!r->out.monochrome || rgb == 0xFFFFFF)
        return rgb;
    return 0x000000;
}

/* One line of text in rgb, its left edge at x and baseline at y: blended
 * for colour, solid (thresholded glyph by glyph) for a one-colour printer. */
static enum bk_status text_draw(struct badge_renderer *r, struct badge_line *line, int pt,
                                SDL_Surface *s, int x, int y, uint32_t rgb, struct bk_err *err)
{
    SDL_Color c = rgb_colour(ink(r, rgb));
    return r->out.monochrome ? badge_line_draw_solid(line, pt, s, x, y, c, err)
                             : badge_line_draw(line, pt, s, x, y, c, err);
}

static enum bk_status draw_item(struct badge_renderer *r, const struct item *it, int x, int align,
                                int box_w, int baseline, uint32_t rgb, struct bk_err *err)
{
    if (!it->line)
        return BK_OK;
    if (align == ALIGN_CENTRE)
        x += (box_w - it->width) / 2;
    return text_draw(r, it->line, it->pt, r->canvas, x, baseline, rgb, err);
}

/* ---- the name ---- */

/* A block of one or two lines at one size: a name, an organisation. */
struct text_fit {
    struct badge_line *lines[2];
    char *text[2]; /* each line's words, when kept (the organisation's) */
    size_t n;
    int pt;
    int width[2], ascent, descent, pitch; /* pitch: baseline to baseline */
    int height;                           /* of the whole block */
};

static void text_fit_clear(struct text_fit *nf)
{
    badge_line_free(nf->lines[0]);
    badge_line_free(nf->lines[1]);
    free(nf->text[0]);
    free(nf->text[1]);
    memset(nf, 0, sizeof *nf);
}

static bool is_cjk(uint32_t c)
{
    return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}

/* Where the name may break: after each space (the space dropped), or where
 * there is none, between two CJK characters. Byte offsets of the break and
 * of the second line's start. */
static size_t break_candidates(const char *s, size_t *cut, size_t *resume, size_t cap)
{
    size_t n = 0, len = strlen(s);
    for (size_t i = 1; i < len && n < cap; i++)
        if (s[i] == ' ' && s[i - 1] != ' ') {
            size_t j = i;
            while (j < len && s[j] == ' ')
                j++;
            if (j < len)
                cut[n] = i, resume[n] = j, n++;
        }
    if (n > 0)
        return n;
    uint32_t prev = 0;
    for (size_t i = 0; i < len && n < cap;) {
        uint32_t cp;
        size_t got = utf8_decode(s + i, len - i, &cp);
        if (cp == UTF8_INVALID)
            break;
        if (i > 0 && is_cjk(prev) && is_cjk(cp))
            cut[n] = i, resume[n] = i, n++;
        prev = cp;
        i += got;
    }
    return n;
}

static enum bk_status finish_fit(struct text_fit *nf, const struct layout *lay, int dpi,
                                  struct bk_err *err)
{
    nf->ascent = nf->descent = 0;
    for (size_t i = 0; i < nf->n; i++) {
        int a, d;
        enum bk_status st = badge_line_measure(nf->lines[i], nf->pt, &nf->width[i], &a, &d, err);
        if (st)
            return st;
        if (a > nf->ascent)
            nf->ascent = a;
        if (d > nf->descent)
            nf->descent = d;
    }
    nf->pitch = pt_to_px(lay, nf->pt, dpi) * 118 / 100;
    nf->height = nf->ascent + nf->descent + (int)(nf->n - 1) * nf->pitch;
    return BK_OK;
}

/* Among the n breaks of text (break_candidates), the one that makes the
 * wider of its two lines narrowest at pt: its lines into best (both NULL
 * when n is 0) and its index into *at. */
static enum bk_status best_break(struct badge_renderer *r, const char *text, bool bold,
                                 const size_t *cut, const size_t *resume, size_t n, int pt,
                                 const char *what_fmt, const char *id, struct badge_line *best[2],
                                 size_t *at, struct bk_err *err)
{
    best[0] = best[1] = NULL;
    *at = 0;
    int best_w = 0;
    for (size_t b = 0; b < n; b++) {
        char *first = xstrndup(text, cut[b]);
        struct badge_line *l[2] = {NULL, NULL};
        enum bk_status st = make_line(r, first, bold, what_fmt, id, &l[0], err);
        free(first);
        if (st == BK_OK)
            st = make_line(r, text + resume[b], bold, what_fmt, id, &l[1], err);
        int w0 = 0, w1 = 0;
        if (st == BK_OK)
            st = badge_line_measure(l[0], pt, &w0, NULL, NULL, err);
        if (st == BK_OK)
            st = badge_line_measure(l[1], pt, &w1, NULL, NULL, err);
        if (st) {
            badge_line_free(l[0]), badge_line_free(l[1]);
            badge_line_free(best[0]), badge_line_free(best[1]);
            best[0] = best[1] = NULL;
            return st;
        }
        int w = w0 > w1 ? w0 : w1;
        if (!best[0] || w < best_w) {
            badge_line_free(best[0]), badge_line_free(best[1]);
            best[0] = l[0], best[1] = l[1], best_w = w, *at = b;
        } else {
            badge_line_free(l[0]), badge_line_free(l[1]);
        }
    }
    return BK_OK;
}

/* The largest two-line size at which both lines fit max_w and the block
 * fits max_h. */
static int two_line_cap(const struct layout *lay, int max_h, int dpi)
{
    /* ascent + descent is about 1.45 em in Noto (CJK a little more), plus
     * a pitch of 1.18 em. */
    int em_px = max_h * 100 / (145 + 118);
    int pt = (int)(em_px * 72.0 / dpi);
    return pt < lay->name_max_pt ? pt : lay->name_max_pt;
}

static enum bk_status fit_name(struct badge_renderer *r, const struct badgetext *t, int max_w,
                               int max_h, struct text_fit *nf, struct bk_err *err)
{
    const struct layout *lay = &r->lay;
    int dpi = r->out.dpi;
    memset(nf, 0, sizeof *nf);
    enum bk_status st = make_line(r, t->name, true, _("The name of %s"), t->id, &nf->lines[0], err);
    if (st)
        return st;
    nf->n = 1;

    size_t cut[64], resume[64];
    size_t n_breaks = break_candidates(t->name, cut, resume, 64);
    int single_cap = (int)((max_h * 100 / 145) * 72.0 / dpi);
    if (single_cap > lay->name_max_pt)
        single_cap = lay->name_max_pt;
    int single_floor = n_breaks ? lay->name_wrap_pt : lay->name_min_pt;
    int pt = 0;
    if (single_cap >= single_floor &&
        (st = fit_size(nf->lines, 1, single_cap, single_floor, max_w, &pt, err)))
        return st;
    if (pt) {
        nf->pt = pt;
        return finish_fit(nf, lay, dpi, err);
    }

    /* Two lines: the break that makes the wider line narrowest. */
    int cap2 = two_line_cap(lay, max_h, dpi);
    if (cap2 < lay->name_min_pt)
        cap2 = lay->name_min_pt;
    struct badge_line *best[2];
    size_t at;
    if ((st = best_break(r, t->name, true, cut, resume, n_breaks, cap2, _("The name of %s"), t->id,
                         best, &at, err)))
        return st;
    if (best[0]) {
        if ((st = fit_size(best, 2, cap2, lay->name_min_pt, max_w, &pt, err))) {
            badge_line_free(best[0]), badge_line_free(best[1]);
            return st;
        }
        if (pt) {
            badge_line_free(nf->lines[0]);
            nf->lines[0] = best[0];
            nf->lines[1] = best[1];
            nf->n = 2;
            nf->pt = pt;
            return finish_fit(nf, lay, dpi, err);
        }
        badge_line_free(best[0]), badge_line_free(best[1]);
    }
    /* No break helps (one long word): one line down to the smallest size. */
    if (n_breaks &&
        (st = fit_size(nf->lines, 1, lay->name_wrap_pt, lay->name_min_pt, max_w, &pt, err)))
        return st;
    if (pt) {
        nf->pt = pt;
        return finish_fit(nf, lay, dpi, err);
    }
    return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                      _("The name of %s is too long for the badge, even on two lines at the "
                        "smallest size."),
                      t->id);
}

/* ---- the organisation ---- */

/* A block that may be cut rather than refused (an organisation): one line
 * at max_pt; else two lines broken where they balance (at a space, or in
 * CJK text between characters), from max_pt down to min_pt; else one line
 * down to min_pt (a single long word); else, at min_pt, as much as fits
 * with "…" at the end, on the second line when there are two. Wrapping
 * comes before shrinking and shrinking before cutting: a name that fits on
 * two lines is read whole. The block stays within max_w and max_h. */
static enum bk_status fit_block(struct badge_renderer *r, const char *text, bool bold, int max_pt,
                                int min_pt, int max_w, int max_h, const char *what_fmt,
                                const char *id, struct text_fit *tf, struct bk_err *err)
{
    const struct layout *lay = &r->lay;
    int dpi = r->out.dpi;
    memset(tf, 0, sizeof *tf);
    if (!text[0])
        return BK_OK;
    enum bk_status st = make_line(r, text, bold, what_fmt, id, &tf->lines[0], err);
    if (st)
        return st;
    tf->n = 1;
    tf->text[0] = xstrdup(text);
    /* The sizes whose one or two lines fit max_h, from the faces' own
     * ascent and descent at max_pt (height grows with size), a second
     * line a pitch of 1.18 em lower. */
    int asc = 0, desc = 0;
    if ((st = badge_line_measure(tf->lines[0], max_pt, NULL, &asc, &desc, err)))
        return st;
    int one_h = asc + desc > 0 ? asc + desc : 1, pitch = pt_to_px(lay, max_pt, dpi) * 118 / 100;
    int cap1 = one_h <= max_h ? max_pt : max_pt * max_h / one_h;
    int cap2 = one_h + pitch <= max_h ? max_pt : max_pt * max_h / (one_h + pitch);
    int pt = 0;
    if (cap1 == max_pt && (st = fit_size(tf->lines, 1, max_pt, max_pt, max_w, &pt, err)))
        return st;
    size_t cut[64], resume[64];
    size_t n_breaks = break_candidates(text, cut, resume, 64);
    if (!pt && n_breaks && cap2 >= min_pt) {
        struct badge_line *best[2];
        size_t at;
        if ((st = best_break(r, text, bold, cut, resume, n_breaks, cap2, what_fmt, id, best, &at,
                             err)))
            return st;
        if ((st = fit_size(best, 2, cap2, min_pt, max_w, &pt, err))) {
            badge_line_free(best[0]), badge_line_free(best[1]);
            return st;
        }
        if (pt) {
            badge_line_free(tf->lines[0]);
            free(tf->text[0]);
            tf->lines[0] = best[0], tf->lines[1] = best[1];
            tf->text[0] = xstrndup(text, cut[at]);
            tf->text[1] = xstrdup(text + resume[at]);
            tf->n = 2;
        } else {
            badge_line_free(best[0]), badge_line_free(best[1]);
        }
    }
    if (!pt && cap1 >= min_pt && (st = fit_size(tf->lines, 1, cap1, min_pt, max_w, &pt, err)))
        return st;
    if (!pt) {
        /* Cut at the smallest size: the first line as full as a break
         * allows, the rest cut with "…"; one line cut when there is no
         * break or no room for two. */
        pt = min_pt;
        size_t first = 0;
        bool two = false;
        for (size_t b = n_breaks; cap2 >= min_pt && b-- > 0 && !two;) {
            char *head = xstrndup(text, cut[b]);
            struct badge_line *l = NULL;
            int w = 0;
            st = make_line(r, head, bold, what_fmt, id, &l, err);
            if (st == BK_OK)
                st = badge_line_measure(l, min_pt, &w, NULL, NULL, err);
            if (st == BK_OK && w <= max_w) {
                two = true;
                first = b;
                badge_line_free(tf->lines[0]);
                free(tf->text[0]);
                tf->lines[0] = l;
                tf->text[0] = head;
            } else {
                badge_line_free(l);
                free(head);
            }
            if (st)
                return st;
        }
        const char *rest = two ? text + resume[first] : text;
        struct badge_line *l = NULL;
        char *shown = NULL;
        if ((st = cut_to_fit(r, rest, bold, min_pt, max_w, what_fmt, id, &l, &shown, err)))
            return st;
        size_t i = two ? 1 : 0;
        badge_line_free(tf->lines[i]);
        free(tf->text[i]);
        tf->lines[i] = l;
        tf->text[i] = shown;
        tf->n = i + 1;
    }
    tf->pt = pt;
    return finish_fit(tf, lay, dpi, err);
}

/* Draws the block's lines from its top at y (left-aligned at x, or each
 * centred in box_w); returns the y under it. */
static enum bk_status draw_block(struct badge_renderer *r, const struct text_fit *tf, int x,
                                 int align, int box_w, int y, uint32_t rgb, int *below,
                                 struct bk_err *err)
{
    int base = y + tf->ascent;
    for (size_t i = 0; i < tf->n; i++) {
        int lx = align == ALIGN_CENTRE ? x + (box_w - tf->width[i]) / 2 : x;
        enum bk_status st = text_draw(r, tf->lines[i], tf->pt, r->canvas, lx, base, rgb, err);
        if (st)
            return st;
        if (i + 1 < tf->n)
            base += tf->pitch;
    }
    *below = base + tf->descent;
    return BK_OK;
}

/* Keeps what the organisation came to for badge_renderer_last_layout. */
static void report_org(struct badge_renderer *r, const struct text_fit *org, int top, int max_pt,
                       int min_pt)
{
    struct badge_layout_report *rep = &r->last;
    rep->org_lines = org->n;
    for (size_t i = 0; i < org->n; i++)
        snprintf(rep->org[i], sizeof rep->org[i], "%s", org->text[i] ? org->text[i] : "");
    rep->org_pt = org->pt;
    rep->org_max_pt = max_pt;
    rep->org_min_pt = min_pt;
    rep->org_top = org->n ? top : 0;
    rep->org_bottom = org->n ? top + org->height : 0;
}

void badge_renderer_last_layout(const struct badge_renderer *r, struct badge_layout_report *out)
{
    *out = r->last;
}

/* ---- drawing ---- */

static void fill(SDL_Surface *s, int x, int y, int w, int h, uint32_t rgb)
{
    SDL_Rect rc = {x, y, w, h};
    SDL_FillRect(s, &rc,
                 SDL_MapRGB(s->format, (uint8_t)(rgb >> 16), (uint8_t)(rgb >> 8), (uint8_t)rgb));
}

/* Crisp modules: whole pixels each, runs of dark modules in a row drawn
 * as one rectangle. (x, y) is the top left of the first module. */
static void draw_qr(SDL_Surface *s, const struct qrimage *q, int x, int y, int module)
{
    for (int my = 0; my < q->width; my++) {
        const uint8_t *row = q->modules + (size_t)my * (size_t)q->width;
        for (int mx = 0; mx < q->width;) {
            if (!row[mx]) {
                mx++;
                continue;
            }
            int start = mx;
            while (mx < q->width && row[mx])
                mx++;
            fill(s, x + start * module, y + my * module, (mx - start) * module, module, 0x000000);
        }
    }
}

/* The canvas as plain RGB; for a one-colour printer every pixel black or
 * white (anything the drawing left grey is settled at half lightness). */
static struct badge_image *canvas_to_image(const SDL_Surface *s, const struct badge_output *o)
{
    struct badge_image *img = badge_image_new(s->w, s->h, o->dpi);
    img->monochrome = o->monochrome;
    for (int y = 0; y < s->h; y++) {
        const uint32_t *src =
            (const uint32_t *)((const uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch);
        uint8_t *dst = img->rgb + (size_t)y * img->stride;
        for (int x = 0; x < s->w; x++) {
            uint32_t p = src[x]; /* XRGB8888 */
            dst[3 * x] = (uint8_t)(p >> 16);
            dst[3 * x + 1] = (uint8_t)(p >> 8);
            dst[3 * x + 2] = (uint8_t)p;
            if (o->monochrome) {
                unsigned g =
                    (299u * dst[3 * x] + 587u * dst[3 * x + 1] + 114u * dst[3 * x + 2]) / 1000u;
                memset(dst + 3 * x, g < 128 ? 0 : 255, 3);
            }
        }
    }
    return img;
}

#define COLOUR_NAME 0x111111
#define COLOUR_ORG 0x2b2b2b
#define COLOUR_COUNTRY 0x555555
#define COLOUR_VALIDITY 0x333333

struct parts {
    struct badgetext *text;
    struct qrimage *qr;
    struct text_fit name, org;
    struct item band, country, validity;
};

static void parts_clear(struct parts *p)
{
    badgetext_free(p->text);
    qrimage_free(p->qr);
    text_fit_clear(&p->name);
    text_fit_clear(&p->org);
    item_clear(&p->band);
    item_clear(&p->country);
    item_clear(&p->validity);
}

/* The QR code's size on this badge: whole-pixel modules, as large as the
 * layout's box allows, and its quiet zone. */
struct qr_place {
    int module; /* pixels per module */
    int quiet;  /* quiet zone, pixels */
    int symbol; /* the symbol's side without the quiet zone, pixels */
};

static enum bk_status size_qr(const struct layout *lay, const struct parts *p, struct qr_place *q,
                              struct bk_err *err)
{
    q->module = lay->qr_box / (p->qr->width + 2 * QRIMAGE_QUIET_MODULES);
    if (q->module < 1)
        return bk_err_set(err, BK_ERR_TOO_BIG, NULL, 0, NULL,
                          _("The QR code for %s has too many modules for this badge size."),
                          p->text->id);
    q->quiet = QRIMAGE_QUIET_MODULES * q->module;
    q->symbol = p->qr->width * q->module;
    return BK_OK;
}

/* The category band across the bottom edge and its label in white. */
static enum bk_status draw_band(struct badge_renderer *r, struct parts *p, struct bk_err *err)
{
    const struct layout *lay = &r->lay;
    const struct badgetext *t = p->text;
    int content_w = lay->content_right - lay->content_left;
    fill(r->canvas, lay->band.x, lay->band.y, lay->band.w, lay->band.h, ink(r, t->band_rgb));
    enum bk_status st = fit_item(r, t->band_label, true, lay->band_pt, lay->band_pt * 6 / 10,
                                 content_w, _("The category label of %s"), t->id, &p->band, err);
    if (st || !p->band.line)
        return st;
    /* Centre on the capitals (0.72 em high in Noto Sans), not on the
     * font's ascender and descender space. */
    int baseline = lay->band.y + lay->band.h / 2 + pt_to_px(lay, p->band.pt, r->out.dpi) * 36 / 100;
    return draw_item(r, &p->band, lay->content_left, ALIGN_CENTRE, content_w, baseline, 0xFFFFFF,
                     err);
}

/* The logo, centred in its box's height (and, portrait, across the badge);
 * returns the y below which the rest may start. */
static int draw_logo(struct badge_renderer *r)
{
    const struct layout *lay = &r->lay;
    if (!r->logo)
        return lay->content_top;
    SDL_Rect at = {lay->logo_box.x, lay->logo_box.y, r->logo->w, r->logo->h};
    if (lay->portrait)
        at.x = (lay->width - r->logo->w) / 2;
    at.y += (lay->logo_box.h - r->logo->h) / 2;
    SDL_BlitSurface(r->logo, NULL, r->canvas, &at);
    return lay->logo_box.y + lay->logo_box.h;
}

/* Portrait (A6). Bottom up: validity line, QR code; top down: logo; the
 * name, organisation and country centred in what is left between. */
static enum bk_status draw_portrait(struct badge_renderer *r, struct parts *p,
                                    const struct qr_place *q, int logo_bottom, struct bk_err *err)
{
    const struct layout *lay = &r->lay;
    const struct badgetext *t = p->text;
    SDL_Surface *s = r->canvas;
    int x0 = lay->content_left;
    int content_w = lay->content_right - lay->content_left;
    enum bk_status st;

    if ((st = fit_item(r, t->validity, false, lay->validity_pt, lay->validity_pt * 7 / 10,
                       content_w, _("The event dates of %s"), t->id, &p->validity, err)))
        return st;
    int validity_base = lay->content_bottom - p->validity.descent;
    int qr_bottom =
        p->validity.line ? validity_base - p->validity.ascent - lay->gap / 2 : lay->content_bottom;
    int qr_top = qr_bottom - q->symbol;
    draw_qr(s, p->qr, (lay->width - q->symbol) / 2, qr_top, q->module);
    if ((st = draw_item(r, &p->validity, x0, ALIGN_CENTRE, content_w, validity_base,
                        COLOUR_VALIDITY, err)))
        return st;

    /* Two lines of organisation in at most a third of the space left: the
     * name has the rest. */
    if ((st = fit_block(r, t->organization, false, lay->org_pt, lay->org_pt * 7 / 10, content_w,
                        (qr_top - logo_bottom) / 3, _("The organisation of %s"), t->id, &p->org,
                        err)))
        return st;
    if ((st = fit_item(r, t->country, false, lay->country_pt, lay->country_pt * 7 / 10, content_w,
                       _("The country of %s"), t->id, &p->country, err)))
        return st;
    int info_h = 0;
    if (p->org.n)
        info_h += lay->gap / 2 + p->org.height;
    if (p->country.line)
        info_h += p->country.ascent + p->country.descent;
    int top = logo_bottom + lay->gap;
    int bottom = qr_top - q->quiet - lay->gap / 2;
    int name_max_h = bottom - top - info_h - lay->gap / 2;
    if ((st = fit_name(r, t, content_w, name_max_h, &p->name, err)))
        return st;
    int block_h = p->name.height + lay->gap / 2 + info_h;
    int y = top + (bottom - top - block_h) / 2;
    int base = y + p->name.ascent;
    for (size_t i = 0; i < p->name.n; i++) {
        int x = x0 + (content_w - p->name.width[i]) / 2;
        if ((st = text_draw(r, p->name.lines[i], p->name.pt, s, x, base, COLOUR_NAME, err)))
            return st;
        if (i + 1 < p->name.n)
            base += p->name.pitch;
    }
    y = base + p->name.descent + lay->gap / 2;
    if (p->org.n) {
        y += lay->gap / 2;
        report_org(r, &p->org, y, lay->org_pt, lay->org_pt * 7 / 10);
        if ((st = draw_block(r, &p->org, x0, ALIGN_CENTRE, content_w, y, COLOUR_ORG, &y, err)))
            return st;
    }
    r->last.validity_top = p->validity.line ? validity_base - p->validity.ascent : 0;
    if (p->country.line) {
        r->last.country_top = y;
        r->last.country_bottom = y + p->country.ascent + p->country.descent;
        return draw_item(r, &p->country, x0, ALIGN_CENTRE, content_w, y + p->country.ascent,
                         COLOUR_COUNTRY, err);
    }
    return BK_OK;
}

/* Landscape (4x3 in, CR80): QR bottom right inside the margin (its quiet
 * zone may lie in the margin, which is white), the name across the full
 * width under the logo, organisation, country and validity left of the QR
 * code. */
static enum bk_status draw_landscape(struct badge_renderer *r, struct parts *p,
                                     const struct qr_place *q, int logo_bottom, struct bk_err *err)
{
    const struct layout *lay = &r->lay;
    const struct badgetext *t = p->text;
    int dpi = r->out.dpi;
    int x0 = lay->content_left;
    int content_w = lay->content_right - lay->content_left;
    enum bk_status st;

    int qr_right = lay->content_right;
    if (lay->width - qr_right < q->quiet)
        qr_right = lay->width - q->quiet;
    int qr_x = qr_right - q->symbol;
    int qr_top = lay->content_bottom - q->symbol;
    draw_qr(r->canvas, p->qr, qr_x, qr_top, q->module);

    int top = logo_bottom + lay->gap / 2;
    int bottom = qr_top - lay->gap * 3 / 2;
    if ((st = fit_name(r, t, content_w, bottom - top, &p->name, err)))
        return st;
    int base = top + (bottom - top - p->name.height) / 2 + p->name.ascent;
    for (size_t i = 0; i < p->name.n; i++) {
        if ((st =
                 text_draw(r, p->name.lines[i], p->name.pt, r->canvas, x0, base, COLOUR_NAME, err)))
            return st;
        base += p->name.pitch;
    }

    int info_w = qr_x - q->quiet - lay->gap / 2 - x0;
    if ((st = fit_item(r, t->country, false, lay->country_pt, lay->country_pt * 7 / 10, info_w,
                       _("The country of %s"), t->id, &p->country, err)) ||
        (st = fit_item(r, t->validity, false, lay->validity_pt, lay->validity_pt * 7 / 10, info_w,
                       _("The event dates of %s"), t->id, &p->validity, err)))
        return st;
    /* The organisation has the QR code's height less the country and the
     * dates under it (its ascent above the capitals may rise past the
     * code's top). */
    int validity_top = qr_top + q->symbol - p->validity.ascent - p->validity.descent;
    int org_h = validity_top - lay->gap / 4 - qr_top -
                (p->country.line ? p->country.ascent + p->country.descent : 0) +
                pt_to_px(lay, lay->org_pt, dpi) * 30 / 100;
    if ((st = fit_block(r, t->organization, false, lay->org_pt, lay->org_pt * 7 / 10, info_w,
                        org_h, _("The organisation of %s"), t->id, &p->org, err)))
        return st;
    /* The organisation's capitals line up with the top of the QR code,
     * the validity line's descenders with its bottom (inside the margin). */
    int y = qr_top - (p->org.n ? p->org.ascent - pt_to_px(lay, p->org.pt, dpi) * 72 / 100 : 0);
    if (p->org.n) {
        report_org(r, &p->org, y, lay->org_pt, lay->org_pt * 7 / 10);
        if ((st = draw_block(r, &p->org, x0, ALIGN_LEFT, info_w, y, COLOUR_ORG, &y, err)))
            return st;
    }
    r->last.validity_top = p->validity.line ? validity_top : 0;
    if (p->country.line) {
        r->last.country_top = y;
        r->last.country_bottom = y + p->country.ascent + p->country.descent;
    }
    if (p->country.line && (st = draw_item(r, &p->country, x0, ALIGN_LEFT, info_w,
                                           y + p->country.ascent, COLOUR_COUNTRY, err)))
        return st;
    if (p->validity.line)
        return draw_item(r, &p->validity, x0, ALIGN_LEFT, info_w,
                         qr_top + q->symbol - p->validity.descent, COLOUR_VALIDITY, err);
    return BK_OK;
}

/* White canvas, band, logo, then the stock's own layout. */
static enum bk_status draw_badge(struct badge_renderer *r, struct parts *p, struct bk_err *err)
{
    struct qr_place q = {0, 0, 0};
    enum bk_status st = size_qr(&r->lay, p, &q, err);
    if (st)
        return st;
    memset(&r->last, 0, sizeof r->last);
    fill(r->canvas, 0, 0, r->canvas->w, r->canvas->h, 0xFFFFFF);
    if ((st = draw_band(r, p, err)))
        return st;
    int logo_bottom = draw_logo(r);
    return r->lay.portrait ? draw_portrait(r, p, &q, logo_bottom, err)
                           : draw_landscape(r, p, &q, logo_bottom, err);
}

enum bk_status badge_render_text(struct badge_renderer *r, const char *text, int pt,
                                 struct badge_image **out, struct bk_err *err)
{
    *out = NULL;
    struct badge_line *line = NULL;
    enum bk_status st = make_line(r, text, true, _("The text \"%s\""), text, &line, err);
    int w = 0, asc = 0, desc = 0;
    if (st == BK_OK)
        st = badge_line_measure(line, pt, &w, &asc, &desc, err);
    SDL_Surface *s = NULL;
    if (st == BK_OK) {
        int pad = pt_to_px(&r->lay, pt, r->out.dpi) / 4;
        s = SDL_CreateRGBSurfaceWithFormat(0, w + 2 * pad, asc + desc + 2 * pad, 32,
                                           SDL_PIXELFORMAT_XRGB8888);
        if (!s)
            st = bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL, _("No canvas for the text: %s"),
                            SDL_GetError());
        else {
            fill(s, 0, 0, s->w, s->h, 0xFFFFFF);
            st = text_draw(r, line, pt, s, pad, pad + asc, 0x000000, err);
        }
    }
    if (st == BK_OK)
        *out = canvas_to_image(s, &r->out);
    SDL_FreeSurface(s);
    badge_line_free(line);
    return st;
}

enum bk_status badge_render(struct badge_renderer *r, const struct attendee *a, const char *qr_text,
                            struct badge_image **out, struct bk_err *err)
{
    *out = NULL;
    struct parts p;
    memset(&p, 0, sizeof p);
    enum bk_status st = badgetext_new(r->cfg, a, &p.text, err);
    if (st == BK_OK)
        st = qrimage_new(qr_text, &p.qr, err);
    if (st == BK_OK)
        st = draw_badge(r, &p, err);
    if (st == BK_OK)
        *out = canvas_to_image(r->canvas, &r->out);
    parts_clear(&p);
    return st;
}
