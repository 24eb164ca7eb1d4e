/* bench_decode: how long zbar takes to decode a camera-sized grey frame, and
 * how many codes it reads exactly, on real photos when we have them.
 *
 * Usage: bench-decode [CORPUS_DIR] [REPEATS]
 *        bench-decode --frames DIR   (frames from gen-frames; see bench_frames_dir)
 *        bench-decode --sequences N CONDITION   (time to first read; bench_sequences)
 *        bench-decode --budget N   (frames with no code or three codes; bench_budget)
 *
 * CORPUS_DIR (default ../shared/qr-photos/) holds NAME.png or NAME.jpg
 * beside NAME.txt, the exact bytes the code holds, directly or one folder
 * down (each subfolder is reported as a set). Each photo is scaled to fit a
 * 640x480 and a 1280x720 frame (aspect kept, the rest mid-grey, as a camera
 * would frame a badge held up with background around it) and decoded
 * REPEATS times (default 3) through scan_decode_grey, the kiosk's own path;
 * the photo at its own size is decoded too, to compare with zbarimg.
 *
 * A read is exact when one decoded code has exactly the bytes of NAME.txt.
 * Some codes hold Shift_JIS without an ECI marker while NAME.txt is UTF-8:
 * the "as text" count also accepts a read whose bytes, converted from
 * Shift_JIS with iconv, equal NAME.txt. Only this bench converts; the
 * scanner hands raw bytes on.
 *
 * Without the corpus it says so and prints nothing (the generated frames
 * are measured with --frames in any case). Prints Markdown table rows with
 * these columns:
 * | frame | set | images | read exactly | read as text | median ms | p99 ms | */
#include <dirent.h>
#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"
#include "qrframes.h"
#include "util/dirlist.h"
#include "util/xalloc.h"
#include "scan/decode.h"

#define MAX_SETS 64

struct frame_size {
    const char *label;
    int w, h; /* 0: the image's own size */
};

static const struct frame_size sizes[] = {
    {"640x480", 640, 480},
    {"1280x720", 1280, 720},
    {"photo's own size", 0, 0},
};
#define N_SIZES (sizeof sizes / sizeof sizes[0])

/* Results of one set at one frame size. */
struct tally {
    size_t images, exact, text;
    double *ms;
    size_t n_ms, cap_ms;
};

struct set {
    char name[256];
    struct tally t[N_SIZES];
};



static const char *current_photo = ""; /* for BK_BENCH_MISSES */

static void add_ms(struct tally *t, double ms)
{
    if (t->n_ms == t->cap_ms) {
        t->cap_ms = t->cap_ms ? t->cap_ms * 2 : 64;
        t->ms = xrealloc(t->ms, t->cap_ms * sizeof *t->ms);
    }
    t->ms[t->n_ms++] = ms;
}

/* Scales src to fit inside a w x h frame, centred, aspect kept, the border
 * mid-grey. Area averaging when shrinking (what a camera's sensor does to a
 * far code), bilinear when growing. */
static uint8_t *fit_frame(const struct scan_grey *src, int w, int h)
{
    uint8_t *dst = xmalloc((size_t)w * (size_t)h);
    memset(dst, 128, (size_t)w * (size_t)h);
    double scale = fmin((double)w / src->width, (double)h / src->height);
    int fw = (int)fmax(1, floor(src->width * scale)), fh = (int)fmax(1, floor(src->height * scale));
    int ox = (w - fw) / 2, oy = (h - fh) / 2;
    for (int y = 0; y < fh; y++) {
        for (int x = 0; x < fw; x++) {
            double sx0 = x / scale, sy0 = y / scale;
            double v;
            if (scale < 1) {
                int x0 = (int)sx0, y0 = (int)sy0;
                int x1 = (int)fmin(src->width, ceil((x + 1) / scale));
                int y1 = (int)fmin(src->height, ceil((y + 1) / scale));
                long sum = 0, n = 0;
                for (int yy = y0; yy < y1; yy++)
                    for (int xx = x0; xx < x1; xx++, n++)
                        sum += src->pixels[(size_t)yy * src->width + xx];
                v = n ? (double)sum / n : 128;
            } else {
                double fx = fmax(0, sx0 - 0.5), fy = fmax(0, sy0 - 0.5);
                int x0 = (int)fx, y0 = (int)fy;
                int x1 = x0 + 1 < src->width ? x0 + 1 : x0;
                int y1 = y0 + 1 < src->height ? y0 + 1 : y0;
                double ax = fx - x0, ay = fy - y0;
                const uint8_t *p = src->pixels;
                size_t sw = (size_t)src->width;
                v = (1 - ay) * ((1 - ax) * p[y0 * sw + x0] + ax * p[y0 * sw + x1]) +
                    ay * ((1 - ax) * p[y1 * sw + x0] + ax * p[y1 * sw + x1]);
            }
            dst[(size_t)(oy + y) * w + ox + x] = (uint8_t)lround(v);
        }
    }
    return dst;
}

