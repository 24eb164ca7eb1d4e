/* Unit tests for source: a replayed folder of generated QR images goes
 * through the same worker as the camera, so these check what the kiosk
 * relies on: each code posted once per appearance and in order, the preview
 * frame, the camera-missing and camera-lost status sequences (the replay's
 * test-only failure stands in for an unplugged camera), clear errors for bad
 * folders, and a prompt stop. No test needs a camera. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <png.h>

#include "badge/qrimage.h"
#include "util/xalloc.h"
#include "scan/decode.h"
#include "scan/source.h"
#include "testutil.h"

#define WAIT_MS 15000 /* generous: ASan and a busy machine slow everything */

static double clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void nap(void)
{
    struct timespec ts = {0, 5 * 1000000L};
    nanosleep(&ts, NULL);
}

static void write_qr(const char *dir, const char *name, const char *text)
{
    char *path = tu_path_new(dir, name);
    assert_int_equal(qrimage_write_png(text, 4, 300, path, NULL, NULL), BK_OK);
    free(path);
}

/* A light grey picture with no code, as big as the QR images beside it so
 * every frame of the replay has one size. */
static void write_blank(const char *dir, const char *name, int w, int h)
{
    char *path = tu_path_new(dir, name);
    uint8_t *px = xmalloc((size_t)w * (size_t)h);
    memset(px, 200, (size_t)w * (size_t)h);
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    img.format = PNG_FORMAT_GRAY;
    assert_true(png_image_write_to_file(&img, path, 0, px, 0, NULL));
    free(px);
    free(path);
}

static void image_size(const char *dir, const char *name, int *w, int *h)
{
    char *path = tu_path_new(dir, name);
    struct scan_grey *g = NULL;
    assert_int_equal(scan_grey_load_new(path, &g, NULL), BK_OK);
    *w = g->width;
    *h = g->height;
    scan_grey_free(g);
    free(path);
}

/* Codes of the same length make QR codes of one version, so one size. */
static void write_qr_then_blank(const char *dir, const char *qr_name, const char *text,
                                const char *blank_name, int *w, int *h)
{
    write_qr(dir, qr_name, text);
    image_size(dir, qr_name, w, h);
    write_blank(dir, blank_name, *w, *h);
}

/* Polls until n codes arrived or WAIT_MS passed; returns how many. Each
 * code's bytes are copied into texts[i] (caller frees). */
static size_t collect_codes(struct source *s, size_t n, char **texts, uint64_t *frames)
{
    size_t got = 0;
    double end = clock_ms() + WAIT_MS;
    while (got < n && clock_ms() < end) {
        struct source_code c = {0};
        if (source_poll_code(s, &c)) {
            texts[got] = xstrndup((const char *)c.data, c.len);
            if (frames)
                frames[got] = c.frame;
            got++;
            source_code_clear(&c);
        } else {
            nap();
        }
    }
    return got;
}

static bool wait_for_event(struct source *s, struct source_event *ev)
{
    double end = clock_ms() + WAIT_MS;
    while (clock_ms() < end) {
        if (source_poll_event(s, ev))
            return true;
        nap();
    }
    return false;
}

static void test_replay_posts_each_code_once_per_appearance_in_order(void **state)
{
    (void)state;
    char *dir = tu_tempdir_new("source");
    int w, h;
    /* Each code shows in two frames in a row, then blanks, then the loop
     * starts again: one post per appearance, two rounds in order. */
    write_qr_then_blank(dir, "01-a.png", "ALPHA-1", "05-none.png", &w, &h);
    write_qr(dir, "02-a.png", "ALPHA-1");
    write_qr(dir, "03-b.png", "BRAVO-2");
    write_qr(dir, "04-b.png", "BRAVO-2");
    write_blank(dir, "06-none.png", w, h);
    write_qr(dir, "07-c.png", "CHARL-3");
    char *notes = tu_path_new(dir, "notes.txt");
    tu_write_text(notes, "not an image, not looked at");
    free(notes);

    struct source_options opt = {.fps = 100};
    struct source *s = NULL;
    struct bk_err err;
    assert_int_equal(source_replay_new(dir, &opt, &s, &err), BK_OK);
    char *texts[6] = {0};
    uint64_t frames[6] = {0};
    assert_int_equal(collect_codes(s, 6, texts, frames), 6);
    const char *want[6] = {"ALPHA-1", "BRAVO-2", "CHARL-3", "ALPHA-1", "BRAVO-2", "CHARL-3"};
    for (int i = 0; i < 6; i++) {
        assert_string_equal(texts[i], want[i]);
        if (i)
            assert_true(frames[i] > frames[i - 1]);
        free(texts[i]);
    }
    /* Seven frames a round: the second round's codes come seven frames on. */
    assert_int_equal(frames[3] - frames[0], 7);
    struct source_event ev;
    assert_true(source_poll_event(s, &ev));
    assert_int_equal(ev.kind, SOURCE_EVENT_STARTED);
    assert_string_equal(ev.detail.file, dir);
    source_free(s);
    tu_tempdir_free(dir);
}

