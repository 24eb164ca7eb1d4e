/* Tests for printer against real printers on loopback: ippeveprinter (IPP
 * Everywhere) and a private cupsd, started by tests/print/run, which passes
 * their addresses in BK_TEST_* variables. A badge goes out, lands in the
 * printer's spool, and its QR code still reads; stopped, vanished, failing
 * and empty printers come back as states and words a person can act on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cups/cups.h>
#include <cups/raster.h>
#include <dirent.h>
#include <fcntl.h>
#include <png.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "badge/image.h"
#include "badge/qrimage.h"
#include "print/printer.h"
#include "scan/decode.h"

#define BADGE_W 1200 /* 4 x 3 in at 300 dpi */
#define BADGE_H 900
#define BADGE_DPI 300
#define LABEL_MEDIA "oe_4x3-label_4x3in"
#define LETTER_MEDIA "na_letter_8.5x11in"
/* A cap on waits for a condition (a job's end, a file, a state), only so a
 * broken setup fails instead of hanging: generous, since a cold first run
 * starts every filter and printer for the first time. */
#define WAIT_MS 60000

static const char *env_or_skip(const char *name)
{
    const char *v = getenv(name);
    if (!v || !v[0]) {
        print_message("%s is not set (run tests/print/run); skipped\n", name);
        skip();
    }
    return v;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Lets the job the "Empty" printer holds finish: its command
 * (tests/print/cmd/print-media-empty) reports media-empty-error until a
 * file "release" appears in BK_TEST_EMPTY_RELEASE, and removes it. */
static void release_empty_printer(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/release", getenv("BK_TEST_EMPTY_RELEASE"));
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
}

/* Waits until nothing accepts connections at uri's host and port (a
 * printer that was told to stop has closed its socket). */
static void wait_until_refused(const char *uri)
{
    char scheme[16], user[64], host[256], resource[256];
    int port = 0;
    assert_true(httpSeparateURI(HTTP_URI_CODING_ALL, uri, scheme, sizeof scheme, user, sizeof user,
                                host, sizeof host, &port, resource,
                                sizeof resource) >= HTTP_URI_STATUS_OK);
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    for (long end = now_ms() + WAIT_MS; now_ms() < end; nap_ms(50)) {
        http_addrlist_t *addrs = httpAddrGetList(host, AF_UNSPEC, service);
        int sock = -1;
        bool refused = httpAddrConnect2(addrs, &sock, 1000, NULL) == NULL;
        if (sock >= 0)
            close(sock);
        httpAddrFreeList(addrs);
        if (refused)
            return;
    }
    fail_msg("%s still accepts connections", uri);
}

static void fill_rect(struct badge_image *img, int x, int y, int w, int h, uint8_t r, uint8_t g,
                      uint8_t b)
{
    for (int yy = y; yy < y + h && yy < img->height; yy++)
        for (int xx = x; xx < x + w && xx < img->width; xx++) {
            uint8_t *p = img->rgb + (size_t)yy * img->stride + (size_t)xx * 3;
            p[0] = r, p[1] = g, p[2] = b;
        }
}

/* A badge anyone would recognise: a dark frame, a blue header band, a name
 * block, and the QR code holding text at 10 px a module on the right. */
static struct badge_image *make_badge(const char *text)
{
    struct badge_image *img = badge_image_new(BADGE_W, BADGE_H, BADGE_DPI);
    assert_non_null(img);
    fill_rect(img, 0, 0, BADGE_W, 12, 0, 0, 0);
    fill_rect(img, 0, BADGE_H - 12, BADGE_W, 12, 0, 0, 0);
    fill_rect(img, 0, 0, 12, BADGE_H, 0, 0, 0);
    fill_rect(img, BADGE_W - 12, 0, 12, BADGE_H, 0, 0, 0);
    fill_rect(img, 12, 12, BADGE_W - 24, 160, 20, 60, 160);
    fill_rect(img, 60, 300, 520, 80, 40, 40, 40);
    fill_rect(img, 60, 420, 380, 50, 90, 90, 90);
    struct qrimage *q = NULL;
    struct bk_err err = {0};
    assert_int_equal(qrimage_new(text, &q, &err), BK_OK);
    int px = 10, x0 = BADGE_W - 60 - q->width * px, y0 = 260;
    for (int y = 0; y < q->width; y++)
        for (int x = 0; x < q->width; x++)
            if (q->modules[y * q->width + x])
                fill_rect(img, x0 + x * px, y0 + y * px, px, px, 0, 0, 0);
    qrimage_free(q);
    return img;
}

/* The spool file of a job: ippeveprinter names it JOBID-jobname.EXT, the
 * name in lower case. Waits for it, since a queue forwards the job a little
 * later. */
static bool find_spool(const char *dir, const char *job_name, int job_id, char *path, size_t n)
{
    char want[256];
    if (job_id > 0)
        snprintf(want, sizeof want, "%d-%s.", job_id, job_name);
    long end = now_ms() + WAIT_MS;
    do {
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            const char *dot = strrchr(e->d_name, '.');
            if (!dot || (strcmp(dot, ".png") && strcmp(dot, ".pwg")))
                continue;
            const char *dash = strchr(e->d_name, '-');
            bool match = job_id > 0
                             ? strncasecmp(e->d_name, want, strlen(want)) == 0
                             : dash && strncasecmp(dash + 1, job_name, strlen(job_name)) == 0 &&
                                   dash[1 + strlen(job_name)] == '.';
            if (match) {
                snprintf(path, n, "%s/%s", dir, e->d_name);
                closedir(d);
                return true;
            }
        }
        if (d)
            closedir(d);
        nap_ms(100);
    } while (now_ms() < end);
    return false;
}

