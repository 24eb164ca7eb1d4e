/* draw: shapes, icons and cached text for the kiosk's screens (see draw.h). */
#include "kiosk/draw.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "badge/textrun.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* Calm: off-white ground, dark slate ink, muted accents that still pass
 * WCAG AA for white text on them. */
const struct ui_theme ui_theme_calm = {
    .bg = {0xF4, 0xF6, 0xF8, 0xFF},
    .panel = {0xFF, 0xFF, 0xFF, 0xFF},
    .ink = {0x1B, 0x26, 0x33, 0xFF},
    .muted = {0x52, 0x60, 0x6D, 0xFF},
    .line = {0xD5, 0xDB, 0xE1, 0xFF},
    .ok = {0x1E, 0x7B, 0x47, 0xFF},
    .info = {0x1D, 0x5F, 0xA8, 0xFF},
    .warn = {0xA8, 0x5B, 0x00, 0xFF},
    .bad = {0xB4, 0x23, 0x2A, 0xFF},
    .on_accent = {0xFF, 0xFF, 0xFF, 0xFF},
    .button = {0x1D, 0x5F, 0xA8, 0xFF},
    .button_ink = {0xFF, 0xFF, 0xFF, 0xFF},
    .text_scale = 1.0f,
};

/* Black ground, white and yellow, bigger words. */
const struct ui_theme ui_theme_contrast = {
    .bg = {0x00, 0x00, 0x00, 0xFF},
    .panel = {0x12, 0x12, 0x12, 0xFF},
    .ink = {0xFF, 0xFF, 0xFF, 0xFF},
    .muted = {0xFF, 0xE0, 0x4D, 0xFF},
    .line = {0xFF, 0xFF, 0xFF, 0xFF},
    .ok = {0x39, 0xE0, 0x7A, 0xFF},
    .info = {0x5C, 0xC8, 0xFF, 0xFF},
    .warn = {0xFF, 0xD6, 0x00, 0xFF},
    .bad = {0xFF, 0x6B, 0x6B, 0xFF},
    .on_accent = {0x00, 0x00, 0x00, 0xFF},
    .button = {0xFF, 0xE0, 0x4D, 0xFF},
    .button_ink = {0x00, 0x00, 0x00, 0xFF},
    .text_scale = 1.3f,
};

struct ui_text_entry {
    char *text;
    int px, maxw, maxh; /* maxh 0: as many lines as the text needs */
    bool bold;
    uint32_t rgba;
    enum ui_align align;
    SDL_Texture *tex;
    int w, h;
};

enum bk_status ui_init(struct ui *ui, SDL_Renderer *r, pthread_mutex_t *font_lock,
                       struct bk_err *err)
{
    memset(ui, 0, sizeof *ui);
    ui->r = r;
    ui->font_lock = font_lock;
    ui->theme = &ui_theme_calm;
    ui->cache = xcalloc(UI_TEXT_CACHE, sizeof *ui->cache);
    pthread_mutex_lock(font_lock);
    /* SDL2_ttf counts TTF_Init calls; ui_free gives this one back. */
    enum bk_status st = TTF_Init() == 0 ? badge_fonts_new(72, &ui->fonts, err)
                                        : bk_err_set(err, BK_ERR_CONFIG, NULL, 0, NULL, "%s",
                                                     TTF_GetError());
    if (st == BK_OK)
        ui->ttf_ready = true;
    pthread_mutex_unlock(font_lock);
    return st;
}

void ui_forget_text(struct ui *ui)
{
    for (size_t i = 0; i < ui->n_cached; i++) {
        free(ui->cache[i].text);
        SDL_DestroyTexture(ui->cache[i].tex);
    }
    ui->n_cached = 0;
}

void ui_free(struct ui *ui)
{
    if (!ui->cache)
        return;
    ui_forget_text(ui);
    free(ui->cache);
    ui->cache = NULL;
    pthread_mutex_lock(ui->font_lock);
    badge_fonts_free(ui->fonts);
    if (ui->ttf_ready)
        TTF_Quit();
    pthread_mutex_unlock(ui->font_lock);
}

