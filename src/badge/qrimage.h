/* qrimage: a QR code for a badge, as a module matrix or as a PNG file.
 *
 * Codes are made with libqrencode at error correction M, case-sensitive,
 * letting it pick numeric/alphanumeric/byte segments itself, so our signed
 * payloads (all in the alphanumeric set) stay small and UTF-8 text is kept
 * byte for byte. The PNG has the 4-module quiet zone scanners need. */
#ifndef BK_QRIMAGE_H
#define BK_QRIMAGE_H

#include <stdint.h>

#include "util/err.h"

#define QRIMAGE_QUIET_MODULES 4 /* light border on each side, per ISO 18004 */
#define QRIMAGE_MODULE_PX_MAX 64
#define QRIMAGE_DPI_MAX 4800

/* A QR code's modules, without the quiet zone. */
struct qrimage {
    int version;      /* 1..40 */
    int width;        /* modules per side */
    uint8_t *modules; /* width * width, row by row; 1 = dark, 0 = light */
};

/* Encodes text (NUL-terminated, at least one byte). On success *out is a new
 * qrimage the caller frees with qrimage_free. BK_ERR_TOO_BIG when the text
 * does not fit any QR version. */
enum bk_status qrimage_new(const char *text, struct qrimage **out, struct bk_err *err);
void qrimage_free(struct qrimage *q);

/* Writes text's QR code to path as an 8-bit greyscale PNG: module_px pixels
 * per module (1..QRIMAGE_MODULE_PX_MAX), the quiet zone included, and a pHYs
 * chunk saying dpi (1..QRIMAGE_DPI_MAX) so print dialogs size it right. The
 * file is written as pngfile_write writes (whole or not at all, 0600).
 * *version_out (may be NULL) receives the QR version. */
enum bk_status qrimage_write_png(const char *text, int module_px, int dpi, const char *path,
                                 int *version_out, struct bk_err *err);

#endif