struct png_facts {
    int width, height, dpi;
};

static void read_png_facts(const char *path, struct png_facts *f)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_int_equal(setjmp(png_jmpbuf(png)), 0);
    png_init_io(png, fp);
    png_read_info(png, info);
    f->width = (int)png_get_image_width(png, info);
    f->height = (int)png_get_image_height(png, info);
    png_uint_32 xres = 0, yres = 0;
    int unit = 0;
    png_get_pHYs(png, info, &xres, &yres, &unit);
    f->dpi = unit == PNG_RESOLUTION_METER ? (int)(xres * 254 / 10000.0 + 0.5) : 0;
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
}

/* The QR text in a PNG file. */
static char *decode_png(const char *path)
{
    struct scan_decoder *d = NULL;
    struct scan_results *r = NULL;
    struct bk_err err = {0};
    assert_int_equal(scan_decoder_new(&d, &err), BK_OK);
    if (scan_decode_file(d, path, &r, &err) != BK_OK)
        fail_msg("decode %s: %s", path, err.msg);
    char *text = r->n ? strdup((char *)r->items[0].data) : NULL;
    scan_results_free(r);
    scan_decoder_free(d);
    return text;
}

struct pwg_facts {
    unsigned width, height, xdpi, ydpi;
    char type[64];
};

/* The first page of a PWG raster file: its header, and the QR text read from
 * its pixels (8-bit grey or RGB, or 1-bit black). */
static char *decode_pwg(const char *path, struct pwg_facts *f)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    cups_raster_t *r = cupsRasterOpen(fd, CUPS_RASTER_READ);
    assert_non_null(r);
    cups_page_header2_t h;
    assert_true(cupsRasterReadHeader2(r, &h));
    f->width = h.cupsWidth, f->height = h.cupsHeight;
    f->xdpi = h.HWResolution[0], f->ydpi = h.HWResolution[1];
    snprintf(f->type, sizeof f->type, "%s_%u",
             h.cupsColorSpace == CUPS_CSPACE_SW     ? "sgray"
             : h.cupsColorSpace == CUPS_CSPACE_SRGB ? "srgb"
             : h.cupsColorSpace == CUPS_CSPACE_K    ? "black"
                                                    : "other",
             h.cupsBitsPerPixel);
    uint8_t *line = malloc(h.cupsBytesPerLine);
    uint8_t *grey = malloc((size_t)h.cupsWidth * h.cupsHeight);
    for (unsigned y = 0; y < h.cupsHeight; y++) {
        assert_int_equal(cupsRasterReadPixels(r, line, h.cupsBytesPerLine), h.cupsBytesPerLine);
        for (unsigned x = 0; x < h.cupsWidth; x++) {
            uint8_t g;
            if (h.cupsBitsPerPixel == 1)
                g = (line[x / 8] & (0x80u >> (x % 8))) ? 0 : 255;
            else if (h.cupsBitsPerPixel == 24)
                g = (uint8_t)((line[3 * x] + line[3 * x + 1] + line[3 * x + 2]) / 3);
            else
                g = line[x];
            if (h.cupsColorSpace == CUPS_CSPACE_K && h.cupsBitsPerPixel == 8)
                g = (uint8_t)(255 - g);
            grey[(size_t)y * h.cupsWidth + x] = g;
        }
    }
    cupsRasterClose(r);
    close(fd);
    struct scan_decoder *d = NULL;
    struct scan_results *res = NULL;
    struct bk_err err = {0};
    assert_int_equal(scan_decoder_new(&d, &err), BK_OK);
    assert_int_equal(scan_decode_grey(d, grey, (int)h.cupsWidth, (int)h.cupsHeight,
                                      (int)h.cupsWidth, &res, &err),
                     BK_OK);
    char *text = res->n ? strdup((char *)res->items[0].data) : NULL;
    scan_results_free(res);
    scan_decoder_free(d);
    free(line);
    free(grey);
    return text;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Opens, submits one badge holding text, waits for the end; returns the job id. */
