/* Tests for qrimage and scan: a QR code written as PNG or JPEG reads back as
 * the exact bytes, and broken or foreign files give errors naming them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <jpeglib.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "badge/qrimage.h"
#include "core/token.h"
#include "scan/decode.h"
#include "testutil.h"

struct fixture {
    char *dir;
    struct scan_decoder *decoder;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = tu_tempdir_new("scan");
    struct bk_err err = {0};
    if (scan_decoder_new(&f->decoder, &err) != BK_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    scan_decoder_free(f->decoder);
    tu_tempdir_free(f->dir);
    free(f);
    return 0;
}

/* Decodes path and expects exactly one symbol holding want's bytes. */
static void assert_reads_back(struct fixture *f, const char *path, const char *want)
{
    struct scan_results *r = NULL;
    struct bk_err err = {0};
    assert_int_equal(scan_decode_file(f->decoder, path, &r, &err), BK_OK);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->items[0].len, strlen(want));
    assert_memory_equal(r->items[0].data, want, strlen(want));
    scan_results_free(r);
}

/* The QR for text drawn into a grey buffer with a 4-module quiet zone. */
static uint8_t *render_grey(const char *text, int px, int *side_out)
{
    struct qrimage *q = NULL;
    struct bk_err err = {0};
    assert_int_equal(qrimage_new(text, &q, &err), BK_OK);
    int side = (q->width + 2 * QRIMAGE_QUIET_MODULES) * px;
    uint8_t *g = malloc((size_t)side * (size_t)side);
    for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++) {
            int mx = x / px - QRIMAGE_QUIET_MODULES, my = y / px - QRIMAGE_QUIET_MODULES;
            int dark = mx >= 0 && my >= 0 && mx < q->width && my < q->width &&
                       q->modules[my * q->width + mx];
            g[(size_t)y * (size_t)side + (size_t)x] = dark ? 0 : 255;
        }
    qrimage_free(q);
    *side_out = side;
    return g;
}

static void test_signed_payload_png_reads_back_exactly(void **state)
{
    struct fixture *f = *state;
    char *keys = tu_path_new(f->dir, "keys");
    struct bk_err err = {0};
    struct token_keys *k = NULL;
    assert_int_equal(token_keygen(keys, 0, NULL, &err), BK_OK);
    assert_int_equal(token_keys_load(keys, &k, &err), BK_OK);
    char id[TOKEN_ID_MAX + 1];
    memset(id, 'W', TOKEN_ID_MAX);
    id[TOKEN_ID_MAX] = '\0';
    char *payload = NULL;
    assert_int_equal(token_sign_new(k, "FGMV2-SHA", id, &payload, &err), BK_OK);

    char *png = tu_path_new(f->dir, "signed.png");
    int version = 0;
    assert_int_equal(qrimage_write_png(payload, 4, 300, png, &version, &err), BK_OK);
    assert_true(version >= 1 && version <= 7);
    assert_reads_back(f, png, payload);

    free(png);
    free(payload);
    token_keys_free(k);
    free(keys);
}

static void test_utf8_text_png_reads_back_exactly(void **state)
{
    struct fixture *f = *state;
    const char *text = "Fröjdh 王蕴韬";
    char *png = tu_path_new(f->dir, "utf8.png");
    struct bk_err err = {0};
    assert_int_equal(qrimage_write_png(text, 5, 300, png, NULL, &err), BK_OK);
    assert_reads_back(f, png, text);
    free(png);
}

static void test_png_records_dpi_and_has_quiet_zone(void **state)
{
    struct fixture *f = *state;
    char *png = tu_path_new(f->dir, "dpi.png");
    struct bk_err err = {0};
    assert_int_equal(qrimage_write_png("HELLO", 3, 300, png, NULL, &err), BK_OK);

    FILE *fp = fopen(png, "rb");
    assert_non_null(fp);
    unsigned char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    unsigned char *phys = memmem(buf, n, "pHYs", 4);
    assert_non_null(phys);
    unsigned long ppm = (unsigned long)phys[4] << 24 | (unsigned long)phys[5] << 16 |
                        (unsigned long)phys[6] << 8 | phys[7];
    assert_int_equal(ppm, 11811);
    assert_int_equal(phys[12], PNG_RESOLUTION_METER);

    struct scan_grey *g = NULL;
    assert_int_equal(scan_grey_load_new(png, &g, &err), BK_OK);
    /* Version 1 is 21 modules; 4 light modules each side at 3 px. */
    assert_int_equal(g->width, (21 + 8) * 3);
    for (int i = 0; i < 4 * 3; i++) {
        assert_int_equal(g->pixels[(size_t)i * (size_t)g->width + (size_t)i], 255);
    }
    assert_int_equal(g->pixels[(size_t)12 * (size_t)g->width + 12], 0);
    scan_grey_free(g);
    free(png);
}

static void write_jpeg(const char *path, const uint8_t *grey, int side)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    jpeg_stdio_dest(&c, fp);
    c.image_width = (JDIMENSION)side;
    c.image_height = (JDIMENSION)side;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 85, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(grey + (size_t)c.next_scanline * (size_t)side);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(fp);
}

static void test_jpeg_reads_back_exactly(void **state)
{
    struct fixture *f = *state;
    const char *text = "Fröjdh 王蕴韬";
    int side = 0;
    uint8_t *grey = render_grey(text, 6, &side);
    /* A name that lies: the format is told by the bytes. */
    char *jpg = tu_path_new(f->dir, "photo.png");
    write_jpeg(jpg, grey, side);
    assert_reads_back(f, jpg, text);
    free(jpg);
    free(grey);
}

