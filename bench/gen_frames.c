/* gen_frames: writes the generated kiosk frames (tests/lib/qrframes) to a
 * folder, so that our decoder, zbarimg and ZXing-cpp read the very same
 * files in one benchmark run.
 *
 * Usage: gen-frames DIR [PER_CONDITION [SEED]]
 *
 * DIR/NNNN.png is a frame, DIR/NNNN.txt the payload it holds, and
 * DIR/index.tsv one line per frame: "NNNN<TAB>condition<TAB>group<TAB>
 * version<TAB>width<TAB>height". PER_CONDITION defaults to 20, SEED to 1. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "qrframes.h"
#include "badge/pngfile.h"

struct rows {
    const struct qrf_frame *f;
};

static void fill_row(void *ctx, int y, uint8_t *row)
{
    const struct qrf_frame *f = ((struct rows *)ctx)->f;
    memcpy(row, f->px + (size_t)y * (size_t)f->w, (size_t)f->w);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: gen-frames DIR [PER_CONDITION [SEED]]\n");
        return 2;
    }
    const char *dir = argv[1];
    int per = argc > 2 ? atoi(argv[2]) : 20;
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "gen-frames: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/index.tsv", dir);
    FILE *index = fopen(path, "w");
    if (!index) {
        fprintf(stderr, "gen-frames: %s: %s\n", path, strerror(errno));
        return 1;
    }
    int n = 0;
    for (size_t c = 0; c < qrf_n_conditions; c++)
        for (int i = 0; i < per; i++) {
            struct qrf_look look;
            struct qrf_frame f;
            qrf_condition_look(&qrf_conditions[c], seed, i, &look);
            if (qrf_render(&look, &f) != 0)
                continue;
            snprintf(path, sizeof path, "%s/%04d.png", dir, n);
            struct rows r = {&f};
            struct bk_err err;
            if (pngfile_write(path, f.w, f.h, 1, 72, fill_row, &r, &err) != BK_OK) {
                fprintf(stderr, "gen-frames: %s\n", err.msg);
                return 1;
            }
            snprintf(path, sizeof path, "%s/%04d.txt", dir, n);
            FILE *t = fopen(path, "w");
            if (!t || fwrite(f.text, 1, f.len, t) != f.len || fclose(t) != 0) {
                fprintf(stderr, "gen-frames: %s: %s\n", path, strerror(errno));
                return 1;
            }
            fprintf(index, "%04d\t%s\t%s\t%d\t%d\t%d\n", n, qrf_conditions[c].name,
                    qrf_conditions[c].group, f.version, f.w, f.h);
            qrf_frame_clear(&f);
            n++;
        }
    if (fclose(index) != 0)
        return 1;
    return 0;
}
