/* decode: load PNG/JPEG files as grey and find QR codes in grey frames with
 * zbar, through the passes listed in decode.h. Library error reporting is redirected into bk_err
 * (libpng's simplified API keeps its message; libjpeg's handlers are replaced) because both
 * libraries print to stderr by default. */
#include "scan/decode.h"

#include <errno.h>
#include <math.h>
#include <stdio.h> /* before jpeglib.h, which uses FILE */
#include <jpeglib.h>
#include <png.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zbar.h>

#include "util/i18n.h"
#include "util/xalloc.h"
#include "scan/filter.h"
#include "scan/locate.h"
#include "scan/rectify.h"

struct scan_decoder {
    zbar_image_scanner_t *scanner;
    int max_passes; /* 1..SCAN_PASSES */
    int budget_ms;  /* 0: no time limit */
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
    d->max_passes = SCAN_PASSES;
    d->budget_ms = SCAN_DEFAULT_BUDGET_MS;
    *out = d;
    return BK_OK;
}

void scan_decoder_set_budget(struct scan_decoder *d, int max_passes, int budget_ms)
{
    d->max_passes = max_passes < 1 ? 1 : max_passes > SCAN_PASSES ? SCAN_PASSES : max_passes;
    d->budget_ms = budget_ms < 0 ? 0 : budget_ms;
}

void scan_decoder_free(struct scan_decoder *d)
{
    if (!d)
        return;
    zbar_image_scanner_destroy(d->scanner);
    free(d);
}

/* One zbar pass over p (zbar wants a writable pointer; p is ours). Symbols
 * belong to zbar's image, so they are copied into r before it goes.
 * Returns zbar's count, negative on failure. */
