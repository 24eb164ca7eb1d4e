/* textrun: font fallback, script detection and bidi ordering of one line. */
#include "badge/textrun.h"

#include <fribidi.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "util/i18n.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* HarfBuzz picks its shaper (Arabic joining, Indic reordering, Thai marks)
 * from the script, so every run says what it is. Han and kana share one
 * run: CJK fonts need no script-specific shaping between them. */
enum script {
    SCRIPT_COMMON,
    SCRIPT_LATIN,
    SCRIPT_GREEK,
    SCRIPT_CYRILLIC,
    SCRIPT_ARABIC,
    SCRIPT_HEBREW,
    SCRIPT_DEVANAGARI,
    SCRIPT_THAI,
    SCRIPT_HAN,
    SCRIPT_HANGUL,
};

static const char *const script_tags[] = {
    [SCRIPT_COMMON] = "Zyyy",     [SCRIPT_LATIN] = "Latn",  [SCRIPT_GREEK] = "Grek",
    [SCRIPT_CYRILLIC] = "Cyrl",   [SCRIPT_ARABIC] = "Arab", [SCRIPT_HEBREW] = "Hebr",
    [SCRIPT_DEVANAGARI] = "Deva", [SCRIPT_THAI] = "Thai",   [SCRIPT_HAN] = "Hani",
    [SCRIPT_HANGUL] = "Hang",
};

struct script_range {
    uint32_t first, last;
    enum script script;
};

/* The blocks of the scripts we carry fonts for; anything else letter-like
 * is shaped as Latin (the default shaper), which is right for the Latin
 * extensions and harmless elsewhere. Sorted by first. */
static const struct script_range script_ranges[] = {
    {0x0370, 0x03FF, SCRIPT_GREEK},      {0x0400, 0x052F, SCRIPT_CYRILLIC},
    {0x0590, 0x05FF, SCRIPT_HEBREW},     {0x0600, 0x06FF, SCRIPT_ARABIC},
    {0x0750, 0x077F, SCRIPT_ARABIC},     {0x08A0, 0x08FF, SCRIPT_ARABIC},
    {0x0900, 0x097F, SCRIPT_DEVANAGARI}, {0x0E00, 0x0E7F, SCRIPT_THAI},
    {0x1100, 0x11FF, SCRIPT_HANGUL},     {0x1C80, 0x1C8F, SCRIPT_CYRILLIC},
    {0x1F00, 0x1FFF, SCRIPT_GREEK},      {0x2DE0, 0x2DFF, SCRIPT_CYRILLIC},
    {0x2E80, 0x2FDF, SCRIPT_HAN},        {0x3040, 0x30FF, SCRIPT_HAN},
    {0x3130, 0x318F, SCRIPT_HANGUL},     {0x31F0, 0x31FF, SCRIPT_HAN},
    {0x3400, 0x4DBF, SCRIPT_HAN},        {0x4E00, 0x9FFF, SCRIPT_HAN},
    {0xA640, 0xA69F, SCRIPT_CYRILLIC},   {0xA8E0, 0xA8FF, SCRIPT_DEVANAGARI},
    {0xA960, 0xA97F, SCRIPT_HANGUL},     {0xAC00, 0xD7FF, SCRIPT_HANGUL},
    {0xF900, 0xFAFF, SCRIPT_HAN},        {0xFB1D, 0xFB4F, SCRIPT_HEBREW},
    {0xFB50, 0xFDFF, SCRIPT_ARABIC},     {0xFE70, 0xFEFF, SCRIPT_ARABIC},
    {0xFF66, 0xFF9F, SCRIPT_HAN},        {0x20000, 0x3134F, SCRIPT_HAN},
};

static enum script script_of(uint32_t cp)
{
    size_t lo = 0, hi = sizeof script_ranges / sizeof script_ranges[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < script_ranges[mid].first)
            hi = mid;
        else if (cp > script_ranges[mid].last)
            lo = mid + 1;
        else
            return script_ranges[mid].script;
    }
    return SCRIPT_LATIN;
}

/* Characters that belong to no script of their own: they take the font and
 * script of the text around them, so "Ahmed (أحمد)" is not cut at every
 * bracket and a Devanagari vowel sign stays with its consonant. */
static bool is_neutral(uint32_t cp)
{
    if (utf8_is_space_or_punct(cp))
        return true;
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_SM:
    case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_ND:
        return true;
    default:
        return false;
    }
}