static void test_code_missed_in_one_frame_is_not_posted_again(void **state)
{
    (void)state;
    char *dir = tu_tempdir_new("source");
    int w, h;
    /* zbar misses single frames of a moving badge: A, gap, A is one
     * appearance; a gap of two frames ends it. */
    write_qr_then_blank(dir, "1.png", "ALPHA-1", "2.png", &w, &h);
    write_qr(dir, "3.png", "ALPHA-1");
    write_blank(dir, "4.png", w, h);
    write_blank(dir, "5.png", w, h);
    write_qr(dir, "6.png", "BRAVO-2");
    struct source_options opt = {.fps = 100};
    struct source *s = NULL;
    assert_int_equal(source_replay_new(dir, &opt, &s, NULL), BK_OK);
    char *texts[4] = {0};
    assert_int_equal(collect_codes(s, 4, texts, NULL), 4);
    const char *want[4] = {"ALPHA-1", "BRAVO-2", "ALPHA-1", "BRAVO-2"};
    for (int i = 0; i < 4; i++) {
        assert_string_equal(texts[i], want[i]);
        free(texts[i]);
    }
    source_free(s);
    tu_tempdir_free(dir);
}

static void test_latest_frame_has_image_size_and_growing_counter(void **state)
{
    (void)state;
    char *dir = tu_tempdir_new("source");
    int w, h;
    write_qr_then_blank(dir, "a.png", "ALPHA-1", "b.png", &w, &h);
    struct source_options opt = {.fps = 60};
    struct source *s = NULL;
    assert_int_equal(source_replay_new(dir, &opt, &s, NULL), BK_OK);
    struct source_frame f = {0};
    uint64_t seen = 0;
    int fresh = 0;
    double end = clock_ms() + WAIT_MS;
    while (fresh < 3 && clock_ms() < end) {
        if (source_latest_frame(s, seen, &f)) {
            assert_true(f.counter > seen);
            assert_int_equal(f.width, w);
            assert_int_equal(f.height, h);
            assert_non_null(f.pixels);
            /* Asking again for the same counter gives nothing new. */
            uint64_t now_seen = f.counter;
            struct source_frame g = {0};
            bool again = source_latest_frame(s, now_seen, &g);
            assert_true(!again || g.counter > now_seen);
            source_frame_clear(&g);
            seen = now_seen;
            fresh++;
        } else {
            nap();
        }
    }
    assert_int_equal(fresh, 3);
    struct source_info info;
    source_get_info(s, &info);
    assert_true(info.frames >= seen);
    assert_int_equal(info.state, SOURCE_STATE_RUNNING);
    source_frame_clear(&f);
    source_free(s);
    tu_tempdir_free(dir);
}

static void test_missing_camera_is_reported_once_and_retried(void **state)
{
    (void)state;
    const char *dev = "/dev/video-nonexistent";
    struct source_options opt = {.retry_ms = 20};
    struct source *s = NULL;
    assert_int_equal(source_camera_new(dev, &opt, &s, NULL), BK_OK);
    struct source_event ev;
    assert_true(wait_for_event(s, &ev));
    assert_int_equal(ev.kind, SOURCE_EVENT_MISSING);
    assert_int_equal(ev.detail.status, BK_ERR_NOT_FOUND);
    assert_string_equal(ev.detail.file, dev);
    assert_true(strlen(ev.detail.msg) > 0);
    /* It keeps trying, quietly: more attempts, no more news. */
    struct source_info info;
    double end = clock_ms() + WAIT_MS;
    do {
        nap();
        source_get_info(s, &info);
    } while (info.open_attempts < 5 && clock_ms() < end);
    assert_true(info.open_attempts >= 5);
    assert_int_equal(info.state, SOURCE_STATE_MISSING);
    assert_int_equal(info.frames, 0);
    assert_false(source_poll_event(s, &ev));
    struct source_code c = {0};
    assert_false(source_poll_code(s, &c));
    struct source_frame f = {0};
    assert_false(source_latest_frame(s, 0, &f));
    source_free(s);
}