static bool sjis_equals(const uint8_t *data, size_t len, const uint8_t *want, size_t want_len)
{
    iconv_t cd = iconv_open("UTF-8", "SHIFT_JIS");
    if (cd == (iconv_t)-1)
        return false;
    size_t cap = len * 4 + 16;
    char *out = xmalloc(cap), *o = out;
    char *in = (char *)data;
    size_t in_left = len, out_left = cap;
    size_t rc = iconv(cd, &in, &in_left, &o, &out_left);
    iconv_close(cd);
    bool same = rc != (size_t)-1 && in_left == 0 && (size_t)(o - out) == want_len &&
                memcmp(out, want, want_len) == 0;
    free(out);
    return same;
}

/* Decodes one frame, timing it; counts the read if one code matches. */
static void decode_frame(struct scan_decoder *dec, const uint8_t *px, int w, int h,
                         const uint8_t *want, size_t want_len, int repeats, struct tally *t)
{
    bool exact = false, text = false;
    for (int r = 0; r < repeats; r++) {
        struct scan_results *res = NULL;
        double t0 = now_ms();
        enum bk_status st = scan_decode_grey(dec, px, w, h, w, &res, NULL);
        add_ms(t, now_ms() - t0);
        if (st != BK_OK)
            continue;
        for (size_t i = 0; r == 0 && i < res->n; i++) {
            const struct scan_result *it = &res->items[i];
            if (it->len == want_len && memcmp(it->data, want, want_len) == 0)
                exact = text = true;
            else if (sjis_equals(it->data, it->len, want, want_len))
                text = true;
        }
        scan_results_free(res);
    }
    t->images++;
    /* BK_BENCH_MISSES=1 names the frames not read as text (on stderr). */
    if (!text && getenv("BK_BENCH_MISSES"))
        fprintf(stderr, "bench-decode: missed %dx%d %.60s\n", w, h, current_photo);
    t->exact += exact;
    t->text += text;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = xrealloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}


static void bench_photo(struct scan_decoder *dec, const char *img_path, const char *txt_path,
                        int repeats, struct set *set)
{
    size_t want_len = 0;
    uint8_t *want = read_all(txt_path, &want_len);
    struct scan_grey *g = NULL;
    struct bk_err err;
    if (!want || scan_grey_load_new(img_path, &g, &err) != BK_OK) {
        fprintf(stderr, "bench-decode: skipping %s: %s\n", img_path,
                want ? err.msg : "no readable .txt");
        free(want);
        return;
    }
    current_photo = img_path;
    for (size_t s = 0; s < N_SIZES; s++) {
        if (sizes[s].w == 0) {
            decode_frame(dec, g->pixels, g->width, g->height, want, want_len, repeats, &set->t[s]);
            continue;
        }
        uint8_t *frame = fit_frame(g, sizes[s].w, sizes[s].h);
        decode_frame(dec, frame, sizes[s].w, sizes[s].h, want, want_len, repeats, &set->t[s]);
        free(frame);
    }
    scan_grey_free(g);
    free(want);
}

/* Benchmarks every NAME.png/NAME.jpg with NAME.txt in dir as one set. */
static void bench_folder(struct scan_decoder *dec, const char *dir, const char *set_name,
                         int repeats, struct set *sets, size_t *n_sets)
{
    size_t n = 0;
    char **names = dirlist_new(dir, NULL, 0, &n);
    if (!names)
        return;
    struct set *set = NULL;
    for (size_t i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && set_name[0] == '\0') {
            bench_folder(dec, path, names[i], repeats, sets, n_sets);
            free(path);
            continue;
        }
        const char *dot = strrchr(names[i], '.');
        if (!dot || (strcmp(dot, ".png") && strcmp(dot, ".jpg") && strcmp(dot, ".jpeg"))) {
            free(path);
            continue;
        }
        char *txt = xasprintf("%s/%.*s.txt", dir, (int)(dot - names[i]), names[i]);
        if (access(txt, R_OK) == 0) {
            if (!set && *n_sets < MAX_SETS) {
                set = &sets[(*n_sets)++];
                snprintf(set->name, sizeof set->name, "%s", set_name[0] ? set_name : ".");
            }
            if (set)
                bench_photo(dec, path, txt, repeats, set);
        }
        free(txt);
        free(path);
    }
    dirlist_free(names, n);
}

