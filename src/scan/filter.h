/* filter: the grey-image operations the decoder's extra passes are made of.
 *
 * zbar reads a frame once, with its own binarisation, at the size given.
 * Codes it misses are often read after a change of scale (zbar is tuned for
 * a few pixels per module and is also much faster on smaller images),
 * inversion (light-on-dark codes), a local threshold (uneven light) or a
 * slight blur (noise, print screens, moire). Each function here makes a new
 * image from a source left untouched; none fails (out of memory aborts).
 * Nothing here knows QR codes or zbar. */
#ifndef BK_SCAN_FILTER_H
#define BK_SCAN_FILTER_H

#include <stdint.h>

/* A grey image the caller owns: w*h bytes, rows packed (stride == w). */
struct scan_plane {
    uint8_t *px;
    int w, h;
};

/* Frees p->px and zeroes p; a zeroed plane is fine. */
void scan_plane_clear(struct scan_plane *p);

/* A copy of a w x h image whose rows are stride bytes apart. */
struct scan_plane scan_filter_copy(const uint8_t *px, int w, int h, int stride);

/* Half the size, each pixel the mean of a 2x2 block (what a sensor does),
 * so thin lines fade rather than vanish. w and h at least 2. */
struct scan_plane scan_filter_halve(const struct scan_plane *src);

/* Scaled by factor (> 0): area-averaged when shrinking, bilinear when
 * growing. The result is at least 1x1. */
struct scan_plane scan_filter_scale(const struct scan_plane *src, double factor);

/* 255 - v: a light-on-dark code becomes an ordinary one. */
struct scan_plane scan_filter_invert(const struct scan_plane *src);

/* Black or white by the mean of the (2r+1)^2 window around each pixel
 * (integral image, so cost does not grow with r), a pixel offset_pct percent
 * darker than its neighbourhood counting as black. Survives gradients of
 * light that defeat one threshold for the whole image, and lifts low
 * contrast to full black and white. */
struct scan_plane scan_filter_threshold(const struct scan_plane *src, int r, int offset_pct);

/* The w x h rectangle at (x, y) of src scaled by factor, in one step (so a
 * small region is enlarged without copying the frame): area-averaged when
 * shrinking, bicubic when growing, which keeps a module's edges steeper than
 * bilinear does. The rectangle must lie inside src. */
struct scan_plane scan_filter_crop_scale(const struct scan_plane *src, int x, int y, int w, int h,
                                         double factor);

/* Unsharp mask: v + amount * (v - 3x3 mean), amount in percent. Restores the
 * edges a slightly out-of-focus lens or an enlargement softened. */
struct scan_plane scan_filter_sharpen(const struct scan_plane *src, int amount_pct);

/* 3x3 box blur: smooths sensor noise, JPEG blocks and halftone dots. */
struct scan_plane scan_filter_blur(const struct scan_plane *src);

#endif