void ui_begin(struct ui *ui)
{
    SDL_GetRendererOutputSize(ui->r, &ui->w, &ui->h);
    ui->u = (ui->w < ui->h ? ui->w : ui->h) / 100.0f;
    ui->incomplete = false;
}

SDL_Rect ui_rect_abs(const struct ui *ui, float x, float y, float w, float h)
{
    return (SDL_Rect){(int)lroundf(x * ui->u), (int)lroundf(y * ui->u), (int)lroundf(w * ui->u),
                      (int)lroundf(h * ui->u)};
}

SDL_Rect ui_rect(const struct ui *ui, float x, float y, float w, float h)
{
    SDL_Rect r = ui_rect_abs(ui, x, y, w, h);
    if (ui->rtl)
        r.x = ui->w - r.x - r.w;
    return r;
}

enum ui_align ui_lead(const struct ui *ui)
{
    return ui->rtl ? UI_RIGHT : UI_LEFT;
}

enum ui_align ui_trail(const struct ui *ui)
{
    return ui->rtl ? UI_LEFT : UI_RIGHT;
}

/* ---- shapes ---- */

void ui_fill(struct ui *ui, SDL_Rect r, SDL_Color c)
{
    SDL_SetRenderDrawColor(ui->r, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(ui->r, &r);
}

/* An annulus sector from angle a0 to a1 (radians), as a triangle strip. */
static void arc(struct ui *ui, float cx, float cy, float rad, float thick, float a0, float a1,
                SDL_Color c)
{
    enum { SEG = 48 };
    SDL_Vertex v[(SEG + 1) * 2];
    int idx[SEG * 6];
    float inner = rad - thick > 0 ? rad - thick : 0;
    for (int i = 0; i <= SEG; i++) {
        float a = a0 + (a1 - a0) * i / SEG;
        v[2 * i] = (SDL_Vertex){{cx + cosf(a) * rad, cy + sinf(a) * rad}, c, {0, 0}};
        v[2 * i + 1] = (SDL_Vertex){{cx + cosf(a) * inner, cy + sinf(a) * inner}, c, {0, 0}};
    }
    for (int i = 0; i < SEG; i++) {
        int *t = &idx[i * 6];
        t[0] = 2 * i, t[1] = 2 * i + 1, t[2] = 2 * i + 2;
        t[3] = 2 * i + 1, t[4] = 2 * i + 3, t[5] = 2 * i + 2;
    }
    SDL_RenderGeometry(ui->r, NULL, v, (SEG + 1) * 2, idx, SEG * 6);
}

void ui_disc(struct ui *ui, float cx, float cy, float radius, SDL_Color c)
{
    arc(ui, cx, cy, radius, radius, 0, 2 * (float)M_PI, c);
}

void ui_ring(struct ui *ui, float cx, float cy, float radius, float thick, SDL_Color c)
{
    arc(ui, cx, cy, radius, thick, 0, 2 * (float)M_PI, c);
}

void ui_round(struct ui *ui, SDL_Rect r, int radius, SDL_Color c)
{
    if (radius * 2 > r.h)
        radius = r.h / 2;
    if (radius * 2 > r.w)
        radius = r.w / 2;
    ui_fill(ui, (SDL_Rect){r.x + radius, r.y, r.w - 2 * radius, r.h}, c);
    ui_fill(ui, (SDL_Rect){r.x, r.y + radius, radius, r.h - 2 * radius}, c);
    ui_fill(ui, (SDL_Rect){r.x + r.w - radius, r.y + radius, radius, r.h - 2 * radius}, c);
    float q = (float)M_PI / 2;
    arc(ui, r.x + radius, r.y + radius, radius, radius, 2 * q, 3 * q, c);
    arc(ui, r.x + r.w - radius, r.y + radius, radius, radius, 3 * q, 4 * q, c);
    arc(ui, r.x + r.w - radius, r.y + r.h - radius, radius, radius, 0, q, c);
    arc(ui, r.x + radius, r.y + r.h - radius, radius, radius, q, 2 * q, c);
}

void ui_round_outline(struct ui *ui, SDL_Rect r, int radius, int thick, SDL_Color c)
{
    if (radius * 2 > r.h)
        radius = r.h / 2;
    if (radius < thick)
        radius = thick;
    ui_fill(ui, (SDL_Rect){r.x + radius, r.y, r.w - 2 * radius, thick}, c);
    ui_fill(ui, (SDL_Rect){r.x + radius, r.y + r.h - thick, r.w - 2 * radius, thick}, c);
    ui_fill(ui, (SDL_Rect){r.x, r.y + radius, thick, r.h - 2 * radius}, c);
    ui_fill(ui, (SDL_Rect){r.x + r.w - thick, r.y + radius, thick, r.h - 2 * radius}, c);
    float q = (float)M_PI / 2;
    arc(ui, r.x + radius, r.y + radius, radius, thick, 2 * q, 3 * q, c);
    arc(ui, r.x + r.w - radius, r.y + radius, radius, thick, 3 * q, 4 * q, c);
    arc(ui, r.x + r.w - radius, r.y + r.h - radius, radius, thick, 0, q, c);
    arc(ui, r.x + radius, r.y + r.h - radius, radius, thick, q, 2 * q, c);
}

void ui_line(struct ui *ui, float x0, float y0, float x1, float y1, float thick, SDL_Color c)
{
    float dx = x1 - x0, dy = y1 - y0, len = sqrtf(dx * dx + dy * dy);
    if (len <= 0)
        return;
    float nx = -dy / len * thick / 2, ny = dx / len * thick / 2;
    SDL_Vertex v[4] = {{{x0 + nx, y0 + ny}, c, {0, 0}},
                       {{x0 - nx, y0 - ny}, c, {0, 0}},
                       {{x1 + nx, y1 + ny}, c, {0, 0}},
                       {{x1 - nx, y1 - ny}, c, {0, 0}}};
    int idx[6] = {0, 1, 2, 1, 3, 2};
    SDL_RenderGeometry(ui->r, NULL, v, 4, idx, 6);
    /* Round caps, so joined strokes (the tick) meet cleanly. */
    arc(ui, x0, y0, thick / 2, thick / 2, 0, 2 * (float)M_PI, c);
    arc(ui, x1, y1, thick / 2, thick / 2, 0, 2 * (float)M_PI, c);
}

void ui_icon(struct ui *ui, enum ui_icon icon, float cx, float cy, float rad, SDL_Color disc,
             SDL_Color mark)
{
    ui_disc(ui, cx, cy, rad, disc);
    float t = rad * 0.17f;
#define P(x, y) cx + (x) * rad, cy + (y) * rad
    switch (icon) {
    case UI_ICON_TICK:
        ui_line(ui, P(-0.42f, 0.02f), P(-0.13f, 0.32f), t, mark);
        ui_line(ui, P(-0.13f, 0.32f), P(0.45f, -0.30f), t, mark);
        break;
    case UI_ICON_CROSS:
        ui_line(ui, P(-0.34f, -0.34f), P(0.34f, 0.34f), t, mark);
        ui_line(ui, P(0.34f, -0.34f), P(-0.34f, 0.34f), t, mark);
        break;
    case UI_ICON_BANG:
        ui_line(ui, P(0, -0.48f), P(0, 0.12f), t, mark);
        ui_disc(ui, P(0, 0.42f), t * 0.65f, mark);
        break;
    case UI_ICON_INFO:
        ui_disc(ui, P(0, -0.42f), t * 0.65f, mark);
        ui_line(ui, P(0, -0.12f), P(0, 0.48f), t, mark);
        break;
    case UI_ICON_PRINTER: {
        SDL_Rect body = {(int)(cx - rad * 0.55f), (int)(cy - rad * 0.18f), (int)(rad * 1.1f),
                         (int)(rad * 0.5f)};
        ui_round(ui, body, (int)(rad * 0.08f), mark);
        SDL_Rect paper_in = {(int)(cx - rad * 0.32f), (int)(cy - rad * 0.5f), (int)(rad * 0.64f),
                             (int)(rad * 0.3f)};
        ui_fill(ui, paper_in, mark);
        SDL_Rect paper_out = {(int)(cx - rad * 0.32f), (int)(cy + rad * 0.22f), (int)(rad * 0.64f),
                              (int)(rad * 0.38f)};
        ui_fill(ui, paper_out, mark);
        ui_fill(ui, (SDL_Rect){paper_out.x + (int)(rad * 0.08f), paper_out.y + (int)(rad * 0.1f),
                               (int)(rad * 0.48f), (int)(rad * 0.05f) + 1},
                disc);
        break;
    }
    case UI_ICON_LOCK:
        arc(ui, cx, cy - rad * 0.12f, rad * 0.3f, t * 0.8f, (float)M_PI, 2 * (float)M_PI, mark);
        ui_line(ui, P(-0.3f + 0.07f, -0.12f), P(-0.3f + 0.07f, 0.05f), t * 0.8f, mark);
        ui_line(ui, P(0.3f - 0.07f, -0.12f), P(0.3f - 0.07f, 0.05f), t * 0.8f, mark);
        ui_round(ui,
                 (SDL_Rect){(int)(cx - rad * 0.45f), (int)(cy), (int)(rad * 0.9f),
                            (int)(rad * 0.5f)},
                 (int)(rad * 0.08f), mark);
        break;
    }
#undef P
}

/* ---- text ---- */

static uint32_t rgba_of(SDL_Color c)
{
    return (uint32_t)c.r << 24 | (uint32_t)c.g << 16 | (uint32_t)c.b << 8 | c.a;
}

struct measured {
    int w, asc, desc;
    bool ok;
};

static struct measured measure(struct ui *ui, const char *s, int px, bool bold)
{
    struct measured m = {0};
    struct badge_line *line = NULL;
    uint32_t missing = 0;
    if (badge_line_new(ui->fonts, s, bold, &line, &missing) != BK_OK)
        return m;
    m.ok = badge_line_measure(line, px, &m.w, &m.asc, &m.desc, NULL) == BK_OK;
    badge_line_free(line);
    return m;
}

struct lines {
    char **v;
    size_t n, cap;
};

static void push_line(struct lines *l, const char *s, size_t n)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = xstrndup(s, n);
}

