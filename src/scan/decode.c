/* decode: load PNG/JPEG files as grey and find QR codes in grey frames with
 * zbar. Library error reporting is redirected into bk_err (libpng's
 * simplified API keeps its message; libjpeg's handlers are replaced) because
 * both libraries print to stderr by default. */
#include "scan/decode.h"

#include <errno.h>
#include <stdio.h> /* before jpeglib.h, which uses FILE */
#include <jpeglib.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <zbar.h>

#include "core/i18n.h"
#include "core/xalloc.h"

struct scan_decoder {
    zbar_image_scanner_t *scanner;
};

void scan_results_free(struct scan_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->items[i].data);
    free(r->items);
    free(r);
}

enum bk_status scan_decoder_new(struct scan_decoder **out, struct bk_err *err)
{
    *out = NULL;
    zbar_image_scanner_t *s = zbar_image_scanner_create();
    if (!s)
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("The QR code reader could not be started."));
    /* Other symbologies only add false reads from printed text and logos. */
    zbar_image_scanner_set_config(s, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(s, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    zbar_image_scanner_set_config(s, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1);
    struct scan_decoder *d = xcalloc(1, sizeof *d);
    d->scanner = s;
    *out = d;
    return BK_OK;
}

void scan_decoder_free(struct scan_decoder *d)
{
    if (!d)
        return;
    zbar_image_scanner_destroy(d->scanner);
    free(d);
}

enum bk_status scan_decode_grey(struct scan_decoder *d, const uint8_t *pixels, int w, int h,
                                int stride, struct scan_results **out, struct bk_err *err)
{
    *out = NULL;
    if (!pixels || w <= 0 || h <= 0 || stride < w)
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("The image to decode has no pixels or a bad size."));
    if ((long long)w * h > SCAN_MAX_PIXELS)
        return bk_err_set(err, BK_ERR_TOO_BIG, NULL, 0, NULL,
                          _("The image is %dx%d pixels, more than %ld megapixels."), w, h,
                          SCAN_MAX_PIXELS / 1000000);
    /* zbar wants rows packed and a writable pointer; a private copy meets
     * both and leaves the caller's (maybe driver-owned) frame untouched. */
    size_t n = (size_t)w * (size_t)h;
    uint8_t *copy = xmalloc(n);
    for (int y = 0; y < h; y++)
        memcpy(copy + (size_t)y * (size_t)w, pixels + (size_t)y * (size_t)stride, (size_t)w);

    zbar_image_t *img = zbar_image_create();
    zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(img, (unsigned)w, (unsigned)h);
    zbar_image_set_data(img, copy, n, NULL);
    int found = zbar_scan_image(d->scanner, img);
    if (found < 0) {
        zbar_image_destroy(img);
        free(copy);
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("The QR code reader failed on this image."));
    }
    struct scan_results *r = xcalloc(1, sizeof *r);
    /* Symbols belong to the image: copy them out before destroying it. */
    for (const zbar_symbol_t *sym = zbar_image_first_symbol(img); sym;
         sym = zbar_symbol_next(sym)) {
        if (zbar_symbol_get_type(sym) != ZBAR_QRCODE)
            continue;
        size_t len = zbar_symbol_get_data_length(sym);
        const char *data = zbar_symbol_get_data(sym);
        r->items = xrealloc(r->items, (r->n + 1) * sizeof *r->items);
        struct scan_result *item = &r->items[r->n++];
        item->data = xmalloc(len + 1);
        if (len)
            memcpy(item->data, data, len);
        item->data[len] = '\0';
        item->len = len;
    }
    zbar_image_destroy(img);
    free(copy);
    *out = r;
    return BK_OK;
}

void scan_grey_free(struct scan_grey *g)
{
    if (!g)
        return;
    free(g->pixels);
    free(g);
}

static enum bk_status too_big(const char *path, long long w, long long h, struct bk_err *err)
{
    return bk_err_set(err, BK_ERR_TOO_BIG, path, 0, NULL,
                      _("the image is %lldx%lld pixels, more than %ld megapixels."), w, h,
                      SCAN_MAX_PIXELS / 1000000);
}

