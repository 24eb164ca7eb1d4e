/* fonts: fontconfig lookups by family name and a small cache of opened
 * SDL2_ttf fonts. */
#include "badge/fonts.h"

#include <fontconfig/fontconfig.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/i18n.h"
#include "util/xalloc.h"

struct face_spec {
    const char *families[2]; /* preferred, then acceptable; NULL ends */
    const char *package;     /* the Debian package that ships it */
};

static const struct face_spec face_specs[BADGE_FACE_COUNT] = {
    [BADGE_FACE_LATIN] = {{"Noto Sans", NULL}, "fonts-noto-core"},
    [BADGE_FACE_ARABIC] = {{"Noto Sans Arabic", "Noto Naskh Arabic"}, "fonts-noto-core"},
    [BADGE_FACE_HEBREW] = {{"Noto Sans Hebrew", NULL}, "fonts-noto-core"},
    [BADGE_FACE_DEVANAGARI] = {{"Noto Sans Devanagari", NULL}, "fonts-noto-core"},
    [BADGE_FACE_THAI] = {{"Noto Sans Thai", NULL}, "fonts-noto-core"},
    [BADGE_FACE_CJK_SC] = {{"Noto Sans CJK SC", NULL}, "fonts-noto-cjk"},
    [BADGE_FACE_CJK_JP] = {{"Noto Sans CJK JP", NULL}, "fonts-noto-cjk"},
    [BADGE_FACE_CJK_KR] = {{"Noto Sans CJK KR", NULL}, "fonts-noto-cjk"},
};

struct face_file {
    char *path;
    int index; /* face index in a collection (.ttc) */
};

struct cached_font {
    enum badge_face face;
    bool bold;
    int pt;
    unsigned long last_used;
    TTF_Font *font;
};

struct badge_fonts {
    int dpi;
    struct face_file files[BADGE_FACE_COUNT][2]; /* [face][bold] */
    TTF_Font *probe[BADGE_FACE_COUNT];           /* for coverage questions */
    struct cached_font cache[BADGE_FONTS_CACHE];
    size_t n_cached;
    unsigned long clock;
};

/* Asks fontconfig for family at weight; true (and the file) only when the
 * match really is that family: fontconfig otherwise substitutes any font,
 * which would hide a missing package behind wrong glyphs. */
static bool match_family(FcConfig *fc, const char *family, int weight, struct face_file *out,
                         bool *weight_matched)
{
    FcPattern *pat = FcPatternCreate();
    FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)family);
    FcPatternAddInteger(pat, FC_WEIGHT, weight);
    FcPatternAddInteger(pat, FC_SLANT, FC_SLANT_ROMAN);
    FcConfigSubstitute(fc, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcPattern *m = FcFontMatch(fc, pat, &res);
    FcPatternDestroy(pat);
    if (!m)
        return false;
    bool ok = false;
    FcChar8 *got_family = NULL, *file = NULL;
    int index = 0, got_weight = 0;
    for (int i = 0; FcPatternGetString(m, FC_FAMILY, i, &got_family) == FcResultMatch; i++) {
        if (strcasecmp((const char *)got_family, family) == 0) {
            ok = true;
            break;
        }
    }
    if (ok && FcPatternGetString(m, FC_FILE, 0, &file) == FcResultMatch) {
        FcPatternGetInteger(m, FC_INDEX, 0, &index);
        FcPatternGetInteger(m, FC_WEIGHT, 0, &got_weight);
        out->path = xstrdup((const char *)file);
        out->index = index;
        *weight_matched = got_weight == weight;
    } else {
        ok = false;
    }
    FcPatternDestroy(m);
    return ok;
}

static bool find_face(FcConfig *fc, const struct face_spec *spec, struct face_file files[2])
{
    for (size_t i = 0; i < 2 && spec->families[i]; i++) {
        bool exact = false;
        if (!match_family(fc, spec->families[i], FC_WEIGHT_REGULAR, &files[0], &exact))
            continue;
        /* Bold where installed; a regular face stands in rather than
         * refusing to print. */
        if (!match_family(fc, spec->families[i], FC_WEIGHT_BOLD, &files[1], &exact) || !exact) {
            free(files[1].path);
            files[1].path = xstrdup(files[0].path);
            files[1].index = files[0].index;
        }
        return true;
    }
    return false;
}