static int print_badge(const char *printer, const char *media, const char *job_name,
                       const char *text, enum printer_job_state *end)
{
    struct printer *p = NULL;
    struct bk_err err = {0};
    if (printer_open(printer, &p, &err) != BK_OK)
        fail_msg("open %s: %s", printer, err.msg);
    struct badge_image *img = make_badge(text);
    int id = 0;
    if (printer_submit(p, img, media, job_name, &id, &err) != BK_OK)
        fail_msg("submit to %s: %s", printer, err.msg);
    assert_true(id > 0);
    char reasons[512];
    assert_int_equal(printer_wait(p, id, WAIT_MS, end, reasons, sizeof reasons, &err), BK_OK);
    badge_image_free(img);
    printer_close(p);
    return id;
}

/* ---- badges arrive whole ------------------------------------------------ */

static void test_badge_by_uri_lands_as_png_with_its_size_dpi_and_qr(void **state)
{
    (void)state;
    const char *uri = env_or_skip("BK_TEST_OFFICE_URI");
    const char *spool = env_or_skip("BK_TEST_OFFICE_SPOOL");
    const char *text = "FGMV26-0042-A1B2C3";
    enum printer_job_state end;
    int id = print_badge(uri, LETTER_MEDIA, "badge-by-uri", text, &end);
    assert_int_equal(end, PRINTER_JOB_COMPLETED);
    char path[1024];
    assert_true(find_spool(spool, "badge-by-uri", id, path, sizeof path));
    assert_true(ends_with(path, ".png"));
    struct png_facts f;
    read_png_facts(path, &f);
    assert_int_equal(f.width, BADGE_W);
    assert_int_equal(f.height, BADGE_H);
    assert_int_equal(f.dpi, BADGE_DPI);
    char *got = decode_png(path);
    assert_non_null(got);
    assert_string_equal(got, text);
    free(got);
}

static void test_badge_to_pwg_only_printer_lands_as_pwg_raster_with_qr(void **state)
{
    (void)state;
    const char *uri = env_or_skip("BK_TEST_LABEL_URI");
    const char *spool = env_or_skip("BK_TEST_LABEL_SPOOL");
    const char *text = "FGMV26-0043-D4E5F6";
    enum printer_job_state end;
    int id = print_badge(uri, LABEL_MEDIA, "badge-pwg", text, &end);
    assert_int_equal(end, PRINTER_JOB_COMPLETED);
    char path[1024];
    assert_true(find_spool(spool, "badge-pwg", id, path, sizeof path));
    assert_true(ends_with(path, ".pwg"));
    struct pwg_facts f;
    char *got = decode_pwg(path, &f);
    /* A 4x3 in label at the badge's own 300 dpi, which the printer lists. */
    assert_int_equal(f.width, BADGE_W);
    assert_int_equal(f.height, BADGE_H);
    assert_int_equal(f.xdpi, BADGE_DPI);
    assert_string_equal(f.type, "sgray_8");
    assert_non_null(got);
    assert_string_equal(got, text);
    free(got);
}