struct run {
    enum badge_face face;
    enum script script;
    bool rtl;
    char *text; /* logical order, NUL-terminated */
    int width;  /* at line->measured_pt */
};

struct badge_line {
    struct badge_fonts *fonts;
    bool bold;
    struct run *runs; /* visual order, left to right */
    size_t n_runs;
    int measured_pt; /* 0: not measured yet */
    int width, ascent, descent;
};

/* The face for each character (see is_neutral); false with *missing set
 * when some character is in no face. */
static bool assign_faces(struct badge_fonts *fonts, const uint32_t *cps, size_t n,
                         enum badge_face *face, enum script *script, uint32_t *missing)
{
    enum badge_face order[] = {BADGE_FACE_LATIN,  BADGE_FACE_ARABIC,
                               BADGE_FACE_HEBREW, BADGE_FACE_DEVANAGARI,
                               BADGE_FACE_THAI,   badge_fonts_cjk_face(cps, n)};
    size_t n_order = sizeof order / sizeof order[0];
    bool *neutral = xmalloc(n);
    for (size_t i = 0; i < n; i++) {
        neutral[i] = is_neutral(cps[i]);
        if (neutral[i])
            continue;
        size_t k = 0;
        while (k < n_order && !badge_fonts_has_glyph(fonts, order[k], cps[i]))
            k++;
        if (k == n_order) {
            *missing = cps[i];
            free(neutral);
            return false;
        }
        face[i] = order[k];
        script[i] = script_of(cps[i]);
    }
    for (size_t i = 0; i < n; i++) {
        if (!neutral[i])
            continue;
        size_t next = i + 1;
        while (next < n && neutral[next])
            next++;
        if (i > 0 && badge_fonts_has_glyph(fonts, face[i - 1], cps[i])) {
            face[i] = face[i - 1];
            script[i] = script[i - 1];
        } else if (next < n && badge_fonts_has_glyph(fonts, face[next], cps[i])) {
            face[i] = face[next];
            script[i] = script[next];
        } else {
            size_t k = 0;
            while (k < n_order && !badge_fonts_has_glyph(fonts, order[k], cps[i]))
                k++;
            if (k == n_order) {
                *missing = cps[i];
                free(neutral);
                return false;
            }
            face[i] = order[k];
            script[i] = next < n ? script[next] : SCRIPT_COMMON;
        }
    }
    free(neutral);
    return true;
}

/* The line's code points and the byte offset of each (offs[n] is the
 * length), or false when utf8 is not valid UTF-8. The arrays hold at most
 * one code point per byte; the caller frees both. */
static bool decode_code_points(const char *utf8, uint32_t **cps_out, size_t **offs_out,
                               size_t *n_out)
{
    size_t len = strlen(utf8);
    uint32_t *cps = xmalloc((len + 1) * sizeof *cps);
    size_t *offs = xmalloc((len + 1) * sizeof *offs);
    size_t n = 0, pos = 0;
    while (pos < len) {
        uint32_t cp;
        size_t got = utf8_decode(utf8 + pos, len - pos, &cp);
        if (cp == UTF8_INVALID) {
            free(cps);
            free(offs);
            return false;
        }
        offs[n] = pos;
        cps[n++] = cp;
        pos += got;
    }
    offs[n] = len;
    *cps_out = cps;
    *offs_out = offs;
    *n_out = n;
    return true;
}

/* Bidi levels for the line as one paragraph, its direction taken from its
 * first strong character, and the visual-to-logical map (map[v] is the
 * logical index shown at visual position v). Reordering also resets
 * trailing spaces to the paragraph level (rule L1), so runs are cut after
 * it. */
static void bidi_levels(const uint32_t *cps, size_t n, FriBidiLevel *levels, FriBidiStrIndex *map)
{
    FriBidiCharType *types = xmalloc(n * sizeof *types);
    FriBidiBracketType *brackets = xmalloc(n * sizeof *brackets);
    fribidi_get_bidi_types(cps, (FriBidiStrIndex)n, types);
    fribidi_get_bracket_types(cps, (FriBidiStrIndex)n, types, brackets);
    FriBidiParType par = FRIBIDI_PAR_ON;
    for (size_t i = 0; i < n; i++)
        map[i] = (FriBidiStrIndex)i;
    bool bidi_ok =
        fribidi_get_par_embedding_levels_ex(types, brackets, (FriBidiStrIndex)n, &par, levels) &&
        fribidi_reorder_line(FRIBIDI_FLAGS_DEFAULT, types, (FriBidiStrIndex)n, 0, par, levels, NULL,
                             map);
    if (!bidi_ok) {
        /* Only on allocation failure inside FriBidi; draw logically. */
        for (size_t i = 0; i < n; i++)
            levels[i] = 0, map[i] = (FriBidiStrIndex)i;
    }
    free(types), free(brackets);
}

