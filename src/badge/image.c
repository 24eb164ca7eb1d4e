/* image: TEMPORARY stand-in so the print branch builds and its tests run.
 *
 * The real image.c is written on the render branch; drop this file at merge.
 * It only does what image.h promises: white RGB images and an RGB PNG with
 * the DPI in pHYs, written beside the target and renamed into place. */
#include "badge/image.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/i18n.h"
#include "core/xalloc.h"

struct badge_image *badge_image_new(int width, int height, int dpi)
{
    if (width < 1 || height < 1 || dpi < 1)
        return NULL;
    struct badge_image *img = xcalloc(1, sizeof *img);
    img->width = width;
    img->height = height;
    img->dpi = dpi;
    img->stride = (size_t)width * 3;
    img->rgb = xmalloc(img->stride * (size_t)height);
    memset(img->rgb, 255, img->stride * (size_t)height);
    return img;
}

void badge_image_free(struct badge_image *img)
{
    if (!img)
        return;
    free(img->rgb);
    free(img);
}

struct image_png_failure {
    char msg[256];
};

static void image_png_error(png_structp png, png_const_charp msg)
{
    struct image_png_failure *f = png_get_error_ptr(png);
    snprintf(f->msg, sizeof f->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void image_png_warning(png_structp png, png_const_charp msg)
{
    (void)png, (void)msg;
}

static int image_png_stream(const struct badge_image *img, FILE *fp, struct image_png_failure *f)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, f, image_png_error,
                                              image_png_warning);
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
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8,
                 PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_uint_32 ppm = (png_uint_32)((img->dpi * 10000L + 127) / 254);
    png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
    png_write_info(png, info);
    for (int y = 0; y < img->height; y++)
        png_write_row(png, img->rgb + (size_t)y * img->stride);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return 0;
}

enum bk_status badge_image_write_png(const struct badge_image *img, const char *path,
                                     struct bk_err *err)
{
    char *tmp = xasprintf("%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("cannot create the file: %s"),
                          strerror(e));
    }
    fchmod(fd, 0644);
    FILE *fp = fdopen(fd, "wb");
    if (!fp) {
        int e = errno;
        close(fd);
        unlink(tmp);
        free(tmp);
        return bk_err_set(err, BK_ERR_IO, path, 0, NULL, _("cannot write the file: %s"),
                          strerror(e));
    }
    struct image_png_failure f = {{0}};
    int rc = image_png_stream(img, fp, &f);
    int e = errno;
    if (fclose(fp) != 0 && rc == 0)
        rc = -1, e = errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1, e = errno, f.msg[0] = '\0';
    enum bk_status st = BK_OK;
    if (rc != 0) {
        unlink(tmp);
        st = bk_err_set(err, e == ENOSPC ? BK_ERR_FULL : BK_ERR_IO, path, 0, NULL,
                        _("cannot write the PNG: %s"), f.msg[0] ? f.msg : strerror(e));
    }
    free(tmp);
    return st;
}
