/* stats: how well the decoder reads a folder of labelled images, for
 * `badgectl scan --stats` and for anyone tuning the decoder's passes.
 *
 * A labelled image is NAME.png, NAME.jpg or NAME.jpeg with NAME.txt beside
 * it, the exact bytes its code holds. The images directly in the folder form
 * one set, named "."; each subfolder (one level down, not deeper, so a
 * corpus of sets reads as sets) forms another, named after it. Folders and
 * names are taken in byte order. Nothing here prints. */
#ifndef BK_SCAN_STATS_H
#define BK_SCAN_STATS_H

#include <stddef.h>

#include "util/err.h"
#include "scan/decode.h"

#define SCAN_STATS_MAX_IMAGES 100000 /* per call, over all sets */
#define SCAN_STATS_TXT_MAX 65536     /* bytes of NAME.txt; more is not a QR code */

struct scan_stats_set {
    char *name;
    size_t images;     /* labelled images found */
    size_t unreadable; /* of those, files that were not a readable image */
    size_t exact;      /* a code held exactly the bytes of NAME.txt */
    size_t text;       /* exact, or its text (scan/text.h) equals NAME.txt */
    double median_ms;  /* decode time per image (loading excluded) */
    double worst_ms;
};

struct scan_stats {
    struct scan_stats_set *sets; /* only sets with at least one image */
    size_t n_sets;
    struct scan_stats_set total; /* name "" */
};

/* Decodes every labelled image in dir (see above) with d and counts the
 * reads. Fails, naming dir, when it cannot be read or holds no labelled
 * image. On success *out is new; free it with scan_stats_free. */
enum bk_status scan_stats_dir(struct scan_decoder *d, const char *dir, struct scan_stats **out,
                              struct bk_err *err);
void scan_stats_free(struct scan_stats *s);

#endif