static void test_black_and_white_badge_goes_as_black_1_at_its_own_dpi(void **state)
{
    (void)state;
    const char *uri = env_or_skip("BK_TEST_LABEL_URI");
    const char *spool = env_or_skip("BK_TEST_LABEL_SPOOL");
    const char *text = "FGMV26-0045-MONO01";
    /* A 4x3 in label drawn for a 203 dpi one-colour printer. */
    struct badge_image *img = badge_image_new(812, 609, 203);
    img->monochrome = true;
    struct qrimage *q = NULL;
    struct bk_err err = {0};
    assert_int_equal(qrimage_new(text, &q, &err), BK_OK);
    for (int y = 0; y < q->width; y++)
        for (int x = 0; x < q->width; x++)
            if (q->modules[y * q->width + x])
                fill_rect(img, 400 + x * 6, 150 + y * 6, 6, 6, 0, 0, 0);
    qrimage_free(q);
    struct printer *p = NULL;
    assert_int_equal(printer_open(uri, &p, &err), BK_OK);
    int id = 0;
    if (printer_submit(p, img, LABEL_MEDIA, "badge-mono", &id, &err) != BK_OK)
        fail_msg("submit: %s", err.msg);
    enum printer_job_state end;
    assert_int_equal(printer_wait(p, id, WAIT_MS, &end, NULL, 0, &err), BK_OK);
    assert_int_equal(end, PRINTER_JOB_COMPLETED);
    printer_close(p);
    badge_image_free(img);
    char path[1024];
    assert_true(find_spool(spool, "badge-mono", id, path, sizeof path));
    struct pwg_facts f;
    char *got = decode_pwg(path, &f);
    assert_string_equal(f.type, "black_1");
    assert_int_equal(f.xdpi, 203);
    assert_int_equal(f.width, 812);
    assert_int_equal(f.height, 609);
    assert_non_null(got);
    assert_string_equal(got, text);
    free(got);
}

static void test_badge_through_cups_queue_arrives_and_its_qr_reads(void **state)
{
    (void)state;
    const char *queue = env_or_skip("BK_TEST_QUEUE");
    const char *spool = env_or_skip("BK_TEST_QUEUE_SPOOL");
    const char *text = "FGMV26-0044-ABCDEF";
    enum printer_job_state end;
    print_badge(queue, LABEL_MEDIA, "badge-queue", text, &end);
    assert_int_equal(end, PRINTER_JOB_COMPLETED);
    char path[1024];
    /* The queue's job id is cupsd's, not the printer's: find it by name. */
    assert_true(find_spool(spool, "badge-queue", 0, path, sizeof path));
    print_message("the queue delivered %s\n", strrchr(path, '/') + 1);
    char *got;
    if (ends_with(path, ".png")) {
        struct png_facts f;
        read_png_facts(path, &f);
        assert_int_equal(f.width, BADGE_W);
        assert_int_equal(f.height, BADGE_H);
        got = decode_png(path);
    } else {
        /* The everywhere driver rasterised it for the label: whole label,
         * at a resolution the printer lists. */
        struct pwg_facts f;
        got = decode_pwg(path, &f);
        assert_true(f.xdpi == 300 || f.xdpi == 600);
        assert_int_equal(f.width, 4 * f.xdpi);
        assert_int_equal(f.height, 3 * f.xdpi);
    }
    assert_non_null(got);
    assert_string_equal(got, text);
    free(got);
}

/* ---- what the printer was told ------------------------------------------ */

/* A value from the FILE.env the print-ok command left beside the document. */
static bool spool_env(const char *doc, const char *key, char *val, size_t n)
{
    char path[1100];
    snprintf(path, sizeof path, "%s.env", doc);
    long end = now_ms() + WAIT_MS;
    FILE *fp;
    while (!(fp = fopen(path, "r")) && now_ms() < end)
        nap_ms(50);
    if (!fp)
        return false;
    char line[2048];
    size_t kl = strlen(key);
    bool found = false;
    while (fgets(line, sizeof line, fp))
        if (strncmp(line, key, kl) == 0 && line[kl] == '=') {
            line[strcspn(line, "\n")] = '\0';
            snprintf(val, n, "%s", line + kl + 1);
            found = true;
        }
    fclose(fp);
    return found;
}