static void test_decode_grey_honours_stride(void **state)
{
    struct fixture *f = *state;
    const char *text = "BK1.ABCD.KI.XYZ";
    int side = 0;
    uint8_t *grey = render_grey(text, 4, &side);
    int stride = side + 13;
    uint8_t *padded = malloc((size_t)stride * (size_t)side);
    memset(padded, 0, (size_t)stride * (size_t)side); /* black padding would break a bad copy */
    for (int y = 0; y < side; y++)
        memcpy(padded + (size_t)y * (size_t)stride, grey + (size_t)y * (size_t)side, (size_t)side);
    struct scan_results *r = NULL;
    struct bk_err err = {0};
    assert_int_equal(scan_decode_grey(f->decoder, padded, side, side, stride, &r, &err), BK_OK);
    assert_int_equal(r->n, 1);
    assert_string_equal((char *)r->items[0].data, text);
    scan_results_free(r);
    free(padded);
    free(grey);
}

static void test_non_image_file_error_names_it(void **state)
{
    struct fixture *f = *state;
    char *txt = tu_path_new(f->dir, "notes.png");
    tu_write_text(txt, "this is not an image\n");
    struct scan_results *r = NULL;
    struct bk_err err = {0};
    assert_int_equal(scan_decode_file(f->decoder, txt, &r, &err), BK_ERR_PARSE);
    assert_null(r);
    char msg[2048];
    bk_err_format(&err, msg, sizeof msg);
    assert_non_null(strstr(msg, txt));
    assert_non_null(strstr(msg, "not a PNG or JPEG"));
    free(txt);
}

static void test_missing_file_error_names_it(void **state)
{
    struct fixture *f = *state;
    char *missing = tu_path_new(f->dir, "nowhere.png");
    struct scan_results *r = NULL;
    struct bk_err err = {0};
    assert_int_equal(scan_decode_file(f->decoder, missing, &r, &err), BK_ERR_NOT_FOUND);
    assert_string_equal(err.file, missing);
    free(missing);
}

static void test_image_without_qr_gives_zero_results(void **state)
{
    struct fixture *f = *state;
    char *png = tu_path_new(f->dir, "blank.png");
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = 200;
    img.height = 120;
    img.format = PNG_FORMAT_GRAY;
    uint8_t *pixels = malloc(200 * 120);
    for (int i = 0; i < 200 * 120; i++)
        pixels[i] = (uint8_t)((i / 7) % 2 ? 255 : 200);
    assert_true(png_image_write_to_file(&img, png, 0, pixels, 0, NULL));
    free(pixels);

    struct scan_results *r = NULL;
    struct bk_err err = {0};
    assert_int_equal(scan_decode_file(f->decoder, png, &r, &err), BK_OK);
    assert_int_equal(r->n, 0);
    scan_results_free(r);
    free(png);
}

static void test_truncated_png_errors_cleanly(void **state)
{
    struct fixture *f = *state;
    char *png = tu_path_new(f->dir, "cut.png");
    struct bk_err err = {0};
    assert_int_equal(qrimage_write_png("Fröjdh 王蕴韬", 8, 300, png, NULL, &err), BK_OK);
    struct stat st;
    assert_int_equal(stat(png, &st), 0);
    assert_int_equal(truncate(png, st.st_size / 2), 0);
    struct scan_results *r = NULL;
    assert_int_equal(scan_decode_file(f->decoder, png, &r, &err), BK_ERR_PARSE);
    assert_null(r);
    assert_string_equal(err.file, png);
    free(png);
}

static void test_oversized_frame_is_refused(void **state)
{
    struct fixture *f = *state;
    uint8_t dummy[1] = {0};
    struct scan_results *r = NULL;
    struct bk_err err = {0};
    /* Refused on its size alone, before a pixel is read. */
    assert_int_equal(scan_decode_grey(f->decoder, dummy, 10000, 4001, 10000, &r, &err),
                     BK_ERR_TOO_BIG);
    assert_null(r);
}

static void test_qrimage_refuses_bad_sizes_and_empty_text(void **state)
{
    struct fixture *f = *state;
    char *png = tu_path_new(f->dir, "bad.png");
    struct bk_err err = {0};
    assert_int_equal(qrimage_write_png("X", 0, 300, png, NULL, &err), BK_ERR_INVALID);
    assert_int_equal(qrimage_write_png("X", 4, 0, png, NULL, &err), BK_ERR_INVALID);
    assert_int_equal(qrimage_write_png("", 4, 300, png, NULL, &err), BK_ERR_INVALID);
    assert_int_equal(access(png, F_OK), -1);
    free(png);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_signed_payload_png_reads_back_exactly),
        T(test_utf8_text_png_reads_back_exactly),
        T(test_png_records_dpi_and_has_quiet_zone),
        T(test_jpeg_reads_back_exactly),
        T(test_decode_grey_honours_stride),
        T(test_non_image_file_error_names_it),
        T(test_missing_file_error_names_it),
        T(test_image_without_qr_gives_zero_results),
        T(test_truncated_png_errors_cleanly),
        T(test_oversized_frame_is_refused),
        T(test_qrimage_refuses_bad_sizes_and_empty_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
