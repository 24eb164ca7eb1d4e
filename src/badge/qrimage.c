/* qrimage: QR codes from libqrencode, written as PNG with libpng's classic
 * API (the simplified writer cannot record the DPI, see PLATFORM.md). */
#include "badge/qrimage.h"

#include <errno.h>
#include <png.h>
#include <qrencode.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/i18n.h"
#include "core/xalloc.h"

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
                          _("The QR code could not be made: %s"), strerror(errno));
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

/* libpng reports errors through callbacks; the default ones print to
 * stderr, which the core must not do, so keep the text for the bk_err. */
struct png_failure {
    char msg[256];
};

static void png_error_cb(png_structp png, png_const_charp msg)
{
    struct png_failure *f = png_get_error_ptr(png);
    snprintf(f->msg, sizeof f->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_warning_cb(png_structp png, png_const_charp msg)
{
    (void)png, (void)msg;
}

/* State kept outside the setjmp frame, so nothing needs volatile. */
struct png_job {
    const struct qrimage *q;
    int module_px;
    int dpi;
    FILE *fp;
    png_bytep row;
    struct png_failure fail;
};

static int write_png_stream(struct png_job *job)
{
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, &job->fail, png_error_cb, png_warning_cb);
    if (!png)
        return -1;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    const struct qrimage *q = job->q;
    int side_modules = q->width + 2 * QRIMAGE_QUIET_MODULES;
    png_uint_32 side = (png_uint_32)side_modules * (png_uint_32)job->module_px;
    png_init_io(png, job->fp);
    png_set_IHDR(png, info, side, side, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    /* Pixels per metre, rounded: 300 dpi is 11811. */
    png_uint_32 ppm = (png_uint_32)((job->dpi * 10000L + 127) / 254);
    png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
    png_write_info(png, info);
    for (int my = 0; my < side_modules; my++) {
        int qy = my - QRIMAGE_QUIET_MODULES;
        for (int mx = 0; mx < side_modules; mx++) {
            int qx = mx - QRIMAGE_QUIET_MODULES;
            bool dark = qy >= 0 && qy < q->width && qx >= 0 && qx < q->width &&
                        q->modules[(size_t)qy * (size_t)q->width + (size_t)qx];
            memset(job->row + (size_t)mx * (size_t)job->module_px, dark ? 0 : 255,
                   (size_t)job->module_px);
        }
        for (int r = 0; r < job->module_px; r++)
            png_write_row(png, job->row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return 0;
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

    char *tmp = xasprintf("%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        st = bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("cannot create the file: %s"),
                        strerror(errno));
        goto out;
    }
    /* mkstemp makes 0600; a badge image is not secret and the print spooler
     * may run as another user. */
    fchmod(fd, 0644);
    FILE *fp = fdopen(fd, "wb");
    if (!fp) {
        close(fd);
        unlink(tmp);
        st = bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("cannot write the file: %s"),
                        strerror(errno));
        goto out;
    }
    struct png_job job = {.q = q, .module_px = module_px, .dpi = dpi, .fp = fp};
    job.row = xmalloc((size_t)(q->width + 2 * QRIMAGE_QUIET_MODULES) * (size_t)module_px);
    int rc = write_png_stream(&job);
    free(job.row);
    int e = errno;
    if (rc == 0 && fflush(fp) != 0)
        rc = -1, e = errno;
    if (rc == 0 && fsync(fileno(fp)) != 0)
        rc = -1, e = errno;
    if (fclose(fp) != 0 && rc == 0)
        rc = -1, e = errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1, e = errno, job.fail.msg[0] = '\0';
    if (rc != 0) {
        unlink(tmp);
        if (job.fail.msg[0])
            st = bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("cannot write the PNG: %s"),
                            job.fail.msg);
        else
            st = bk_err_set(err, e == ENOSPC ? BK_ERR_FULL : BK_ERR_IO, path, 0, NULL,
                            _("cannot write the file: %s"), strerror(e));
    } else if (version_out) {
        *version_out = q->version;
    }
out:
    free(tmp);
    qrimage_free(q);
    return st;
}
