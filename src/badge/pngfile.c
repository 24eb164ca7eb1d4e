/* pngfile: PNG writing with libpng's classic API (for pHYs) and reading with
 * its simplified API (which converts any PNG to RGBA for us). */
#include "badge/pngfile.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/i18n.h"
#include "util/outfile.h"
#include "util/xalloc.h"

/* libpng reports errors through callbacks; the default ones print to
 * stderr, which the core must not do, so keep the text for the bk_err. */
struct write_failure {
    char msg[256];
};

static void write_error_cb(png_structp png, png_const_charp msg)
{
    struct write_failure *f = png_get_error_ptr(png);
    snprintf(f->msg, sizeof f->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void write_warning_cb(png_structp png, png_const_charp msg)
{
    (void)png, (void)msg;
}

/* State kept outside the setjmp frame, so nothing needs volatile. */
struct write_job {
    FILE *fp;
    int width, height, channels, dpi;
    pngfile_row_fn fill_row;
    void *ctx;
    png_bytep row;
    struct write_failure fail;
};

static int write_stream(struct write_job *job)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &job->fail, write_error_cb,
                                              write_warning_cb);
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
    png_init_io(png, job->fp);
    png_set_IHDR(png, info, (png_uint_32)job->width, (png_uint_32)job->height, 8,
                 job->channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    /* Pixels per metre, rounded: 300 dpi is 11811. */
    png_uint_32 ppm = (png_uint_32)((job->dpi * 10000L + 127) / 254);
    png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
    png_write_info(png, info);
    for (int y = 0; y < job->height; y++) {
        job->fill_row(job->ctx, y, job->row);
        png_write_row(png, job->row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return 0;
}

enum bk_status pngfile_write(const char *path, int width, int height, int channels, int dpi,
                             pngfile_row_fn fill_row, void *ctx, struct bk_err *err)
{
    if (width < 1 || height < 1 || width > PNGFILE_MAX_SIDE || height > PNGFILE_MAX_SIDE ||
        (channels != 1 && channels != 3) || dpi < 1)
        return bk_err_set(err, BK_ERR_INVALID, path, 0, NULL,
                          _("The image to write has an impossible size (%dx%d pixels)."), width,
                          height);
    struct outfile *out;
    enum bk_status st = outfile_open(path, &out, err);
    if (st != BK_OK)
        return st;
    struct write_job job = {.fp = outfile_stream(out),
                            .width = width,
                            .height = height,
                            .channels = channels,
                            .dpi = dpi,
                            .fill_row = fill_row,
                            .ctx = ctx};
    job.row = xmalloc((size_t)width * (size_t)channels);
    int rc = write_stream(&job);
    free(job.row);
    /* A write that failed inside libpng leaves the stream's error flag set,
     * and the commit reports it with its errno (a full disk is BK_ERR_FULL);
     * libpng's own complaints are told here. */
    if (rc != 0 && !ferror(job.fp)) {
        outfile_discard(out);
        return bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("cannot write the PNG: %s"),
                          job.fail.msg[0] ? job.fail.msg : i18n_strerror(ENOMEM));
    }
    return outfile_commit(out, err);
}

enum bk_status pngfile_read_rgba_new(const char *path, uint8_t **rgba, int *width, int *height,
                                     struct bk_err *err)
{
    *rgba = NULL;
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path)) {
        /* libpng's message for a missing file is terse; say why in words. */
        int readable = access(path, R_OK) == 0;
        int e = errno;
        enum bk_status st = readable ? bk_err_set(err, BK_ERR_PARSE, path, 0, NULL,
                                                  _("cannot read the PNG: %s"), image.message)
                                     : bk_err_set(err, BK_ERR_IO, path, 0, NULL,
                                                  _("cannot read the file: %s"), i18n_strerror(e));
        png_image_free(&image);
        return st;
    }
    if (image.width > PNGFILE_MAX_SIDE || image.height > PNGFILE_MAX_SIDE) {
        png_image_free(&image);
        return bk_err_set(err, BK_ERR_TOO_BIG, path, 0, NULL,
                          _("The image is too large (%u x %u pixels; at most %d on a side)."),
                          image.width, image.height, PNGFILE_MAX_SIDE);
    }
    image.format = PNG_FORMAT_RGBA;
    uint8_t *px = xmalloc(PNG_IMAGE_SIZE(image));
    if (!png_image_finish_read(&image, NULL, px, 0, NULL)) {
        enum bk_status st = bk_err_set(err, BK_ERR_PARSE, path, 0, NULL,
                                       _("cannot read the PNG: %s"), image.message);
        png_image_free(&image);
        free(px);
        return st;
    }
    *rgba = px;
    *width = (int)image.width;
    *height = (int)image.height;
    png_image_free(&image);
    return BK_OK;
}
