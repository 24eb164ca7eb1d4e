/* textrun: one line of text, split into runs SDL2_ttf can shape.
 *
 * Internal to src/badge. SDL2_ttf shapes one font, one direction and one
 * script per call and has no fallback, so a line is cut where the font (the
 * first face in fonts.h's order that has the character), the script or the
 * bidi level changes. Spaces, punctuation, digits and combining marks join
 * the run around them. FriBidi's levels and reordering put the runs in
 * visual order; each run keeps its characters in logical order and HarfBuzz
 * lays it out right to left when its level is odd. */
#ifndef BK_BADGE_TEXTRUN_H
#define BK_BADGE_TEXTRUN_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "badge/fonts.h"
#include "util/err.h"

struct badge_line;

/* Splits utf8 (valid UTF-8; "" gives an empty line) into runs of fonts's
 * faces, bold or regular. BK_ERR_INVALID when a character is in no face:
 * *missing_cp (not NULL) receives it, and err is left for the caller, who
 * knows whose text it is. On success *out is new; free it with
 * badge_line_free (NULL is fine). fonts must outlive the line. */
enum bk_status badge_line_new(struct badge_fonts *fonts, const char *utf8, bool bold,
                              struct badge_line **out, uint32_t *missing_cp);
void badge_line_free(struct badge_line *line);

/* The line's size at pt points: its advance width and the largest ascent and
 * descent (positive, pixels) of the fonts it uses. Any of the outputs may be
 * NULL. Errors are a font that cannot be opened or shaped. */
enum bk_status badge_line_measure(struct badge_line *line, int pt, int *width, int *ascent,
                                  int *descent, struct bk_err *err);

/* Draws the line at pt points onto dst (any RGB(A) 32-bit surface), its
 * left edge at x and its baseline at y, in colour, blending over what is
 * there. */
enum bk_status badge_line_draw(struct badge_line *line, int pt, SDL_Surface *dst, int x, int y,
                               SDL_Color colour, struct bk_err *err);

/* As badge_line_draw, for a one-colour printer: each pixel a glyph covers
 * at least BADGE_SOLID_COVERAGE of is painted in colour outright, the rest
 * is left alone. The anti-aliased edge is thresholded glyph by glyph as it
 * is drawn, so strokes come out solid at the printer's own resolution
 * instead of as the grey fringe a driver would dither into loose dots. */
enum bk_status badge_line_draw_solid(struct badge_line *line, int pt, SDL_Surface *dst, int x,
                                     int y, SDL_Color colour, struct bk_err *err);

/* Coverage (0-255) from which a glyph's pixel is ink in badge_line_draw_solid:
 * a little under half, so hairlines of small text at 203 dpi survive. */
#define BADGE_SOLID_COVERAGE 100

/* How many runs the line has (for tests and diagnostics). */
size_t badge_line_run_count(const struct badge_line *line);

#endif
