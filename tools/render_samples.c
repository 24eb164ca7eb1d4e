/* render_samples: draws the sample badges in docs/badges/ and times the
 * renderer.
 *
 *   render-samples CONFIG OUTDIR      writes one PNG per sample and stock,
 *                                     and each 4x3 in sample as a 203 dpi
 *                                     thermal label printer gets it
 *                                     (4x3in-mono203-NAME.png)
 *   render-samples CONFIG --time N    renders the samples N times each and
 *                                     prints the median and p99 per badge
 *
 * The QR codes hold a made-up payload shaped like a signed one (same
 * length and alphabet, so the same QR version), not a valid signature. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../bench/timing.h"
#include "badge/badge.h"
#include "event/config.h"
#include "util/xalloc.h"

struct sample {
    const char *file;
    struct attendee a;
};

#define PERSON(ID, FIRST, LAST, BADGE, ORG, COUNTRY, CAT, EVENTS)                                  \
    {                                                                                              \
        .id = ID, .title = "", .first_name = FIRST, .last_name = LAST, .badge_name = BADGE,        \
        .organization = ORG, .country = COUNTRY, .category = CAT, .events = EVENTS, .email = "",   \
        .language = ""                                                                             \
    }

static struct sample samples[] = {
    {"latin-diacritics", PERSON("FGMV-2023-00101", "Zoë", "Ångström-Łukasiewicz", "",
                                "Université de Genève", "Switzerland", "Speaker", "FG-MV;Forum")},
    {"chinese", PERSON("FGMV-2023-00102", "蕴韬", "王", "",
                       "China Academy of Information and "
                       "Communications Technology (CAICT)",
                       "China", "Chair", "FG-MV;Forum")},
    {"arabic", PERSON("FGMV-2023-00103", "", "", "محمد العلي",
                      "Telecommunications and Digital Government Regulatory Authority",
                      "United Arab Emirates", "Participant", "Forum")},
    {"korean", PERSON("FGMV-2023-00001", "Shin-Gak", "Kang", "강신각", "ETRI",
                      "Korea (Republic of)", "Vice-chair", "FG-MV")},
    {"long-name",
     PERSON("FGMV-2023-00105", "Maria Alexandra", "Konstantinopoulou-Vanderberghe", "",
            "International Telecommunication Union", "Greece", "Secretariat", "FG-MV;Forum")},
};
#define N_SAMPLES (sizeof samples / sizeof samples[0])

/* A stand-in for "BK1.KEYID.ID.SIG": 4 + 4 + 1 + 24 + 1 + 103 characters. */
static char *fake_payload(const char *id)
{
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    char sig[104];
    unsigned h = 2166136261u;
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    for (int i = 0; i < 103; i++) {
        h = h * 1103515245u + 12345u;
        sig[i] = b32[(h >> 16) & 31];
    }
    sig[103] = '\0';
    return xasprintf("BK1.K7Q2.%.24s.%s", "MZXW6YTBOI2DAMRTFUYDAMJQ", sig);
}



static int write_samples(struct config *cfg, const char *outdir, const char *size, bool all,
                         const struct badge_output *out, const char *variant)
{
    struct bk_err err = {0};
    struct badge_renderer *r = NULL;
    if (badge_renderer_new(cfg, &r, &err) != BK_OK ||
        badge_renderer_set_output(r, out, &err) != BK_OK) {
        fprintf(stderr, "render-samples: %s\n", err.msg);
        return 1;
    }
    int rc = 0;
    for (size_t i = 0; i < N_SAMPLES && rc == 0; i++) {
        if (!all && i > 0)
            break;
        char *payload = fake_payload(samples[i].a.id);
        struct badge_image *img = NULL;
        if (badge_render(r, &samples[i].a, payload, &img, &err) != BK_OK) {
            fprintf(stderr, "render-samples: %s: %s\n", samples[i].file, err.msg);
            rc = 1;
        } else {
            char *path = xasprintf("%s/%s-%s%s.png", outdir, size, variant, samples[i].file);
            if (badge_image_write_png(img, path, &err) != BK_OK) {
                fprintf(stderr, "render-samples: %s\n", err.msg);
                rc = 1;
            }
            free(path);
        }
        badge_image_free(img);
        free(payload);
    }
    badge_renderer_free(r);
    return rc;
}

static int time_renders(struct config *cfg, int n)
{
    struct bk_err err = {0};
    struct badge_renderer *r = NULL;
    if (badge_renderer_new(cfg, &r, &err) != BK_OK) {
        fprintf(stderr, "render-samples: %s\n", err.msg);
        return 1;
    }
    size_t total = (size_t)n * N_SAMPLES;
    double *t = xmalloc(total * sizeof *t);
    char *payloads[N_SAMPLES];
    for (size_t i = 0; i < N_SAMPLES; i++)
        payloads[i] = fake_payload(samples[i].a.id);
    /* One warm-up pass: fonts are opened on first use and then cached. */
    for (size_t i = 0; i < N_SAMPLES; i++) {
        struct badge_image *img = NULL;
        badge_render(r, &samples[i].a, payloads[i], &img, &err);
        badge_image_free(img);
    }
    for (size_t k = 0; k < total; k++) {
        size_t i = k % N_SAMPLES;
        struct badge_image *img = NULL;
        double t0 = now_ms();
        badge_render(r, &samples[i].a, payloads[i], &img, &err);
        t[k] = now_ms() - t0;
        badge_image_free(img);
    }
    qsort(t, total, sizeof *t, cmp_double);
    printf("%s at %d dpi: %zu renders, median %.2f ms, p99 %.2f ms, max %.2f ms\n", cfg->badge_size,
           cfg->badge_dpi, total, t[total / 2], t[total * 99 / 100], t[total - 1]);
    for (size_t i = 0; i < N_SAMPLES; i++)
        free(payloads[i]);
    free(t);
    badge_renderer_free(r);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3 && !(argc == 4 && strcmp(argv[2], "--time") == 0)) {
        fprintf(stderr, "usage: render-samples CONFIG OUTDIR | CONFIG --time N\n");
        return 2;
    }
    struct config *cfg = NULL;
    struct bk_err err = {0};
    if (config_load(argv[1], &cfg, &err) != BK_OK) {
        fprintf(stderr, "render-samples: %s\n", err.msg);
        return 1;
    }
    static const char *const sizes[] = {"4x3in", "a6", "cr80"};
    int rc = 0;
    for (size_t s = 0; s < 3 && rc == 0; s++) {
        cfg->badge = config_badge_size_by_name(sizes[s]);
        free(cfg->badge_size);
        cfg->badge_size = xstrdup(sizes[s]);
        if (argc == 4)
            rc = time_renders(cfg, atoi(argv[3]));
        else {
            /* Every sample on the default stock; the first on the others. */
            struct badge_output colour = badge_output_of_config(cfg);
            struct badge_output label = {203, true};
            rc = write_samples(cfg, argv[2], sizes[s], s == 0, &colour, "");
            if (rc == 0 && s == 0)
                rc = write_samples(cfg, argv[2], sizes[s], true, &label, "mono203-");
        }
    }
    config_free(cfg);
    return rc;
}