/* --frames DIR: each frame gen-frames wrote (DIR/index.tsv) decoded once
 * through the kiosk's own path, one line per frame on stdout:
 * "NNNN<TAB>read (0/1)<TAB>ms<TAB>pass that read<TAB>passes run", for
 * bench/run to set beside zbarimg's and ZXing-cpp's reads of the same files. */
static int bench_frames_dir(struct scan_decoder *dec, const char *dir)
{
    char *index_path = xasprintf("%s/index.tsv", dir);
    FILE *index = fopen(index_path, "r");
    free(index_path);
    if (!index) {
        fprintf(stderr, "bench-decode: no %s/index.tsv\n", dir);
        return 1;
    }
    char line[1024];
    while (fgets(line, sizeof line, index)) {
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        char *png = xasprintf("%s/%s.png", dir, line), *txt = xasprintf("%s/%s.txt", dir, line);
        size_t want_len = 0;
        uint8_t *want = read_all(txt, &want_len);
        struct scan_grey *g = NULL;
        if (want && scan_grey_load_new(png, &g, NULL) == BK_OK) {
            struct scan_results *res = NULL;
            double t0 = now_ms();
            enum bk_status st = scan_decode_grey(dec, g->pixels, g->width, g->height, g->width,
                                                 &res, NULL);
            double ms = now_ms() - t0;
            bool ok = false;
            for (size_t i = 0; st == BK_OK && i < res->n; i++)
                if (res->items[i].len == want_len &&
                    memcmp(res->items[i].data, want, want_len) == 0)
                    ok = true;
            printf("%s\t%d\t%.2f\t%d\t%d\n", line, ok, ms, st == BK_OK ? res->pass : 0,
                   st == BK_OK ? res->passes : 0);
            scan_results_free(res);
            scan_grey_free(g);
        }
        free(want);
        free(png);
        free(txt);
    }
    fclose(index);
    return 0;
}


/* ---- reading across frames: time to first read at 30 fps ---- */

#define SEQ_FPS 30
#define SEQ_SLIDE 15 /* frames sliding in from the left edge, motion-blurred */
#define SEQ_FOCUS 15 /* frames getting sharper */
#define SEQ_STILL 15 /* frames held still */
#define SEQ_FRAMES (SEQ_SLIDE + SEQ_FOCUS + SEQ_STILL)

static const struct qrf_condition *find_condition(const char *name)
{
    for (size_t i = 0; i < qrf_n_conditions; i++)
        if (strcmp(qrf_conditions[i].name, name) == 0)
            return &qrf_conditions[i];
    return &qrf_conditions[0];
}

/* Frame i of a person holding a phone up: the code slides in from the left
 * edge, motion-blurred, then sharpens, then is held still. */
static void sequence_look(const struct qrf_look *held, int i, struct qrf_look *k)
{
    *k = *held;
    double extra_blur = 0;
    if (i < SEQ_SLIDE) {
        double t = (double)i / SEQ_SLIDE;
        k->cx = held->cx - (held->cx + 0.15) * (1 - t);
        extra_blur = 3.0;
    } else if (i < SEQ_SLIDE + SEQ_FOCUS) {
        extra_blur = 3.0 * (1 - (double)(i - SEQ_SLIDE + 1) / SEQ_FOCUS);
    } else {
        k->cx += 0.002 * ((i & 1) ? 1 : -1); /* a hand is never quite still */
    }
    k->blur = sqrt(held->blur * held->blur + extra_blur * extra_blur);
}

static bool frame_read(struct scan_decoder *dec, const struct qrf_frame *f, double *ms)
{
    struct scan_results *res = NULL;
    double t0 = now_ms();
    enum bk_status st = scan_decode_grey(dec, f->px, f->w, f->h, f->w, &res, NULL);
    *ms = now_ms() - t0;
    bool ok = false;
    for (size_t i = 0; st == BK_OK && i < res->n; i++)
        if (res->items[i].len == f->len && memcmp(res->items[i].data, f->text, f->len) == 0)
            ok = true;
    scan_results_free(res);
    return ok;
}