/* Greedy wrapping at spaces; a word wider than the box (a Chinese sentence
 * has no spaces) is broken between characters. Hard breaks at '\n'. */
static void wrap(struct ui *ui, const char *text, int px, bool bold, int maxw, struct lines *out)
{
    size_t cap = strlen(text) + 2;
    char *cur = xmalloc(cap), *cand = xmalloc(cap);
    const char *p = text;
    for (;;) {
        size_t para = strcspn(p, "\n"), curlen = 0, i = 0;
        cur[0] = '\0';
        while (i < para) {
            size_t wl = strcspn(p + i, " \n");
            size_t cl = curlen ? curlen + 1 : 0;
            memcpy(cand, cur, curlen);
            if (curlen)
                cand[curlen] = ' ';
            memcpy(cand + cl, p + i, wl);
            cand[cl + wl] = '\0';
            char *word = xstrndup(p + i, wl);
            if (measure(ui, cand, px, bold).w <= maxw) {
                memcpy(cur, cand, cl + wl + 1);
                curlen = cl + wl;
            } else if (curlen && measure(ui, word, px, bold).w <= maxw) {
                push_line(out, cur, curlen);
                memcpy(cur, word, wl + 1);
                curlen = wl;
            } else {
                /* Character by character onto the current line. */
                for (size_t k = 0; k < wl;) {
                    size_t cw = utf8_decode(p + i + k, wl - k, NULL);
                    size_t base = curlen;
                    if (k == 0 && curlen)
                        cur[base++] = ' ';
                    memcpy(cur + base, p + i + k, cw);
                    cur[base + cw] = '\0';
                    /* Chinese punctuation never starts a line. */
                    static const char closers[] = "。，、！？：；）」』";
                    bool closing = cw == 3 && memmem(closers, sizeof closers - 1, p + i + k, cw);
                    if (curlen && !closing && measure(ui, cur, px, bold).w > maxw) {
                        push_line(out, cur, curlen);
                        memcpy(cur, p + i + k, cw);
                        cur[cw] = '\0';
                        curlen = cw;
                    } else {
                        curlen = base + cw;
                    }
                    k += cw;
                }
            }
            free(word);
            i += wl;
            while (i < para && p[i] == ' ')
                i++;
        }
        push_line(out, cur, curlen);
        if (p[para] == '\0')
            break;
        p += para + 1;
    }
    free(cur);
    free(cand);
}