static int zbar_pass(struct scan_decoder *d, struct scan_plane *p, struct scan_results *r)
{
    zbar_image_t *img = zbar_image_create();
    zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(img, (unsigned)p->w, (unsigned)p->h);
    zbar_image_set_data(img, p->px, (size_t)p->w * (size_t)p->h, NULL);
    int found = zbar_scan_image(d->scanner, img);
    r->scans++;
    for (const zbar_symbol_t *sym = found > 0 ? zbar_image_first_symbol(img) : NULL; sym;
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
    return found;
}

static double monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char *const pass_names[SCAN_PASSES] = {
    "base", "code regions at 4.5 px/module", "code regions thresholded", "code regions rectified",
    "full size or 1.5x", "inverted", "local threshold", "blurred", "other scale",
};

const char *scan_pass_name(int pass)
{
    return pass >= 1 && pass <= SCAN_PASSES ? pass_names[pass - 1] : "";
}

/* Longer side above which pass 1 halves the frame: 1280x720 becomes
 * 640x360, where a code filling a fair part of the view still has several
 * pixels per module; 640x480 is decoded as it is. */
#define BASE_MAX_SIDE 960
/* SCAN_MAX_REGIONS regions are looked at closely: a code, and room for a
 * second code or a false region (print, a patterned shirt) ranked above it. */
#define MAX_REGIONS SCAN_MAX_REGIONS
/* Pixels per module zbar reads best at: finder patterns are found on its
 * scan lines and modules sampled reliably from about 3 pixels up. */
#define TARGET_MODULE_PX 4.5
/* A region's enlargement stays under this many pixels, so one pass costs
 * a few milliseconds even for a code filling a 1080p frame. */
#define REGION_MAX_PIXELS 800000.0

static int longer_side(const struct scan_plane *p)
{
    return p->w > p->h ? p->w : p->h;
}

/* What one frame's passes share. */
struct frame_work {
    struct scan_plane frame; /* the caller's frame, packed */
    struct scan_plane base;  /* pass 1's image: frame, halved while large */
    bool halved;
    bool located; /* regions below were looked for */
    int n_regions;
    struct scan_plane regions[MAX_REGIONS]; /* each at about TARGET_MODULE_PX */
    double region_module[MAX_REGIONS];      /* pixels per module after scaling (est.) */
    double region_span[MAX_REGIONS];        /* modules across the region (est.), 0: unknown */
};

/* Finds the likely code regions and scales each to TARGET_MODULE_PX. */
static void locate_regions(struct frame_work *fw)
{
    fw->located = true;
    struct scan_region found[MAX_REGIONS];
    int n = scan_locate(&fw->frame, found, MAX_REGIONS);
    for (int i = 0; i < n; i++) {
        const struct scan_region *r = &found[i];
        double factor = r->module > 0 ? TARGET_MODULE_PX / r->module : 1;
        if (factor > 3)
            factor = 3;
        if (factor < 0.5)
            factor = 0.5;
        /* Near the target already: cropping alone saves zbar the rest. */
        if (factor > 0.8 && factor < 1.25)
            factor = 1;
        double px = (double)r->w * r->h * factor * factor;
        if (px > REGION_MAX_PIXELS)
            factor *= sqrt(REGION_MAX_PIXELS / px);
        struct scan_plane p = scan_filter_crop_scale(&fw->frame, r->x, r->y, r->w, r->h, factor);
        if (factor > 1.25) {
            /* Enlarging softens edges the camera had already blurred. */
            struct scan_plane sharp = scan_filter_sharpen(&p, 60);
            scan_plane_clear(&p);
            p = sharp;
        }
        fw->region_module[fw->n_regions] = r->module > 0 ? r->module * factor : TARGET_MODULE_PX;
        fw->region_span[fw->n_regions] =
            r->module > 0 ? (r->w > r->h ? r->w : r->h) / r->module : 0;
        fw->regions[fw->n_regions++] = p;
    }
}

/* zbar over each region (thresholded when binarise); true if anything was
 * read. found is set negative if zbar failed on every region. */
static int region_pass(struct scan_decoder *d, struct frame_work *fw, bool binarise,
                       struct scan_results *r)
{
    if (!fw->located)
        locate_regions(fw);
    int failed = 0;
    for (int i = 0; i < fw->n_regions; i++) {
        int found;
        if (binarise) {
            /* A window about four modules across: wider than any run of
             * one colour, narrow enough to follow a glare spot's edge. */
            int radius = (int)lround(fw->region_module[i] * 2);
            struct scan_plane t = scan_filter_threshold(&fw->regions[i], radius < 4 ? 4 : radius, 6);
            found = zbar_pass(d, &t, r);
            scan_plane_clear(&t);
        } else {
            found = zbar_pass(d, &fw->regions[i], r);
        }
        if (found < 0)
            failed++;
    }
    return fw->n_regions && failed == fw->n_regions ? -1 : 0;
}

/* Pixels per module of a rectified code: zbar reads a clean black and
 * white code at 3, and the fewer pixels the faster. */
#define RECTIFIED_MODULE_PX 3
/* Light modules around a rectified code, as the standard asks. */
#define RECTIFIED_QUIET 4

#define RECTIFY_PASS 4
/* Modules across a likely code region (its margin included) from which its
 * code counts as large: about version 20 and up. */
#define LARGE_CODE_MODULES 120

/* Whether a likely region holds a code of many modules. */
static bool large_code(const struct frame_work *fw)
{
    for (int i = 0; i < fw->n_regions; i++)
        if (fw->region_span[i] >= LARGE_CODE_MODULES)
            return true;
    return false;
}

/* zbar over each region in which rectify finds a code's grid, the code
 * redrawn square in black and white; regions without a grid cost no zbar
 * run. Returns like region_pass. */
static int rectify_pass(struct scan_decoder *d, struct frame_work *fw, struct scan_results *r)
{
    if (!fw->located)
        locate_regions(fw);
    int failed = 0, tried = 0;
    /* A redrawn code has clean edges and finder patterns many pixels
     * tall: every other scan line finds them at half zbar's cost. */
    zbar_image_scanner_set_config(d->scanner, ZBAR_NONE, ZBAR_CFG_X_DENSITY, 2);
    zbar_image_scanner_set_config(d->scanner, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, 2);
    for (int i = 0; i < fw->n_regions && r->n == 0; i++) {
        struct scan_grid g;
        if (!scan_grid_find(&fw->regions[i], fw->region_module[i], &g))
            continue;
        struct scan_plane code =
            scan_grid_draw(&fw->regions[i], &g, RECTIFIED_MODULE_PX, RECTIFIED_QUIET);
        tried++;
        if (zbar_pass(d, &code, r) < 0)
            failed++;
        scan_plane_clear(&code);
    }
    zbar_image_scanner_set_config(d->scanner, ZBAR_NONE, ZBAR_CFG_X_DENSITY, 1);
    zbar_image_scanner_set_config(d->scanner, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, 1);
    return tried && failed == tried ? -1 : 0;
}

/* How many pixels zbar will be given in pass (2..SCAN_PASSES), to predict
 * its cost; regions must have been located for passes 2 to 4. */
static double pass_pixels(int pass, const struct frame_work *fw)
{
    double frame = (double)fw->frame.w * fw->frame.h, base = (double)fw->base.w * fw->base.h;
    double regions = 0;
    for (int i = 0; i < fw->n_regions; i++)
        regions += (double)fw->regions[i].w * fw->regions[i].h;
    switch (pass) {
    case 2:
    case 3:
        return regions;
    case 4:
        /* Looking for the grid costs about a third of what zbar would take
         * over the region, the redrawn code (where one is found) less. */
        return regions * 0.4;
    case 5:
        /* At full resolution zbar takes a quarter longer per pixel (up to
         * 1.4x) than on the halved frame: the sensor's noise, which halving
         * averages away, gives it more edges to follow. */
        return fw->halved ? frame * 1.25 : frame * 2.25;
    case 6:
    case 7:
    case 8:
        return base;
    default:
        return fw->halved ? frame * 0.5625 : frame * 0.25;
    }
}

/* The image for a whole-frame pass (5..SCAN_PASSES). */
static struct scan_plane pass_image(int pass, const struct frame_work *fw)
{
    const struct scan_plane *frame = &fw->frame, *base = &fw->base;
    bool halved = fw->halved;
    switch (pass) {
    case 5:
        return halved ? scan_filter_copy(frame->px, frame->w, frame->h, frame->w)
                      : scan_filter_scale(frame, 1.5);
    case 6:
        return scan_filter_invert(base);
    case 7: {
        /* A window a few modules wide for any code filling a fair part of
         * the view: wide enough to hold dark and light, narrow enough to
         * follow a gradient of light. */
        int r = longer_side(base) / 24;
        return scan_filter_threshold(base, r < 4 ? 4 : r, 8);
    }
    case 8:
        return scan_filter_blur(base);
    default:
        return halved || frame->w < 2 || frame->h < 2 ? scan_filter_scale(frame, 0.75)
                                                      : scan_filter_halve(frame);
    }
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
    double t0 = monotonic_ms();
    struct frame_work fw = {0};
    /* A private packed copy leaves the caller's (maybe driver-owned) frame
     * untouched and gives zbar the writable rows it wants. */
    fw.frame = scan_filter_copy(pixels, w, h, stride);
    while (longer_side(fw.halved ? &fw.base : &fw.frame) > BASE_MAX_SIDE) {
        struct scan_plane smaller = scan_filter_halve(fw.halved ? &fw.base : &fw.frame);
        scan_plane_clear(&fw.base);
        fw.base = smaller;
        fw.halved = true;
    }
    if (!fw.halved)
        fw.base = scan_filter_copy(fw.frame.px, w, h, w);
    struct scan_results *r = xcalloc(1, sizeof *r);
    int failed = 0;
    /* zbar's time grows with the pixels it is given; pass 1 tells how fast
     * it goes on this machine and this frame, so a pass that would end
     * past the budget is skipped rather than started (a smaller later pass
     * may still fit): the budget holds for the whole frame, not only for
     * the moment a pass starts. */
    double ms_per_px = 0;
    int order[SCAN_PASSES];
    for (int k = 0; k < SCAN_PASSES; k++)
        order[k] = k + 1;
    for (int k = 0; k < d->max_passes && r->n == 0; k++) {
        if (k == 1) {
            if (!fw.located)
                locate_regions(&fw);
            /* A code of many modules: zbar's own grid drifts across it and
             * zbar spends long failing on its regions, while its grid is
             * found and redrawn in a few milliseconds: rectify first. */
            if (large_code(&fw)) {
                memmove(order + 2, order + 1, sizeof *order * (RECTIFY_PASS - 2));
                order[1] = RECTIFY_PASS;
            }
        }
        int pass = order[k];
        double now = monotonic_ms();
        if (k > 0 && d->budget_ms > 0) {
            if (now - t0 > d->budget_ms)
                break;
            if (now - t0 + 1.2 * ms_per_px * pass_pixels(pass, &fw) > d->budget_ms)
                continue;
        }
        int found;
        r->passes++;
        if (pass == 1) {
            found = zbar_pass(d, &fw.base, r);
            ms_per_px = (monotonic_ms() - t0) / ((double)fw.base.w * fw.base.h);
        } else if (pass == 2 || pass == 3) {
            found = region_pass(d, &fw, pass == 3, r);
        } else if (pass == RECTIFY_PASS) {
            found = rectify_pass(d, &fw, r);
        } else {
            struct scan_plane img = pass_image(pass, &fw);
            found = zbar_pass(d, &img, r);
            scan_plane_clear(&img);
        }
        if (found < 0)
            failed++;
        if (r->n)
            r->pass = pass;
    }
    for (int i = 0; i < fw.n_regions; i++)
        scan_plane_clear(&fw.regions[i]);
    scan_plane_clear(&fw.base);
    scan_plane_clear(&fw.frame);
    /* Only when zbar failed outright on every pass is it an error; a pass
     * that merely read nothing is the common case. */
    if (failed == r->passes) {
        scan_results_free(r);
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("The QR code reader failed on this image."));
    }
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
                          _("cannot open the image: %s"), i18n_strerror(errno));
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