static enum bk_status load_png(const char *path, FILE *fp, struct scan_grey *g, struct bk_err *err)
{
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_stdio(&image, fp))
        return bk_err_set(err, BK_ERR_PARSE, path, 0, NULL, _("unreadable PNG image: %s"),
                          image.message);
    if (image.width == 0 || image.height == 0 ||
        (long long)image.width * image.height > SCAN_MAX_PIXELS) {
        enum bk_status st = too_big(path, image.width, image.height, err);
        png_image_free(&image);
        return st;
    }
    image.format = PNG_FORMAT_GRAY;
    g->width = (int)image.width;
    g->height = (int)image.height;
    g->pixels = xmalloc(PNG_IMAGE_SIZE(image));
    /* A transparent background reads as white paper, not black. */
    png_color white = {255, 255, 255};
    if (!png_image_finish_read(&image, &white, g->pixels, 0, NULL)) {
        enum bk_status st = bk_err_set(err, BK_ERR_PARSE, path, 0, NULL,
                                       _("unreadable PNG image: %s"), image.message);
        png_image_free(&image);
        return st;
    }
    return BK_OK;
}

/* libjpeg calls error_exit on fatal errors and would exit the process;
 * we jump back instead, with the message kept for the bk_err. */
struct jpeg_failure {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
};

static void jpeg_error_exit_cb(j_common_ptr cinfo)
{
    struct jpeg_failure *f = (struct jpeg_failure *)cinfo->err;
    f->mgr.format_message(cinfo, f->msg);
    longjmp(f->jump, 1);
}

/* Warnings (a truncated file is one) would go to stderr. */
static void jpeg_output_message_cb(j_common_ptr cinfo)
{
    (void)cinfo;
}

static enum bk_status load_jpeg(const char *path, FILE *fp, struct scan_grey *g, struct bk_err *err)
{
    struct jpeg_decompress_struct cinfo;
    struct jpeg_failure fail;
    memset(&fail, 0, sizeof fail);
    cinfo.err = jpeg_std_error(&fail.mgr);
    fail.mgr.error_exit = jpeg_error_exit_cb;
    fail.mgr.output_message = jpeg_output_message_cb;
    /* Only memory reached through g (not locals) changes after setjmp, so
     * nothing is lost when libjpeg jumps back. */
    if (setjmp(fail.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return bk_err_set(err, BK_ERR_PARSE, path, 0, NULL, _("unreadable JPEG image: %s"),
                          fail.msg);
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, fp);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.image_width == 0 || cinfo.image_height == 0 ||
        (long long)cinfo.image_width * cinfo.image_height > SCAN_MAX_PIXELS) {
        enum bk_status st = too_big(path, cinfo.image_width, cinfo.image_height, err);
        jpeg_destroy_decompress(&cinfo);
        return st;
    }
    cinfo.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(&cinfo);
    g->width = (int)cinfo.output_width;
    g->height = (int)cinfo.output_height;
    g->pixels = xmalloc((size_t)g->width * (size_t)g->height);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = g->pixels + (size_t)cinfo.output_scanline * (size_t)g->width;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return BK_OK;
}

enum bk_status scan_grey_load_new(const char *path, struct scan_grey **out, struct bk_err *err)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return bk_err_set(err, errno == ENOENT ? BK_ERR_NOT_FOUND : BK_ERR_IO, path, 0, NULL,
                          _("cannot open the image: %s"), strerror(errno));
    unsigned char magic[8] = {0};
    size_t got = fread(magic, 1, sizeof magic, fp);
    rewind(fp);
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    struct scan_grey *g = xcalloc(1, sizeof *g);
    enum bk_status st;
    if (got == 8 && memcmp(magic, png_magic, 8) == 0)
        st = load_png(path, fp, g, err);
    else if (got >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF)
        st = load_jpeg(path, fp, g, err);
    else
        st = bk_err_set(err, BK_ERR_PARSE, path, 0, NULL, _("not a PNG or JPEG image."));
    fclose(fp);
    if (st) {
        scan_grey_free(g);
        return st;
    }
    *out = g;
    return BK_OK;
}

enum bk_status scan_decode_file(struct scan_decoder *d, const char *path, struct scan_results **out,
                                struct bk_err *err)
{
    *out = NULL;
    struct scan_grey *g = NULL;
    enum bk_status st = scan_grey_load_new(path, &g, err);
    if (st)
        return st;
    st = scan_decode_grey(d, g->pixels, g->width, g->height, g->width, out, err);
    scan_grey_free(g);
    if (st && err)
        snprintf(err->file, sizeof err->file, "%s", path);
    return st;
}
