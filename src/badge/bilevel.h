/* bilevel: colour pictures into black and white for one-colour printers.
 *
 * Internal to src/badge (and its tests). A thermal label printer burns a dot
 * or does not: every grey a driver receives it dithers into loose dots,
 * which print pale and fuzzy. So the renderer hands such a printer pixels
 * that are already black or white, and this is where pictures become so.
 * Pixels are 8-bit RGB rows (stride bytes apart), changed in place to
 * (0,0,0) or (255,255,255). */
#ifndef BK_BADGE_BILEVEL_H
#define BK_BADGE_BILEVEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A logo in black and white. Line art (a few flat colours, the usual logo)
 * becomes each flat colour black or white by its lightness, with a thin
 * line where two neighbouring colours would otherwise merge into one
 * shape; a photograph (many colours, no few dominant ones) is dithered by
 * error diffusion, which only happens inside such a logo. Returns true
 * when the picture was treated as a photograph. */
bool bilevel_logo(uint8_t *rgb, int width, int height, size_t stride);

/* Of the black pixels, the share (0 to 1) that have no black neighbour
 * among their eight: the loose dots of a dithered grey. 0 when there is no
 * black pixel. grey is one byte a pixel, black below 128. */
double bilevel_isolated_share(const uint8_t *grey, int width, int height, size_t stride);

#endif
