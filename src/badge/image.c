/* image: the plain RGB pixels handed from the renderer to the printer and
 * to the PNG writer. */
#include "badge/image.h"

#include <string.h>
#include <stdlib.h>

#include "badge/pngfile.h"
#include "util/i18n.h"
#include "util/xalloc.h"

struct badge_image *badge_image_new(int width, int height, int dpi)
{
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

static void fill_image_row(void *ctx, int y, uint8_t *row)
{
    const struct badge_image *img = ctx;
    memcpy(row, img->rgb + (size_t)y * img->stride, (size_t)img->width * 3);
}

enum bk_status badge_image_write_png(const struct badge_image *img, const char *path,
                                     struct bk_err *err)
{
    return pngfile_write(path, img->width, img->height, 3, img->dpi, fill_image_row, (void *)img,
                         err);
}