/* A path that exists but is no camera is refused before zbar (which would
 * print on every retry), as MISSING with a reason in one line. */
static void test_device_that_is_no_camera_is_reported_missing(void **state)
{
    (void)state;
    struct source_options opt = {.retry_ms = 20};
    struct source *s = NULL;
    assert_int_equal(source_camera_new("/dev/null", &opt, &s, NULL), BK_OK);
    struct source_event ev;
    assert_true(wait_for_event(s, &ev));
    assert_int_equal(ev.kind, SOURCE_EVENT_MISSING);
    assert_int_equal(ev.detail.status, BK_ERR_IO);
    assert_string_equal(ev.detail.file, "/dev/null");
    assert_null(strchr(ev.detail.msg, '\n'));
    source_free(s);
}

static void test_source_lost_mid_stream_reports_lost_then_back(void **state)
{
    (void)state;
    char *dir = tu_tempdir_new("source");
    /* One image: the same code in every frame, before and after the loss. */
    write_qr(dir, "a.png", "ALPHA-1");
    struct source_options opt = {
        .fps = 100, .retry_ms = 20, .test_fail_after_frames = 5, .test_fail_reopens = 2};
    struct source *s = NULL;
    assert_int_equal(source_replay_new(dir, &opt, &s, NULL), BK_OK);
    enum source_event_kind want[3] = {SOURCE_EVENT_STARTED, SOURCE_EVENT_LOST, SOURCE_EVENT_BACK};
    for (int i = 0; i < 3; i++) {
        struct source_event ev;
        assert_true(wait_for_event(s, &ev));
        assert_int_equal(ev.kind, want[i]);
        assert_string_equal(ev.detail.file, dir);
        if (want[i] == SOURCE_EVENT_LOST)
            assert_int_equal(ev.detail.status, BK_ERR_IO);
        else
            assert_int_equal(ev.detail.status, BK_OK);
    }
    struct source_info info;
    source_get_info(s, &info);
    /* The first open, two refused reopens, the one that worked. */
    assert_int_equal(info.open_attempts, 4);
    assert_int_equal(info.state, SOURCE_STATE_RUNNING);
    /* The code in view before the loss counts as a new appearance after it,
     * and only once however many frames follow. */
    char *texts[2] = {0};
    uint64_t frames[2] = {0};
    assert_int_equal(collect_codes(s, 2, texts, frames), 2);
    for (int i = 0; i < 2; i++) {
        assert_string_equal(texts[i], "ALPHA-1");
        free(texts[i]);
    }
    assert_int_equal(frames[0], 1);
    assert_int_equal(frames[1], 6);
    double end = clock_ms() + WAIT_MS;
    do {
        nap();
        source_get_info(s, &info);
    } while (info.frames < 20 && clock_ms() < end);
    struct source_code c = {0};
    assert_false(source_poll_code(s, &c));
    assert_false(source_poll_event(s, &(struct source_event){0}));
    source_free(s);
    tu_tempdir_free(dir);
}

static void test_missing_replay_folder_is_named(void **state)
{
    (void)state;
    char *dir = tu_tempdir_new("source");
    char *gone = tu_path_new(dir, "no-such-folder");
    struct source *s = (struct source *)&s; /* must be reset to NULL */
    struct bk_err err;
    assert_int_equal(source_replay_new(gone, NULL, &s, &err), BK_ERR_NOT_FOUND);
    assert_null(s);
    assert_string_equal(err.file, gone);
    assert_true(strlen(err.msg) > 0);
    free(gone);
    tu_tempdir_free(dir);
}

