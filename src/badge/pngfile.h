/* pngfile: the one place badgekiosk writes PNG files (and reads the logo).
 *
 * QR codes and whole badges are both written here, with libpng's classic API
 * because the simplified one cannot record the DPI (PLATFORM.md). The prefix
 * is pngfile_, not png_, because libpng owns the png_ namespace.
 *
 * Files are written with util/outfile: complete or not at all, mode 0600
 * (a badge's QR is a credential), and only a regular file is ever replaced
 * (a FIFO or a device is written as a stream). */
#ifndef BK_PNGFILE_H
#define BK_PNGFILE_H

#include <stdint.h>

#include "util/err.h"

#define PNGFILE_MAX_SIDE 20000 /* pixels; far above any badge at any sane DPI */

/* Fills row y (0 = top) with width * channels bytes. Called once per row, in
 * order, so callers can produce rows on the fly instead of holding a bitmap. */
typedef void (*pngfile_row_fn)(void *ctx, int y, uint8_t *row);

/* Writes a width x height 8-bit PNG, grey (channels 1) or RGB (channels 3),
 * whose pHYs chunk records dpi as pixels per metre. Errors name path. */
enum bk_status pngfile_write(const char *path, int width, int height, int channels, int dpi,
                             pngfile_row_fn fill_row, void *ctx, struct bk_err *err);

/* Reads any PNG as 8-bit RGBA (straight alpha), rows of width * 4 bytes. On
 * success *rgba is new (the caller frees it) and *width, *height are set.
 * Errors name path; images over PNGFILE_MAX_SIDE are BK_ERR_TOO_BIG. */
enum bk_status pngfile_read_rgba_new(const char *path, uint8_t **rgba, int *width, int *height,
                                     struct bk_err *err);

#endif