static void test_job_name_copies_and_media_are_as_sent(void **state)
{
    (void)state;
    const char *uri = env_or_skip("BK_TEST_OFFICE_URI");
    const char *spool = env_or_skip("BK_TEST_OFFICE_SPOOL");
    enum printer_job_state end;
    int id = print_badge(uri, LETTER_MEDIA, "REG-000777", "REG-000777", &end);
    assert_int_equal(end, PRINTER_JOB_COMPLETED);
    char path[1024], val[256];
    assert_true(find_spool(spool, "REG-000777", id, path, sizeof path));
    assert_true(spool_env(path, "IPP_JOB_NAME", val, sizeof val));
    assert_string_equal(val, "REG-000777");
    assert_true(spool_env(path, "IPP_COPIES", val, sizeof val));
    assert_string_equal(val, "1");
    assert_true(spool_env(path, "IPP_MEDIA", val, sizeof val));
    assert_string_equal(val, LETTER_MEDIA);
    assert_true(spool_env(path, "IPP_DOCUMENT_FORMAT_SUPPLIED", val, sizeof val));
    assert_string_equal(val, "image/png");
}

static void test_find_job_finds_the_newest_job_by_name_after_it_completed(void **state)
{
    (void)state;
    const char *uri = env_or_skip("BK_TEST_OFFICE_URI");
    enum printer_job_state end;
    print_badge(uri, LETTER_MEDIA, "REG-FIND-1", "REG-FIND-1", &end);
    int newest = print_badge(uri, LETTER_MEDIA, "REG-FIND-1", "REG-FIND-1", &end);
    struct printer *p = NULL;
    struct bk_err err = {0};
    assert_int_equal(printer_open(uri, &p, &err), BK_OK);
    int id = 0;
    enum printer_job_state st;
    if (printer_find_job(p, "REG-FIND-1", &id, &st, &err) != BK_OK)
        fail_msg("find: %s", err.msg);
    assert_int_equal(id, newest);
    assert_int_equal(st, PRINTER_JOB_COMPLETED);
    assert_int_equal(printer_find_job(p, "REG-NEVER-SENT", &id, &st, &err), BK_ERR_NOT_FOUND);
    assert_string_equal(err.field, uri);
    printer_close(p);
}

/* ---- printers in trouble ------------------------------------------------ */

static void test_unknown_queue_is_not_found(void **state)
{
    (void)state;
    env_or_skip("BK_TEST_QUEUE");
    struct printer *p = NULL;
    struct bk_err err = {0};
    assert_int_equal(printer_open("No_Such_Queue", &p, &err), BK_ERR_NOT_FOUND);
    assert_null(p);
    assert_string_equal(err.field, "No_Such_Queue");
    assert_non_null(strstr(err.msg, "lpstat"));
}

static void test_stopped_queue_keeps_the_job_waiting_and_says_stopped(void **state)
{
    (void)state;
    const char *queue = env_or_skip("BK_TEST_STOPPED_QUEUE");
    struct printer *p = NULL;
    struct bk_err err = {0};
    assert_int_equal(printer_open(queue, &p, &err), BK_OK);
    struct badge_image *img = make_badge("REG-STOPPED");
    int id = 0;
    assert_int_equal(printer_submit(p, img, LABEL_MEDIA, "REG-STOPPED", &id, &err), BK_OK);
    enum printer_job_state st;
    char reasons[512];
    /* Not an end state: the wait runs out and reports the job still waiting. */
    assert_int_equal(printer_wait(p, id, 1500, &st, reasons, sizeof reasons, &err), BK_OK);
    assert_true(st == PRINTER_JOB_PENDING || st == PRINTER_JOB_HELD);
    /* cupsd gives a job waiting on a stopped queue no reasons of its own:
     * the printer's status says why. */
    print_message("job: %s: \"%s\"\n", printer_job_state_code(st), reasons);
    struct printer_status ps;
    assert_int_equal(printer_get_status(p, &ps, &err), BK_OK);
    print_message("printer: %s, %s (%s), %zu queued\n", ps.state_text, ps.reasons, ps.message,
                  ps.queued);
    assert_int_equal(ps.state, 5);
    assert_string_equal(ps.state_text, "stopped");
    assert_non_null(strstr(ps.reasons, printer_reason_text("paused")));
    assert_true(ps.queued >= 1);
    badge_image_free(img);
    printer_close(p);
}