static void test_empty_replay_folder_is_named(void **state)
{
    (void)state;
    char *dir = tu_tempdir_new("source");
    char *txt = tu_path_new(dir, "a.txt");
    tu_write_text(txt, "ALPHA-1");
    struct source *s = NULL;
    struct bk_err err;
    assert_int_equal(source_replay_new(dir, NULL, &s, &err), BK_ERR_NOT_FOUND);
    assert_null(s);
    assert_string_equal(err.file, dir);
    free(txt);
    tu_tempdir_free(dir);
}

static void test_garbage_image_is_skipped_and_reported(void **state)
{
    (void)state;
    char *dir = tu_tempdir_new("source");
    char *bad = tu_path_new(dir, "x.png");
    tu_write_text(bad, "this is not a PNG at all");
    write_qr(dir, "a.png", "ALPHA-1");
    struct source_options opt = {.fps = 100};
    struct source *s = NULL;
    assert_int_equal(source_replay_new(dir, &opt, &s, NULL), BK_OK);
    struct source_event ev;
    assert_true(source_poll_event(s, &ev));
    assert_int_equal(ev.kind, SOURCE_EVENT_SKIPPED);
    assert_string_equal(ev.detail.file, bad);
    assert_int_equal(ev.detail.status, BK_ERR_PARSE);
    char *text = NULL;
    assert_int_equal(collect_codes(s, 1, &text, NULL), 1);
    assert_string_equal(text, "ALPHA-1");
    free(text);
    source_free(s);
    free(bad);
    tu_tempdir_free(dir);
}

static void test_folder_of_only_garbage_is_an_error_naming_it(void **state)
{
    (void)state;
    char *dir = tu_tempdir_new("source");
    char *bad = tu_path_new(dir, "x.png");
    tu_write_text(bad, "\x89PNG\r\n\x1a\n truncated");
    struct source *s = NULL;
    struct bk_err err;
    assert_int_equal(source_replay_new(dir, NULL, &s, &err), BK_ERR_PARSE);
    assert_null(s);
    assert_string_equal(err.file, dir);
    assert_non_null(strstr(err.msg, "x.png"));
    free(bad);
    tu_tempdir_free(dir);
}

/* source_free must not wait out a slow frame rate or a long retry: the
 * worker's sleeps end when asked to stop. A hang fails by timeout. */
static void test_free_is_prompt_while_waiting(void **state)
{
    (void)state;
    char *dir = tu_tempdir_new("source");
    write_qr(dir, "a.png", "ALPHA-1");
    struct source_options slow = {.fps = 1};
    struct source *s = NULL;
    assert_int_equal(source_replay_new(dir, &slow, &s, NULL), BK_OK);
    struct source_frame f = {0};
    double end = clock_ms() + WAIT_MS;
    while (!source_latest_frame(s, 0, &f) && clock_ms() < end)
        nap();
    source_free(s); /* now mid-way through a one-second frame wait */
    source_frame_clear(&f);

    struct source_options patient = {.retry_ms = 600000};
    assert_int_equal(source_camera_new("/dev/video-nonexistent", &patient, &s, NULL), BK_OK);
    struct source_event ev;
    assert_true(wait_for_event(s, &ev)); /* now in a ten-minute retry wait */
    source_free(s);
    source_free(NULL);
    tu_tempdir_free(dir);
}

static void test_options_out_of_range_are_refused(void **state)
{
    (void)state;
    struct source_options opt = {.fps = -1};
    struct source *s = NULL;
    struct bk_err err;
    assert_int_equal(source_camera_new(NULL, &opt, &s, &err), BK_ERR_INVALID);
    assert_null(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_posts_each_code_once_per_appearance_in_order),
        cmocka_unit_test(test_code_missed_in_one_frame_is_not_posted_again),
        cmocka_unit_test(test_latest_frame_has_image_size_and_growing_counter),
        cmocka_unit_test(test_missing_camera_is_reported_once_and_retried),
        cmocka_unit_test(test_device_that_is_no_camera_is_reported_missing),
        cmocka_unit_test(test_source_lost_mid_stream_reports_lost_then_back),
        cmocka_unit_test(test_missing_replay_folder_is_named),
        cmocka_unit_test(test_empty_replay_folder_is_named),
        cmocka_unit_test(test_garbage_image_is_skipped_and_reported),
        cmocka_unit_test(test_folder_of_only_garbage_is_an_error_naming_it),
        cmocka_unit_test(test_free_is_prompt_while_waiting),
        cmocka_unit_test(test_options_out_of_range_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