/* --sequences N CONDITION: N people of the condition's mix each hold a code
 * up; every frame is decoded once (the earliest frame the decoder can
 * read), then the kiosk's worker is replayed in time: it takes the newest
 * frame, decodes it (its real decode time), takes the newest again, so a
 * slow decode skips frames as it does at the door. Prints one table row. */
static int bench_sequences(struct scan_decoder *dec, int n, const char *cond_name)
{
    const struct qrf_condition *cond = find_condition(cond_name);
    double *first_ok = xcalloc((size_t)n, sizeof *first_ok), *ttfr = xcalloc((size_t)n, sizeof *ttfr);
    double *from_start = xcalloc((size_t)n, sizeof *from_start);
    int n_read = 0, n_readable = 0, w = 0, h = 0;
    double frame_ms = 1000.0 / SEQ_FPS;
    for (int p = 0; p < n; p++) {
        struct qrf_look held;
        qrf_condition_look(cond, 7, p, &held);
        struct qrf_frame frames[SEQ_FRAMES];
        bool ok[SEQ_FRAMES];
        double ms[SEQ_FRAMES];
        int first = -1;
        for (int i = 0; i < SEQ_FRAMES; i++) {
            struct qrf_look k;
            sequence_look(&held, i, &k);
            qrf_render(&k, &frames[i]);
            ok[i] = frame_read(dec, &frames[i], &ms[i]);
            if (ok[i] && first < 0)
                first = i;
        }
        w = frames[0].w, h = frames[0].h;
        if (first >= 0) {
            first_ok[n_readable++] = first;
            if (getenv("BK_BENCH_MISSES"))
                fprintf(stderr, "person %d: first readable frame %d\n", p, first);
            /* The worker replayed: the frame at hand when it is free. */
            double t = 0;
            while (t < SEQ_FRAMES * frame_ms) {
                int i = (int)(t / frame_ms);
                double d = ms[i];
                t = fmax(t, i * frame_ms) + d;
                if (ok[i]) {
                    ttfr[n_read] = t - first * frame_ms;
                    from_start[n_read++] = t;
                    break;
                }
                /* Idle until the next frame arrives. */
                t = fmax(t, (i + 1) * frame_ms);
            }
        }
        for (int i = 0; i < SEQ_FRAMES; i++)
            qrf_frame_clear(&frames[i]);
    }
    printf("| %s, %dx%d: %d people, %d frames each (%d sliding in, %d sharpening, %d still) | %d "
           "| %d | ",
           cond->name, w, h, n, SEQ_FRAMES, SEQ_SLIDE, SEQ_FOCUS, SEQ_STILL, n_readable, n_read);
    if (n_read)
        printf("%.0f / %.0f ms | %.0f / %.0f ms |\n", percentile(ttfr, (size_t)n_read, 50),
               percentile(ttfr, (size_t)n_read, 100), percentile(from_start, (size_t)n_read, 50),
               percentile(from_start, (size_t)n_read, 100));
    else
        printf("- | - |\n");
    free(first_ok);
    free(ttfr);
    free(from_start);
    return 0;
}

/* --budget: the decoder's cost on frames that hold no code and on frames
 * that hold three codes side by side (both 1920x1080), as median / worst
 * ms and the most zbar runs one frame took. Prints table rows. */