static void test_vanished_printer_gives_an_io_error_that_says_what_to_check(void **state)
{
    (void)state;
    const char *uri = env_or_skip("BK_TEST_GONE_URI");
    pid_t pid = (pid_t)atol(env_or_skip("BK_TEST_GONE_PID"));
    struct printer *p = NULL;
    struct bk_err err = {0};
    assert_int_equal(printer_open(uri, &p, &err), BK_OK);
    assert_int_equal(kill(pid, SIGTERM), 0);
    wait_until_refused(uri); /* its listening socket closes as it exits */

    struct badge_image *img = make_badge("REG-GONE");
    int id = 0;
    assert_int_equal(printer_submit(p, img, LETTER_MEDIA, "REG-GONE", &id, &err), BK_ERR_IO);
    print_message("submit: %s\n", err.msg);
    assert_string_equal(err.field, uri);
    assert_non_null(strstr(err.msg, "switched on"));
    printer_close(p);

    bk_err_clear(&err);
    assert_int_equal(printer_open(uri, &p, &err), BK_ERR_IO);
    print_message("open: %s\n", err.msg);
    assert_null(p);
    assert_string_equal(err.field, uri);
    assert_non_null(strstr(err.msg, "cannot be reached"));
    badge_image_free(img);
}

static void test_failing_printer_aborts_the_job(void **state)
{
    (void)state;
    const char *uri = env_or_skip("BK_TEST_ABORT_URI");
    enum printer_job_state end;
    print_badge(uri, LETTER_MEDIA, "REG-ABORT", "REG-ABORT", &end);
    assert_int_equal(end, PRINTER_JOB_ABORTED);
    assert_string_equal(printer_job_state_code(end), "aborted");
}

static void test_empty_printer_reports_out_of_labels_in_words(void **state)
{
    (void)state;
    const char *uri = env_or_skip("BK_TEST_EMPTY_URI");
    struct printer *p = NULL;
    struct bk_err err = {0};
    assert_int_equal(printer_open(uri, &p, &err), BK_OK);
    struct badge_image *img = make_badge("REG-EMPTY");
    int id = 0;
    assert_int_equal(printer_submit(p, img, LETTER_MEDIA, "REG-EMPTY", &id, &err), BK_OK);
    /* The command reports media-empty-error while "printing", until
     * release_empty_printer. */
    const char *want = printer_reason_text("media-empty-error");
    struct printer_status ps;
    bool seen = false;
    for (long end = now_ms() + WAIT_MS; !seen && now_ms() < end; nap_ms(100)) {
        assert_int_equal(printer_get_status(p, &ps, &err), BK_OK);
        seen = strstr(ps.reasons, want) != NULL;
    }
    print_message("printer: %s: %s\n", ps.state_text, ps.reasons);
    assert_true(seen);
    assert_non_null(strstr(ps.reasons, "Out of labels"));
    release_empty_printer();
    enum printer_job_state st;
    char reasons[512];
    assert_int_equal(printer_wait(p, id, WAIT_MS, &st, reasons, sizeof reasons, &err), BK_OK);
    assert_int_equal(st, PRINTER_JOB_COMPLETED);
    badge_image_free(img);
    printer_close(p);
}

static void test_printer_busy_with_a_job_says_busy(void **state)
{
    (void)state;
    const char *uri = env_or_skip("BK_TEST_EMPTY_URI"); /* its jobs wait to be released */
    struct printer *p = NULL;
    struct bk_err err = {0};
    assert_int_equal(printer_open(uri, &p, &err), BK_OK);
    struct badge_image *img = make_badge("REG-BUSY");
    int first = 0, second = 0;
    assert_int_equal(printer_submit(p, img, LETTER_MEDIA, "REG-BUSY-1", &first, &err), BK_OK);
    assert_int_equal(printer_submit(p, img, LETTER_MEDIA, "REG-BUSY-2", &second, &err),
                     BK_ERR_BUSY);
    print_message("%s\n", err.msg);
    assert_string_equal(err.field, uri);
    assert_non_null(strstr(err.msg, "try again"));
    release_empty_printer();
    enum printer_job_state st;
    assert_int_equal(printer_wait(p, first, WAIT_MS, &st, NULL, 0, &err), BK_OK);
    assert_int_equal(st, PRINTER_JOB_COMPLETED);
    badge_image_free(img);
    printer_close(p);
}