static TTF_Font *open_font(const struct face_file *file, int pt, int dpi, struct bk_err *err)
{
    TTF_Font *font =
        TTF_OpenFontIndexDPI(file->path, pt, file->index, (unsigned)dpi, (unsigned)dpi);
    if (!font) {
        bk_err_set(err, BK_ERR_CONFIG, file->path, 0, NULL, _("cannot open the font: %s"),
                   TTF_GetError());
        return NULL;
    }
    /* Print resolution needs no hinting; unhinted outlines keep the
     * designed shapes and make widths scale linearly with size. */
    TTF_SetFontHinting(font, TTF_HINTING_NONE);
    return font;
}

enum bk_status badge_fonts_new(int dpi, struct badge_fonts **out, struct bk_err *err)
{
    *out = NULL;
    /* A private fontconfig configuration: nothing global to tear down, and
     * nothing another part of the program set up is changed. */
    FcConfig *fc = FcInitLoadConfigAndFonts();
    if (!fc)
        return bk_err_set(err, BK_ERR_CONFIG, NULL, 0, NULL,
                          _("fontconfig could not be set up to find the badge fonts."));
    struct badge_fonts *f = xcalloc(1, sizeof *f);
    f->dpi = dpi;
    enum bk_status st = BK_OK;
    for (int i = 0; i < BADGE_FACE_COUNT && st == BK_OK; i++) {
        if (!find_face(fc, &face_specs[i], f->files[i]))
            st = bk_err_set(err, BK_ERR_CONFIG, NULL, 0, NULL,
                            _("The font \"%s\" is not installed; install the package %s."),
                            face_specs[i].families[0], face_specs[i].package);
    }
    FcConfigDestroy(fc);
    for (int i = 0; i < BADGE_FACE_COUNT && st == BK_OK; i++) {
        f->probe[i] = open_font(&f->files[i][0], 12, 72, err);
        if (!f->probe[i])
            st = BK_ERR_CONFIG;
    }
    if (st != BK_OK) {
        badge_fonts_free(f);
        return st;
    }
    *out = f;
    return BK_OK;
}

void badge_fonts_free(struct badge_fonts *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_cached; i++)
        TTF_CloseFont(f->cache[i].font);
    for (int i = 0; i < BADGE_FACE_COUNT; i++) {
        if (f->probe[i])
            TTF_CloseFont(f->probe[i]);
        free(f->files[i][0].path);
        free(f->files[i][1].path);
    }
    free(f);
}

TTF_Font *badge_fonts_get(struct badge_fonts *f, enum badge_face face, bool bold, int pt,
                          struct bk_err *err)
{
    f->clock++;
    for (size_t i = 0; i < f->n_cached; i++) {
        struct cached_font *c = &f->cache[i];
        if (c->face == face && c->bold == bold && c->pt == pt) {
            c->last_used = f->clock;
            return c->font;
        }
    }
    TTF_Font *font = open_font(&f->files[face][bold ? 1 : 0], pt, f->dpi, err);
    if (!font)
        return NULL;
    struct cached_font *slot;
    if (f->n_cached < BADGE_FONTS_CACHE) {
        slot = &f->cache[f->n_cached++];
    } else {
        slot = &f->cache[0];
        for (size_t i = 1; i < f->n_cached; i++)
            if (f->cache[i].last_used < slot->last_used)
                slot = &f->cache[i];
        TTF_CloseFont(slot->font);
    }
    *slot = (struct cached_font){face, bold, pt, f->clock, font};
    return font;
}

bool badge_fonts_has_glyph(struct badge_fonts *f, enum badge_face face, uint32_t cp)
{
    return TTF_GlyphIsProvided32(f->probe[face], cp) != 0;
}

enum badge_face badge_fonts_cjk_face(const uint32_t *cps, size_t n)
{
    bool hangul = false;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cps[i];
        if ((c >= 0x3040 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) ||
            (c >= 0xFF66 && c <= 0xFF9F))
            return BADGE_FACE_CJK_JP;
        if ((c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F) ||
            (c >= 0xAC00 && c <= 0xD7AF))
            hangul = true;
    }
    return hangul ? BADGE_FACE_CJK_KR : BADGE_FACE_CJK_SC;
}
