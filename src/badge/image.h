/* image: a rendered badge as plain pixels, the hand-over from the renderer
 * to the printer and the PNG writer.
 *
 * 8-bit RGB, rows top to bottom, no padding beyond stride. Nothing here
 * knows SDL or CUPS, so the print layer does not depend on the renderer. */
#ifndef BK_IMAGE_H
#define BK_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct badge_image {
    int width, height; /* pixels */
    int dpi;           /* the resolution it was drawn for */
    size_t stride;     /* bytes per row, at least width * 3 */
    uint8_t *rgb;      /* owned by the image */
    bool monochrome;   /* every pixel is black (0,0,0) or white (255,255,255) */
};

/* A white image; free with badge_image_free (NULL is fine). */
struct badge_image *badge_image_new(int width, int height, int dpi);
void badge_image_free(struct badge_image *img);

/* Writes img as an RGB PNG whose pHYs chunk records its DPI, with
 * util/outfile (pngfile.h): whole or not at all, mode 0600, since a badge
 * carries its holder's check-in code. */
enum bk_status badge_image_write_png(const struct badge_image *img, const char *path,
                                     struct bk_err *err);

#endif