static void test_printer_taking_neither_png_nor_pwg_is_refused_clearly(void **state)
{
    (void)state;
    const char *uri = env_or_skip("BK_TEST_PDF_URI");
    struct printer *p = NULL;
    struct bk_err err = {0};
    assert_int_equal(printer_open(uri, &p, &err), BK_OK);
    struct badge_image *img = make_badge("REG-PDF");
    int id = 0;
    assert_int_equal(printer_submit(p, img, LETTER_MEDIA, "REG-PDF", &id, &err), BK_ERR_INVALID);
    print_message("%s\n", err.msg);
    assert_non_null(strstr(err.msg, "neither PNG nor PWG raster"));
    assert_non_null(strstr(err.msg, "application/pdf"));
    assert_string_equal(err.field, uri);
    badge_image_free(img);
    printer_close(p);
}

static void test_media_the_printer_does_not_list_is_sent_and_noted(void **state)
{
    (void)state;
    const char *uri = env_or_skip("BK_TEST_OFFICE_URI");
    struct printer *p = NULL;
    struct bk_err err = {0};
    assert_int_equal(printer_open(uri, &p, &err), BK_OK);
    struct badge_image *img = make_badge("REG-MEDIA");
    int id = 0;
    enum bk_status st = printer_submit(p, img, LABEL_MEDIA, "REG-MEDIA", &id, &err);
    print_message("status %d: %s | note: %s\n", st, st ? err.msg : "", printer_last_note(p));
    assert_non_null(strstr(printer_last_note(p), LABEL_MEDIA));
    if (st == BK_OK) {
        enum printer_job_state end;
        char reasons[512];
        assert_int_equal(printer_wait(p, id, WAIT_MS, &end, reasons, sizeof reasons, &err), BK_OK);
    } else {
        /* ippeveprinter takes only the sizes it lists: the refusal says
         * which ones it does take. */
        assert_int_equal(st, BK_ERR_INVALID);
        assert_non_null(strstr(err.msg, LETTER_MEDIA));
    }
    badge_image_free(img);
    printer_close(p);
}

/* ---- words -------------------------------------------------------------- */

