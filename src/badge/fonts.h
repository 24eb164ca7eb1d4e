/* fonts: the Noto faces a badge is drawn with, found through fontconfig and
 * opened with SDL2_ttf at print resolution, cached per face and size.
 *
 * Internal to src/badge. SDL2_ttf has no font fallback, so the text runs
 * (textrun.h) pick a face per character from the fallback order kept here.
 * Only renderer code includes this header; it is not thread-safe (one
 * renderer per thread). */
#ifndef BK_BADGE_FONTS_H
#define BK_BADGE_FONTS_H

#include <SDL_ttf.h>
#include <stdbool.h>

#include "util/err.h"

/* In fallback order: the first face that has a character draws it. Only
 * one of the CJK faces takes part for a given text (badge_fonts_cjk_face):
 * the same Han character is drawn differently in China, Japan and Korea. */
enum badge_face {
    BADGE_FACE_LATIN, /* Noto Sans: Latin, Greek, Cyrillic */
    BADGE_FACE_ARABIC,
    BADGE_FACE_HEBREW,
    BADGE_FACE_DEVANAGARI,
    BADGE_FACE_THAI,
    BADGE_FACE_CJK_SC,
    BADGE_FACE_CJK_JP,
    BADGE_FACE_CJK_KR,
    BADGE_FACE_COUNT
};

struct badge_fonts;

/* Finds every face (regular and, where installed, bold) through fontconfig.
 * BK_ERR_CONFIG names the Debian package to install when a face is missing.
 * Needs TTF_Init to have been called. Free with badge_fonts_free. */
enum bk_status badge_fonts_new(int dpi, struct badge_fonts **out, struct bk_err *err);
void badge_fonts_free(struct badge_fonts *f);

/* The face at pt points (at the dpi given to badge_fonts_new), opened on
 * first use and then cached: the TTF_Font stays owned by f and valid until
 * badge_fonts_free, or until more than BADGE_FONTS_CACHE other sizes have
 * been asked for since it was last used. Callers set the font's direction
 * and script before each use (the font is shared). NULL with err set when
 * the file cannot be opened. */
#define BADGE_FONTS_CACHE 64
TTF_Font *badge_fonts_get(struct badge_fonts *f, enum badge_face face, bool bold, int pt,
                          struct bk_err *err);

/* True when the face has a glyph for code point cp (checked on a small
 * cached instance; coverage does not depend on size). */
bool badge_fonts_has_glyph(struct badge_fonts *f, enum badge_face face, uint32_t cp);

/* The CJK face for a text: Japanese when it has kana, Korean when it has
 * Hangul, else Simplified Chinese (the event is in Shanghai). */
enum badge_face badge_fonts_cjk_face(const uint32_t *cps, size_t n);

#endif