/* Logical runs: a new run wherever face, script or level changes.
 * run_of[i] is character i's run; run_start[r] is run r's first character
 * and run_start[n_runs] is n. Returns the number of runs. */
static size_t cut_runs(const enum badge_face *face, const enum script *script,
                       const FriBidiLevel *levels, size_t n, size_t *run_of, size_t *run_start)
{
    size_t n_runs = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || face[i] != face[i - 1] || script[i] != script[i - 1] ||
            levels[i] != levels[i - 1])
            run_start[n_runs++] = i;
        run_of[i] = n_runs - 1;
    }
    run_start[n_runs] = n;
    return n_runs;
}

enum bk_status badge_line_new(struct badge_fonts *fonts, const char *utf8, bool bold,
                              struct badge_line **out, uint32_t *missing_cp)
{
    *out = NULL;
    uint32_t *cps = NULL;
    size_t *offs = NULL, n = 0;
    if (!decode_code_points(utf8, &cps, &offs, &n)) {
        if (missing_cp)
            *missing_cp = UTF8_REPLACEMENT;
        return BK_ERR_INVALID;
    }

    struct badge_line *line = xcalloc(1, sizeof *line);
    line->fonts = fonts;
    line->bold = bold;
    if (n == 0) {
        free(cps);
        free(offs);
        *out = line;
        return BK_OK;
    }

    enum badge_face *face = xmalloc(n * sizeof *face);
    enum script *script = xmalloc(n * sizeof *script);
    uint32_t missing = 0;
    if (!assign_faces(fonts, cps, n, face, script, &missing)) {
        if (missing_cp)
            *missing_cp = missing;
        free(face), free(script), free(cps), free(offs), free(line);
        return BK_ERR_INVALID;
    }

    FriBidiLevel *levels = xmalloc(n * sizeof *levels);
    FriBidiStrIndex *map = xmalloc(n * sizeof *map);
    bidi_levels(cps, n, levels, map);
    size_t *run_of = xmalloc(n * sizeof *run_of);
    size_t *run_start = xmalloc((n + 1) * sizeof *run_start);
    size_t n_runs = cut_runs(face, script, levels, n, run_of, run_start);

    /* Visual order of the runs: a run's characters are contiguous in the
     * visual map (they share one level), so it is where its first visual
     * character is. */
    line->runs = xcalloc(n_runs, sizeof *line->runs);
    bool *placed = xcalloc(n_runs, sizeof *placed);
    for (size_t v = 0; v < n; v++) {
        size_t r = run_of[map[v]];
        if (placed[r])
            continue;
        placed[r] = true;
        size_t a = run_start[r], b = run_start[r + 1];
        struct run *run = &line->runs[line->n_runs++];
        run->face = face[a];
        run->script = script[a];
        run->rtl = FRIBIDI_LEVEL_IS_RTL(levels[a]);
        run->text = xstrndup(utf8 + offs[a], offs[b] - offs[a]);
    }
    free(placed), free(run_of), free(run_start);
    free(levels), free(map);
    free(face), free(script), free(cps), free(offs);
    *out = line;
    return BK_OK;
}

void badge_line_free(struct badge_line *line)
{
    if (!line)
        return;
    for (size_t i = 0; i < line->n_runs; i++)
        free(line->runs[i].text);
    free(line->runs);
    free(line);
}

size_t badge_line_run_count(const struct badge_line *line)
{
    return line->n_runs;
}

/* The run's font at pt, set up for the run: the font is shared by every
 * run in that face, so direction and script are set on each use. */
static TTF_Font *run_font(struct badge_line *line, const struct run *run, int pt,
                          struct bk_err *err)
{
    TTF_Font *font = badge_fonts_get(line->fonts, run->face, line->bold, pt, err);
    if (!font)
        return NULL;
    TTF_SetFontDirection(font, run->rtl ? TTF_DIRECTION_RTL : TTF_DIRECTION_LTR);
    TTF_SetFontScriptName(font, script_tags[run->script]);
    return font;
}

