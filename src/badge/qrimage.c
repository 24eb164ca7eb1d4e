/* qrimage: QR codes from libqrencode; PNG files through pngfile, the one
 * PNG writer shared with whole badges. */
#include "badge/qrimage.h"

#include <errno.h>
#include <qrencode.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "badge/pngfile.h"
#include "util/i18n.h"
#include "util/xalloc.h"

enum bk_status qrimage_new(const char *text, struct qrimage **out, struct bk_err *err)
{
    *out = NULL;
    if (!text || !text[0])
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("There is no text to put in the QR code."));
    /* QR_MODE_8 is only the hint for non-alphanumeric runs (bytes, not
     * Shift_JIS kanji); libqrencode still splits out numeric and
     * alphanumeric segments. Case-sensitive, or it would upper-case text. */
    errno = 0;
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr) {
        if (errno == ERANGE)
            return bk_err_set(err, BK_ERR_TOO_BIG, NULL, 0, NULL,
                              _("The text is too long for a QR code (%zu bytes)."), strlen(text));
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("The QR code could not be made: %s"), i18n_strerror(errno));
    }
    struct qrimage *q = xcalloc(1, sizeof *q);
    q->version = qr->version;
    q->width = qr->width;
    size_t n = (size_t)qr->width * (size_t)qr->width;
    q->modules = xmalloc(n);
    /* libqrencode's bytes carry other flags in higher bits; bit 0 is dark. */
    for (size_t i = 0; i < n; i++)
        q->modules[i] = qr->data[i] & 1;
    QRcode_free(qr);
    *out = q;
    return BK_OK;
}

void qrimage_free(struct qrimage *q)
{
    if (!q)
        return;
    free(q->modules);
    free(q);
}

/* Expands one pixel row of the code, quiet zone included, for pngfile. */
struct qr_rows {
    const struct qrimage *q;
    int module_px;
};

static void fill_qr_row(void *ctx, int y, uint8_t *row)
{
    const struct qr_rows *r = ctx;
    const struct qrimage *q = r->q;
    int side_modules = q->width + 2 * QRIMAGE_QUIET_MODULES;
    int qy = y / r->module_px - QRIMAGE_QUIET_MODULES;
    for (int mx = 0; mx < side_modules; mx++) {
        int qx = mx - QRIMAGE_QUIET_MODULES;
        bool dark = qy >= 0 && qy < q->width && qx >= 0 && qx < q->width &&
                    q->modules[(size_t)qy * (size_t)q->width + (size_t)qx];
        memset(row + (size_t)mx * (size_t)r->module_px, dark ? 0 : 255, (size_t)r->module_px);
    }
}

enum bk_status qrimage_write_png(const char *text, int module_px, int dpi, const char *path,
                                 int *version_out, struct bk_err *err)
{
    if (module_px < 1 || module_px > QRIMAGE_MODULE_PX_MAX || dpi < 1 || dpi > QRIMAGE_DPI_MAX)
        return bk_err_set(err, BK_ERR_INVALID, path, 0, NULL,
                          _("QR module size must be 1 to %d pixels and resolution 1 to %d dpi."),
                          QRIMAGE_MODULE_PX_MAX, QRIMAGE_DPI_MAX);
    struct qrimage *q = NULL;
    enum bk_status st = qrimage_new(text, &q, err);
    if (st)
        return st;

    struct qr_rows rows = {.q = q, .module_px = module_px};
    int side = (q->width + 2 * QRIMAGE_QUIET_MODULES) * module_px;
    st = pngfile_write(path, side, side, 1, dpi, fill_qr_row, &rows, err);
    if (st == BK_OK && version_out)
        *version_out = q->version;
    qrimage_free(q);
    return st;
}