static void test_reason_text_strips_severity_and_speaks_plainly(void **state)
{
    (void)state;
    static const struct {
        const char *keyword, *contains;
    } cases[] = {
        {"media-empty-error", "Out of labels"},
        {"media-empty-warning", "Out of labels"},
        {"media-empty", "Out of labels"},
        {"media-needed-error", "load labels"},
        {"media-jam-error", "jam"},
        {"paper-jam", "jam"},
        {"door-open-error", "door"},
        {"cover-open-warning", "cover"},
        {"offline-report", "offline"},
        {"toner-low-warning", "Toner is low"},
        {"toner-empty-error", "Out of toner"},
        {"marker-supply-low-warning", "low"},
        {"shutdown", "switch it on"},
        {"connecting-to-device", "Connecting"},
        {"timed-out", "stopped answering"},
        {"stopped", "stopped"},
        {"paused", "paused"},
        {"input-tray-missing-error", "tray"},
        {"printer-stopped", "resumed"},
        {"job-completed-successfully", "Printed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *t = printer_reason_text(cases[i].keyword);
        if (!strstr(t, cases[i].contains))
            fail_msg("%s -> \"%s\", wanted \"%s\" in it", cases[i].keyword, t, cases[i].contains);
    }
}

static void test_reason_text_gives_unknown_keywords_back_as_they_are(void **state)
{
    (void)state;
    assert_string_equal(printer_reason_text("vendor-flux-capacitor-error"),
                        "vendor-flux-capacitor-error");
    assert_string_equal(printer_reason_text("-error"), "-error");
    assert_string_equal(printer_reason_text(""), "");
    assert_string_equal(printer_reason_text(NULL), "");
}

static void test_job_state_codes_are_stable_words(void **state)
{
    (void)state;
    assert_string_equal(printer_job_state_code(PRINTER_JOB_PENDING), "pending");
    assert_string_equal(printer_job_state_code(PRINTER_JOB_HELD), "held");
    assert_string_equal(printer_job_state_code(PRINTER_JOB_PROCESSING), "printing");
    assert_string_equal(printer_job_state_code(PRINTER_JOB_STOPPED), "stopped");
    assert_string_equal(printer_job_state_code(PRINTER_JOB_CANCELED), "canceled");
    assert_string_equal(printer_job_state_code(PRINTER_JOB_ABORTED), "aborted");
    assert_string_equal(printer_job_state_code(PRINTER_JOB_COMPLETED), "completed");
    assert_string_equal(printer_job_state_code(PRINTER_JOB_UNKNOWN), "unknown");
    assert_string_equal(printer_job_state_code((enum printer_job_state)99), "unknown");
}

/* ---- measurement (reported, not asserted) ------------------------------- */

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static void test_submit_and_completion_times_are_reported(void **state)
{
    (void)state;
    const char *uri = env_or_skip("BK_TEST_OFFICE_URI");
    int n = getenv("BK_TEST_TIMING_JOBS") ? atoi(getenv("BK_TEST_TIMING_JOBS")) : 50;
    if (n < 1 || n > 10000) {
        print_message("BK_TEST_TIMING_JOBS is not 1..10000; timing skipped\n");
        skip();
        return;
    }
    struct printer *p = NULL;
    struct bk_err err = {0};
    assert_int_equal(printer_open(uri, &p, &err), BK_OK);
    struct badge_image *img = make_badge("FGMV26-TIMING-000");
    long *accepted = calloc((size_t)n, sizeof *accepted);
    long *completed = calloc((size_t)n, sizeof *completed);
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "timing-%03d", i);
        int id = 0;
        long t0 = now_ms();
        if (printer_submit(p, img, LETTER_MEDIA, name, &id, &err) != BK_OK)
            fail_msg("submit %d: %s", i, err.msg);
        accepted[i] = now_ms() - t0;
        enum printer_job_state st;
        assert_int_equal(printer_wait(p, id, WAIT_MS, &st, NULL, 0, &err), BK_OK);
        completed[i] = now_ms() - t0;
        assert_int_equal(st, PRINTER_JOB_COMPLETED);
    }
    qsort(accepted, (size_t)n, sizeof *accepted, cmp_long);
    qsort(completed, (size_t)n, sizeof *completed, cmp_long);
    int p99 = (int)((n - 1) * 0.99 + 0.5);
    print_message("timing over %d jobs of a %dx%d PNG: accepted median %ld ms, p99 %ld ms; "
                  "completed median %ld ms, p99 %ld ms\n",
                  n, BADGE_W, BADGE_H, accepted[n / 2], accepted[p99], completed[n / 2],
                  completed[p99]);
    free(accepted);
    free(completed);
    badge_image_free(img);
    printer_close(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reason_text_strips_severity_and_speaks_plainly),
        cmocka_unit_test(test_reason_text_gives_unknown_keywords_back_as_they_are),
        cmocka_unit_test(test_job_state_codes_are_stable_words),
        cmocka_unit_test(test_badge_by_uri_lands_as_png_with_its_size_dpi_and_qr),
        cmocka_unit_test(test_badge_to_pwg_only_printer_lands_as_pwg_raster_with_qr),
        cmocka_unit_test(test_black_and_white_badge_goes_as_black_1_at_its_own_dpi),
        cmocka_unit_test(test_badge_through_cups_queue_arrives_and_its_qr_reads),
        cmocka_unit_test(test_job_name_copies_and_media_are_as_sent),
        cmocka_unit_test(test_find_job_finds_the_newest_job_by_name_after_it_completed),
        cmocka_unit_test(test_unknown_queue_is_not_found),
        cmocka_unit_test(test_stopped_queue_keeps_the_job_waiting_and_says_stopped),
        cmocka_unit_test(test_vanished_printer_gives_an_io_error_that_says_what_to_check),
        cmocka_unit_test(test_failing_printer_aborts_the_job),
        cmocka_unit_test(test_empty_printer_reports_out_of_labels_in_words),
        cmocka_unit_test(test_printer_busy_with_a_job_says_busy),
        cmocka_unit_test(test_printer_taking_neither_png_nor_pwg_is_refused_clearly),
        cmocka_unit_test(test_media_the_printer_does_not_list_is_sent_and_noted),
        cmocka_unit_test(test_submit_and_completion_times_are_reported),
    };
    return cmocka_run_group_tests_name("printer", tests, NULL, NULL);
}