enum bk_status badge_line_measure(struct badge_line *line, int pt, int *width, int *ascent,
                                  int *descent, struct bk_err *err)
{
    if (line->measured_pt != pt) {
        int w = 0, asc = 0, desc = 0;
        for (size_t i = 0; i < line->n_runs; i++) {
            struct run *run = &line->runs[i];
            TTF_Font *font = run_font(line, run, pt, err);
            if (!font)
                return BK_ERR_CONFIG;
            int rw = 0, rh = 0;
            if (TTF_SizeUTF8(font, run->text, &rw, &rh) != 0)
                return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                                  _("The text \"%s\" could not be laid out: %s"), run->text,
                                  TTF_GetError());
            run->width = rw;
            w += rw;
            if (TTF_FontAscent(font) > asc)
                asc = TTF_FontAscent(font);
            if (-TTF_FontDescent(font) > desc)
                desc = -TTF_FontDescent(font);
        }
        line->measured_pt = pt;
        line->width = w;
        line->ascent = asc;
        line->descent = desc;
    }
    if (width)
        *width = line->width;
    if (ascent)
        *ascent = line->ascent;
    if (descent)
        *descent = line->descent;
    return BK_OK;
}

/* Paints colour where the rendered run s (ARGB, alpha = coverage) covers
 * at least min_alpha, at (x, y) of dst. */
static void blit_solid(SDL_Surface *s, SDL_Surface *dst, int x, int y, SDL_Color colour,
                       uint8_t min_alpha)
{
    SDL_Surface *argb = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
    if (!argb)
        return;
    uint32_t ink = SDL_MapRGB(dst->format, colour.r, colour.g, colour.b);
    int bpp = dst->format->BytesPerPixel;
    for (int sy = 0; sy < argb->h; sy++) {
        int dy = y + sy;
        if (dy < 0 || dy >= dst->h)
            continue;
        const uint32_t *src =
            (const uint32_t *)((const uint8_t *)argb->pixels + (size_t)sy * (size_t)argb->pitch);
        uint8_t *row = (uint8_t *)dst->pixels + (size_t)dy * (size_t)dst->pitch;
        for (int sx = 0; sx < argb->w; sx++) {
            int dx = x + sx;
            if (dx < 0 || dx >= dst->w || (src[sx] >> 24) < min_alpha)
                continue;
            if (bpp == 4)
                ((uint32_t *)row)[dx] = ink;
        }
    }
    SDL_FreeSurface(argb);
}

static enum bk_status draw_line(struct badge_line *line, int pt, SDL_Surface *dst, int x, int y,
                                SDL_Color colour, int min_alpha, struct bk_err *err)
{
    enum bk_status st = badge_line_measure(line, pt, NULL, NULL, NULL, err);
    if (st)
        return st;
    for (size_t i = 0; i < line->n_runs; i++) {
        struct run *run = &line->runs[i];
        TTF_Font *font = run_font(line, run, pt, err);
        if (!font)
            return BK_ERR_CONFIG;
        /* A run of spaces alone has no pixels; SDL2_ttf refuses to make a
         * surface for it, but its width still counts. */
        if (run->text[strspn(run->text, " ")] != '\0') {
            SDL_Surface *s = TTF_RenderUTF8_Blended(font, run->text, colour);
            if (!s)
                return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                                  _("The text \"%s\" could not be drawn: %s"), run->text,
                                  TTF_GetError());
            /* SDL2_ttf puts the baseline at the font's ascent. */
            SDL_Rect at = {x, y - TTF_FontAscent(font), s->w, s->h};
            if (min_alpha > 0)
                blit_solid(s, dst, at.x, at.y, colour, (uint8_t)min_alpha);
            else
                SDL_BlitSurface(s, NULL, dst, &at);
            SDL_FreeSurface(s);
        }
        x += run->width;
    }
    return BK_OK;
}

enum bk_status badge_line_draw(struct badge_line *line, int pt, SDL_Surface *dst, int x, int y,
                               SDL_Color colour, struct bk_err *err)
{
    return draw_line(line, pt, dst, x, y, colour, 0, err);
}

enum bk_status badge_line_draw_solid(struct badge_line *line, int pt, SDL_Surface *dst, int x,
                                     int y, SDL_Color colour, struct bk_err *err)
{
    return draw_line(line, pt, dst, x, y, colour, BADGE_SOLID_COVERAGE, err);
}