static int bench_budget(struct scan_decoder *dec, int n)
{
    const struct qrf_condition *mix = find_condition("kiosk mix, 1920x1080");
    const struct qrf_condition *plain = find_condition("plain, 4 px/module");
    double *ms = xcalloc((size_t)n, sizeof *ms);
    for (int kind = 0; kind < 2; kind++) {
        int most_scans = 0, most_passes = 0, codes = 0;
        for (int i = 0; i < n; i++) {
            struct qrf_frame f;
            struct qrf_look look;
            if (kind == 0) {
                qrf_condition_look(mix, 11, i, &look);
                look.length = 0;
                qrf_render(&look, &f);
            } else {
                f.w = 1920, f.h = 1080;
                f.px = xmalloc((size_t)f.w * (size_t)f.h);
                f.text = NULL;
                for (int c = 0; c < 3; c++) {
                    struct qrf_frame part;
                    qrf_condition_look(plain, 11, i * 3 + c, &look);
                    look.w = 640, look.h = 1080, look.cx = 0.5, look.module = 3.5;
                    qrf_render(&look, &part);
                    for (int y = 0; y < 1080; y++)
                        memcpy(f.px + (size_t)y * 1920 + (size_t)c * 640,
                               part.px + (size_t)y * 640, 640);
                    qrf_frame_clear(&part);
                }
            }
            struct scan_results *res = NULL;
            double t0 = now_ms();
            if (scan_decode_grey(dec, f.px, f.w, f.h, f.w, &res, NULL) == BK_OK) {
                most_scans = res->scans > most_scans ? res->scans : most_scans;
                most_passes = res->passes > most_passes ? res->passes : most_passes;
                codes += (int)res->n;
            }
            ms[i] = now_ms() - t0;
            scan_results_free(res);
            free(f.px);
            free(f.text);
        }
        printf("| %s, 1920x1080, %d frames | %.1f / %.1f ms | %d of %d passes, %d of %d zbar runs "
               "| %d |\n",
               kind ? "three codes side by side" : "no code (a room)", n,
               percentile(ms, (size_t)n, 50), percentile(ms, (size_t)n, 100), most_passes,
               SCAN_PASSES, most_scans, SCAN_MAX_SCANS, codes);
    }
    free(ms);
    return 0;
}

static void print_row(const char *frame, const char *set, struct tally *t)
{
    if (!t->images)
        return;
    qsort(t->ms, t->n_ms, sizeof *t->ms, cmp_double);
    double p50 = t->ms[t->n_ms / 2], p99 = t->ms[(size_t)ceil(t->n_ms * 0.99) - 1];
    printf("| %s | %s | %zu | %zu | %zu | %.2f | %.2f |\n", frame, set, t->images, t->exact,
           t->text, p50, p99);
}

static void merge(struct tally *into, const struct tally *t)
{
    into->images += t->images;
    into->exact += t->exact;
    into->text += t->text;
    for (size_t i = 0; i < t->n_ms; i++)
        add_ms(into, t->ms[i]);
}

int main(int argc, char **argv)
{
    struct scan_decoder *dec = NULL;
    struct bk_err err;
    if (scan_decoder_new(&dec, &err) != BK_OK) {
        fprintf(stderr, "bench-decode: %s\n", err.msg);
        return 1;
    }
    if (argc > 3 && strcmp(argv[1], "--sequences") == 0) {
        int rc = bench_sequences(dec, atoi(argv[2]), argv[3]);
        scan_decoder_free(dec);
        return rc;
    }
    if (argc > 2 && strcmp(argv[1], "--budget") == 0) {
        int rc = bench_budget(dec, atoi(argv[2]));
        scan_decoder_free(dec);
        return rc;
    }
    if (argc > 2 && strcmp(argv[1], "--frames") == 0) {
        int rc = bench_frames_dir(dec, argv[2]);
        scan_decoder_free(dec);
        return rc;
    }
    const char *corpus = argc > 1 ? argv[1] : "../shared/qr-photos/";
    int repeats = argc > 2 ? atoi(argv[2]) : 3;
    if (repeats < 1)
        repeats = 1;
    struct set *sets = xcalloc(MAX_SETS, sizeof *sets);
    size_t n_sets = 0;
    struct stat st;
    if (stat(corpus, &st) == 0 && S_ISDIR(st.st_mode))
        bench_folder(dec, corpus, "", repeats, sets, &n_sets);
    if (n_sets == 0)
        fprintf(stderr, "bench-decode: no corpus at %s (NAME.png/.jpg beside NAME.txt)\n",
                corpus);
    for (size_t s = 0; s < N_SIZES; s++) {
        struct tally all = {0};
        for (size_t k = 0; k < n_sets; k++) {
            merge(&all, &sets[k].t[s]);
            if (n_sets > 1)
                print_row(sizes[s].label, sets[k].name, &sets[k].t[s]);
        }
        if (n_sets)
            print_row(sizes[s].label, n_sets > 1 ? "**all**" : sets[0].name, &all);
        free(all.ms);
    }
    for (size_t k = 0; k < n_sets; k++)
        for (size_t s = 0; s < N_SIZES; s++)
            free(sets[k].t[s].ms);
    free(sets);
    scan_decoder_free(dec);
    return 0;
}
