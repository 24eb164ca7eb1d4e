/* stats: decode a folder of labelled images and count exact reads (see
 * stats.h). Times are taken around scan_decode_grey only, so they compare
 * with a camera frame's cost, not with disk or PNG decoding speed. */
#include "scan/stats.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/dirlist.h"
#include "util/i18n.h"
#include "util/xalloc.h"
#include "scan/text.h"

/* A set while it is being measured: the times are kept for the median. */
struct tally {
    struct scan_stats_set set;
    double *ms;
    size_t n_ms;
};

static double monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}


/* NAME.txt's bytes, at most SCAN_STATS_TXT_MAX; NULL if unreadable or longer. */
static uint8_t *read_label(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = xmalloc(SCAN_STATS_TXT_MAX + 1);
    size_t n = fread(buf, 1, SCAN_STATS_TXT_MAX + 1, f);
    bool bad = ferror(f) || n > SCAN_STATS_TXT_MAX;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static bool is_image_name(const char *name, size_t *stem)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        return false;
    if (strcmp(dot, ".png") && strcmp(dot, ".jpg") && strcmp(dot, ".jpeg"))
        return false;
    *stem = (size_t)(dot - name);
    return true;
}

static void measure_image(struct scan_decoder *d, const char *img, const uint8_t *want,
                          size_t want_len, struct tally *t)
{
    t->set.images++;
    struct scan_grey *g = NULL;
    if (scan_grey_load_new(img, &g, NULL) != BK_OK) {
        t->set.unreadable++;
        return;
    }
    struct scan_results *r = NULL;
    double t0 = monotonic_ms();
    enum bk_status st = scan_decode_grey(d, g->pixels, g->width, g->height, g->width, &r, NULL);
    double ms = monotonic_ms() - t0;
    t->ms = xrealloc(t->ms, (t->n_ms + 1) * sizeof *t->ms);
    t->ms[t->n_ms++] = ms;
    bool exact = false, text = false;
    for (size_t i = 0; st == BK_OK && i < r->n; i++) {
        const struct scan_result *it = &r->items[i];
        if (it->len == want_len && memcmp(it->data, want, want_len) == 0)
            exact = text = true;
        else if (scan_text_matches(it->data, it->len, want, want_len))
            text = true;
    }
    t->set.exact += exact;
    t->set.text += text;
    scan_results_free(r);
    scan_grey_free(g);
}

/* Measures the labelled images directly in dir into t; collects the names
 * of subfolders into *subs when subs is not NULL. */
static void measure_folder(struct scan_decoder *d, const char *dir, struct tally *t, char ***subs,
                           size_t *n_subs, size_t *budget)
{
    size_t n = 0;
    char **names = dirlist_new(dir, NULL, 0, &n);
    if (!names)
        return;
    for (size_t i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]);
        struct stat st;
        size_t stem = 0;
        if (subs && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            *subs = xrealloc(*subs, (*n_subs + 1) * sizeof **subs);
            (*subs)[(*n_subs)++] = xstrdup(names[i]);
        } else if (*budget > 0 && is_image_name(names[i], &stem)) {
            char *txt = xasprintf("%s/%.*s.txt", dir, (int)stem, names[i]);
            size_t want_len = 0;
            uint8_t *want = read_label(txt, &want_len);
            if (want) {
                (*budget)--;
                measure_image(d, path, want, want_len, t);
                free(want);
            }
            free(txt);
        }
        free(path);
    }
    dirlist_free(names, n);
}

/* Fills in the median and worst of t's times and hands its set over. */
static struct scan_stats_set finish(struct tally *t)
{
    if (t->n_ms) {
        qsort(t->ms, t->n_ms, sizeof *t->ms, cmp_double);
        t->set.median_ms = t->ms[t->n_ms / 2];
        t->set.worst_ms = t->ms[t->n_ms - 1];
    }
    free(t->ms);
    t->ms = NULL;
    t->n_ms = 0;
    return t->set;
}

static void add_to_total(struct tally *total, const struct tally *t)
{
    total->set.images += t->set.images;
    total->set.unreadable += t->set.unreadable;
    total->set.exact += t->set.exact;
    total->set.text += t->set.text;
    total->ms = xrealloc(total->ms, (total->n_ms + t->n_ms + 1) * sizeof *total->ms);
    if (t->n_ms)
        memcpy(total->ms + total->n_ms, t->ms, t->n_ms * sizeof *t->ms);
    total->n_ms += t->n_ms;
}

static void keep_set(struct scan_stats *s, struct tally *total, struct tally *t, const char *name)
{
    if (!t->set.images) {
        free(t->ms);
        return;
    }
    add_to_total(total, t);
    t->set.name = xstrdup(name);
    s->sets = xrealloc(s->sets, (s->n_sets + 1) * sizeof *s->sets);
    s->sets[s->n_sets++] = finish(t);
}

enum bk_status scan_stats_dir(struct scan_decoder *d, const char *dir, struct scan_stats **out,
                              struct bk_err *err)
{
    *out = NULL;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return bk_err_set(err, errno == ENOENT ? BK_ERR_NOT_FOUND : BK_ERR_IO, dir, 0, NULL,
                          _("not a folder that can be read."));
    struct scan_stats *s = xcalloc(1, sizeof *s);
    struct tally total = {0};
    char **subs = NULL;
    size_t n_subs = 0, budget = SCAN_STATS_MAX_IMAGES;
    struct tally top = {0};
    measure_folder(d, dir, &top, &subs, &n_subs, &budget);
    keep_set(s, &total, &top, ".");
    for (size_t i = 0; i < n_subs; i++) {
        char *path = xasprintf("%s/%s", dir, subs[i]);
        struct tally t = {0};
        measure_folder(d, path, &t, NULL, NULL, &budget);
        keep_set(s, &total, &t, subs[i]);
        free(path);
    }
    dirlist_free(subs, n_subs);
    s->total = finish(&total);
    s->total.name = xstrdup("");
    if (s->total.images == 0) {
        scan_stats_free(s);
        return bk_err_set(err, BK_ERR_NOT_FOUND, dir, 0, NULL,
                          _("no NAME.png or NAME.jpg with NAME.txt beside it, here or one "
                            "folder down."));
    }
    *out = s;
    return BK_OK;
}

void scan_stats_free(struct scan_stats *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_sets; i++)
        free(s->sets[i].name);
    free(s->sets);
    free(s->total.name);
    free(s);
}