/* Keeps the first n of lines, the last of them cut (at a character) so
 * that it ends in "…" within maxw: the text went on past them. */
static void cut_lines(struct ui *ui, struct lines *lines, size_t n, int px, bool bold, int maxw)
{
    for (size_t i = n; i < lines->n; i++)
        free(lines->v[i]);
    lines->n = n;
    char *last = lines->v[n - 1];
    size_t len = strlen(last);
    for (;;) {
        while (len && last[len - 1] == ' ')
            len--;
        char *shown = xasprintf("%.*s…", (int)len, last);
        if (len == 0 || measure(ui, shown, px, bold).w <= maxw) {
            free(last);
            lines->v[n - 1] = shown;
            return;
        }
        free(shown);
        len = utf8_cut(last, len, len - 1);
    }
}

static struct ui_text_entry *make_text(struct ui *ui, const char *text, int px, bool bold,
                                       SDL_Color c, int maxw, int maxh, enum ui_align align)
{
    uint32_t rgba = rgba_of(c);
    for (size_t i = 0; i < ui->n_cached; i++) {
        struct ui_text_entry *e = &ui->cache[i];
        if (e->px == px && e->maxw == maxw && e->maxh == maxh && e->bold == bold &&
            e->rgba == rgba && e->align == align && strcmp(e->text, text) == 0)
            return e;
    }
    if (pthread_mutex_trylock(ui->font_lock) != 0) {
        ui->incomplete = true;
        return NULL;
    }
    if (ui->n_cached == UI_TEXT_CACHE)
        ui_forget_text(ui);
    struct lines lines = {0};
    wrap(ui, text, px, bold, maxw > 0 ? maxw : 1 << 20, &lines);
    /* Line spacing from the size, not the faces' ascents: the CJK and
     * Arabic faces report very tall ones, which would space lines apart. */
    int step = (int)(px * 1.32f);
    if (maxh > 0) {
        /* About 1.3 px of ascent and descent a pixel of size (Noto). */
        int fit = 1 + (maxh - (int)(px * 1.3f)) / step;
        if (fit < 1)
            fit = 1;
        if (lines.n > (size_t)fit)
            cut_lines(ui, &lines, (size_t)fit, px, bold, maxw > 0 ? maxw : 1 << 20);
    }
    int asc = 0, desc = 0, width = 1;
    struct measured *m = xcalloc(lines.n, sizeof *m);
    for (size_t i = 0; i < lines.n; i++) {
        m[i] = measure(ui, lines.v[i], px, bold);
        if (m[i].asc > asc)
            asc = m[i].asc;
        if (m[i].desc > desc)
            desc = m[i].desc;
        if (m[i].w > width)
            width = m[i].w;
    }
    if (asc == 0)
        asc = px, desc = px / 4;
    int height = step * ((int)lines.n - 1) + asc + desc;
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, width, height > 0 ? height : 1, 32,
                                                    SDL_PIXELFORMAT_ARGB8888);
    struct ui_text_entry *e = NULL;
    if (s) {
        /* The colour at zero alpha, so blended edges keep their hue. */
        SDL_FillRect(s, NULL, SDL_MapRGBA(s->format, c.r, c.g, c.b, 0));
        for (size_t i = 0; i < lines.n; i++) {
            struct badge_line *line = NULL;
            uint32_t missing = 0;
            if (!m[i].ok || badge_line_new(ui->fonts, lines.v[i], bold, &line, &missing) != BK_OK)
                continue;
            int x = align == UI_LEFT ? 0 : align == UI_RIGHT ? width - m[i].w : (width - m[i].w) / 2;
            badge_line_draw(line, px, s, x, asc + step * (int)i, (SDL_Color){c.r, c.g, c.b, 255},
                            NULL);
            badge_line_free(line);
        }
        SDL_Texture *tex = SDL_CreateTextureFromSurface(ui->r, s);
        if (tex) {
            SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
            e = &ui->cache[ui->n_cached++];
            *e = (struct ui_text_entry){xstrdup(text), px,  maxw, maxh, bold,
                                        rgba,          align, tex,  s->w, s->h};
        }
        SDL_FreeSurface(s);
    }
    pthread_mutex_unlock(ui->font_lock);
    for (size_t i = 0; i < lines.n; i++)
        free(lines.v[i]);
    free(lines.v);
    free(m);
    return e;
}

