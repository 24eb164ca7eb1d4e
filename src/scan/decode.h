/* decode: QR codes out of images, as the raw bytes they hold.
 *
 * zbar reads grey frames (from a camera source, or a PNG/JPEG file here).
 * Only QR is enabled, and zbar's text-encoding guess is turned off
 * (ZBAR_CFG_BINARY): it would turn UTF-8 into mojibake, so callers get the
 * exact bytes and token_verify judges them. Nothing here prints. */
#ifndef BK_SCAN_DECODE_H
#define BK_SCAN_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SCAN_MAX_PIXELS 40000000L /* images over 40 megapixels are refused */

/* One decoded symbol. data holds len bytes (which may include NUL) plus a
 * terminating NUL not counted in len, for convenience with text. */
struct scan_result {
    uint8_t *data;
    size_t len;
};

/* Every symbol found in one image, in zbar's order; n may be 0. */
struct scan_results {
    struct scan_result *items;
    size_t n;
};

void scan_results_free(struct scan_results *r);

/* A zbar image scanner set up for QR, reused from frame to frame. */
struct scan_decoder;

enum bk_status scan_decoder_new(struct scan_decoder **out, struct bk_err *err);
void scan_decoder_free(struct scan_decoder *d);

/* Decodes a grey image (one byte per pixel, rows stride bytes apart,
 * stride >= w). pixels is only read during the call. On success *out is a
 * new list the caller frees with scan_results_free. */
enum bk_status scan_decode_grey(struct scan_decoder *d, const uint8_t *pixels, int w, int h,
                                int stride, struct scan_results **out, struct bk_err *err);

/* A grey image read from a file. */
struct scan_grey {
    uint8_t *pixels; /* width * height, stride == width */
    int width, height;
};

/* Reads a PNG or JPEG file (told apart by their first bytes, not by the
 * name) as 8-bit grey; transparency is laid over white. Refuses images over
 * SCAN_MAX_PIXELS (BK_ERR_TOO_BIG). Errors name the file. On success *out
 * is new; free it with scan_grey_free. */
enum bk_status scan_grey_load_new(const char *path, struct scan_grey **out, struct bk_err *err);
void scan_grey_free(struct scan_grey *g);

/* scan_grey_load_new then scan_decode_grey. */
enum bk_status scan_decode_file(struct scan_decoder *d, const char *path, struct scan_results **out,
                                struct bk_err *err);

#endif