static void place(struct ui *ui, const struct ui_text_entry *e, SDL_Rect box, int y,
                  enum ui_align align)
{
    int x = align == UI_LEFT     ? box.x
            : align == UI_RIGHT  ? box.x + box.w - e->w
                                 : box.x + (box.w - e->w) / 2;
    SDL_Rect dst = {x, y, e->w, e->h};
    SDL_RenderCopy(ui->r, e->tex, NULL, &dst);
}

int ui_text(struct ui *ui, const char *text, int px, bool bold, SDL_Color c, SDL_Rect box,
            enum ui_align align)
{
    if (!text || !*text)
        return 0;
    px = (int)(px * ui->theme->text_scale);
    if (px < 8)
        px = 8;
    struct ui_text_entry *e = make_text(ui, text, px, bold, c, box.w, 0, align);
    if (!e)
        return px;
    place(ui, e, box, box.y, align);
    return e->h;
}

int ui_text_boxed(struct ui *ui, const char *text, int px, bool bold, SDL_Color c, SDL_Rect box,
                  enum ui_align align)
{
    if (!text || !*text || box.w <= 0 || box.h <= 0)
        return 0;
    px = (int)(px * ui->theme->text_scale);
    if (px < 8)
        px = 8;
    struct ui_text_entry *e = make_text(ui, text, px, bold, c, box.w, box.h, align);
    if (!e)
        return px;
    /* The lines were chosen to fit; the clip holds the box even where a
     * face's ascent or descent is taller than reckoned. */
    SDL_Rect was;
    bool clipped = SDL_RenderIsClipEnabled(ui->r);
    SDL_RenderGetClipRect(ui->r, &was);
    SDL_RenderSetClipRect(ui->r, &box);
    place(ui, e, box, box.y, align);
    SDL_RenderSetClipRect(ui->r, clipped ? &was : NULL);
    return e->h < box.h ? e->h : box.h;
}

void ui_text_mid(struct ui *ui, const char *text, int px, bool bold, SDL_Color c, SDL_Rect box,
                 enum ui_align align)
{
    if (!text || !*text)
        return;
    px = (int)(px * ui->theme->text_scale);
    struct ui_text_entry *e = NULL;
    for (;;) {
        if (px < 8)
            px = 8;
        e = make_text(ui, text, px, bold, c, box.w, 0, align);
        if (!e || e->h <= box.h || px == 8)
            break;
        px = px * 7 / 8;
    }
    if (e)
        place(ui, e, box, box.y + (box.h - e->h) / 2, align);
}
