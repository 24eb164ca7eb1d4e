/* bench_badge: measures badge rendering and the way from a scan to a job at
 * the printer, and prints Markdown table rows.
 *
 * Usage: bench-badge CONFIG EXPORT.csv WORKDIR [PRINTER-URI]
 *
 * The renderer is compared, in the same run, with a bare SDL2_ttf drawing of
 * a comparable badge (one font, no fallback, no bidi, no QR code), which is
 * the floor any badge drawn with SDL2_ttf stands on. With a printer URI (a
 * local ippeveprinter started by bench/run) it also times a scanned payload
 * through the check-in, the drawing and the encoding to the job id returned.
 * Nothing here asserts a time. */
#include <SDL.h>
#include <SDL_ttf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"
#include "badge/badge.h"
#include "badge/fonts.h"
#include "core/checkin.h"
#include "event/roster.h"
#include "util/xalloc.h"
#include "print/printer.h"



static void stats(double *v, size_t n, double *p50, double *p99)
{
    *p50 = percentile(v, n, 50);
    *p99 = percentile(v, n, 99);
}

static void die(const char *what, const struct bk_err *e)
{
    fprintf(stderr, "bench-badge: %s: %s: %s\n", what, e->field, e->msg);
    exit(1);
}

/* The floor: a white 4x3 in surface, a colour band, four lines of text in
 * one font, blended and blitted, as a minimal SDL2_ttf badge would be. */
static void bare_badge(TTF_Font *big, TTF_Font *small, const struct attendee *a, int w, int h)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 24, SDL_PIXELFORMAT_RGB24);
    SDL_FillRect(s, NULL, SDL_MapRGB(s->format, 255, 255, 255));
    SDL_Rect band = {0, h * 85 / 100, w, h * 15 / 100};
    SDL_FillRect(s, &band, SDL_MapRGB(s->format, 0x15, 0x65, 0xC0));
    char *name = attendee_display_name_new(a);
    const char *lines[] = {name, a->organization, a->country, a->category};
    int y = h / 5;
    for (size_t i = 0; i < 4; i++) {
        if (!lines[i][0])
            continue;
        SDL_Color black = {0, 0, 0, 255};
        SDL_Surface *t = TTF_RenderUTF8_Blended(i ? small : big, lines[i], black);
        if (t) {
            SDL_Rect at = {40, y, t->w, t->h};
            SDL_BlitSurface(t, NULL, s, &at);
            y += t->h;
            SDL_FreeSurface(t);
        }
    }
    free(name);
    SDL_FreeSurface(s);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench-badge CONFIG EXPORT.csv WORKDIR [PRINTER-URI]\n");
        return 2;
    }
    struct bk_err err = {0};
    struct config *cfg;
    if (config_load(argv[1], &cfg, &err) != BK_OK)
        die("config", &err);
    struct roster *r;
    if (roster_read(cfg, argv[2], &r, &err) != BK_OK)
        die("roster", &err);
    struct badge_renderer *br;
    double t0 = now_ms();
    if (badge_renderer_new(cfg, &br, &err) != BK_OK)
        die("renderer", &err);
    double t_open = now_ms() - t0;

    /* Every person of the sample export, whatever their script, twice. */
    size_t n = r->n_people * 2;
    double *t = xcalloc(n, sizeof *t);
    const char *qr = "BKB:ABCDEF:BK1.ABCD.IZDU2VRNGIYDEMZNGAYDAMBR.46OD347NGIZHP3UCX3DVA5Q57FAC6MRQ"
                     "AUIMJ2FKTFXRISDS7KL75DQXRUERZARWPCHXWQIAHUJXXDD7MIPIL375JID22VNGJNUDWBA";
    int w = 0, h = 0;
    size_t refused = 0;
    for (size_t i = 0; i < n; i++) {
        struct badge_image *img = NULL;
        double s0 = now_ms();
        if (badge_render(br, &r->people[i % r->n_people], qr, &img, &err) != BK_OK)
            refused++;
        t[i] = now_ms() - s0;
        if (img) {
            w = img->width;
            h = img->height;
        }
        badge_image_free(img);
    }
    double r50, r99;
    stats(t, n, &r50, &r99);

    struct badge_fonts *fonts;
    if (badge_fonts_new(cfg->badge_dpi, &fonts, &err) != BK_OK)
        die("fonts", &err);
    TTF_Font *big = badge_fonts_get(fonts, BADGE_FACE_LATIN, true, 30, &err);
    TTF_Font *small = badge_fonts_get(fonts, BADGE_FACE_LATIN, false, 14, &err);
    if (!big || !small)
        die("font", &err);
    for (size_t i = 0; i < n; i++) {
        double s0 = now_ms();
        bare_badge(big, small, &r->people[i % r->n_people], w, h);
        t[i] = now_ms() - s0;
    }
    double b50, b99;
    stats(t, n, &b50, &b99);
    badge_fonts_free(fonts);

    printf("| badge renderer start-up (fonts through fontconfig, logo) | %.0f ms |\n", t_open);
    printf("| badge render at %d dpi (%dx%d), %zu badges of the sample export in every script "
           "(%zu refused): median / p99 (target p99 under 10 ms) | %.2f / **%.2f** ms |\n",
           cfg->badge_dpi, w, h, n, refused, r50, r99);
    printf("| bare SDL2_ttf drawing of a comparable badge (one font, no fallback, bidi or QR), "
           "same run: median / p99 | %.2f / %.2f ms |\n",
           b50, b99);
    printf("| renderer / bare SDL2_ttf, median | %.2fx |\n", r50 / b50);

    if (argc > 4) {
        /* A scan through the check-in, the badge and the encoding to the job
         * id: what a person waits for at the kiosk before the printer moves. */
        const char *uri = argv[4];
        char *db = xasprintf("%s/print-bench.db", argv[3]);
        char *keys_dir = xasprintf("%s/print-bench-keys", argv[3]);
        unlink(db);
        struct store *s;
        struct token_keys *keys;
        char keyid[16];
        if (store_create(db, &s, &err) != BK_OK || store_import(s, r, NULL, NULL, &err) != BK_OK)
            die("store", &err);
        if ((access(keys_dir, F_OK) != 0 && token_keygen(keys_dir, 0, keyid, &err) != BK_OK) ||
            token_keys_load(keys_dir, &keys, &err) != BK_OK)
            die("keys", &err);
        struct printer *p;
        if (printer_open(uri, &p, &err) != BK_OK)
            die("printer", &err);
        struct checkin_context ctx = {cfg, keys, s, "bench"};
        int64_t day;
        tz_parse_instant(cfg->tz, "2023-07-04T08:00", &day, NULL);
        enum { N_JOBS = 60 };
        size_t done = 0;
        for (size_t i = 0; i < r->n_people && done < N_JOBS; i++) {
            const struct attendee *a = &r->people[i];
            char *payload;
            if (a->status != ATTENDEE_CONFIRMED || !attendee_has_event(a, "FG-MV") ||
                token_sign_new(keys, cfg->event_id, a->id, &payload, &err) != BK_OK)
                continue;
            double s0 = now_ms();
            struct checkin_result res;
            struct badge_image *img = NULL;
            int job = 0;
            if (checkin_process(&ctx, payload, strlen(payload), CHECKIN_SCANNER,
                                day + (int64_t)i * 1000, &res, &err) != BK_OK)
                die("checkin", &err);
            char *badge = token_badge_payload_new("ABCDEF", payload);
            if (badge_render(br, &res.attendee, badge, &img, &err) != BK_OK ||
                printer_submit(p, img, cfg->badge->media, "bench", &job, &err) != BK_OK)
                die("print", &err);
            t[done++] = now_ms() - s0;
            /* The printer takes one job at a time: let it finish, untimed. */
            enum printer_job_state st;
            printer_wait(p, job, 30000, &st, NULL, 0, &err);
            badge_image_free(img);
            free(badge);
            free(payload);
            checkin_result_clear(&res);
        }
        double j50, j99;
        stats(t, done, &j50, &j99);
        printf("| scanned payload to job accepted by a local ippeveprinter (check-in with "
               "durable commit, badge render, PNG encoding, IPP Print-Job), %zu jobs: median / "
               "p99 (target p99 under 100 ms) | %.1f / **%.1f** ms |\n",
               done, j50, j99);

        /* Render and send, one label after another: in colour at the
         * configured resolution, and in black and white at 203 dpi as a
         * thermal label printer gets it (PWG raster black_1), in turns so
         * both see the same machine. */
        struct badge_output outs[2] = {badge_output_of_config(cfg), {203, true}};
        outs[0].monochrome = false;
        double *tt[2] = {xcalloc(N_JOBS, sizeof(double)), xcalloc(N_JOBS, sizeof(double))};
        size_t nn[2] = {0, 0};
        for (size_t i = 0; i < 2 * N_JOBS; i++) {
            int k = (int)(i % 2);
            const struct attendee *a = &r->people[(i / 2) % r->n_people];
            struct badge_image *img = NULL;
            int job = 0;
            double s0 = now_ms();
            if (badge_renderer_set_output(br, &outs[k], &err) != BK_OK)
                die("output", &err);
            /* Switching outputs is this loop's cost, not a kiosk's: untimed. */
            s0 = now_ms();
            if (badge_render(br, a, qr, &img, &err) != BK_OK) {
                badge_image_free(img);
                continue;
            }
            if (printer_submit(p, img, cfg->badge->media, "bench-label", &job, &err) != BK_OK)
                die("print", &err);
            tt[k][nn[k]++] = now_ms() - s0;
            enum printer_job_state st;
            printer_wait(p, job, 30000, &st, NULL, 0, &err);
            badge_image_free(img);
        }
        for (int k = 0; k < 2; k++) {
            double m50, m99;
            stats(tt[k], nn[k], &m50, &m99);
            printf("| render and send a %s badge at %d dpi to a local ippeveprinter (%s), %zu "
                   "badges: median / p99 | %.1f / %.1f ms |\n",
                   k ? "black-and-white label" : "colour", outs[k].dpi,
                   k ? "PWG raster black_1" : "PNG", nn[k], m50, m99);
            free(tt[k]);
        }
        printer_close(p);
        token_keys_free(keys);
        store_close(s);
        free(db);
        free(keys_dir);
    }
    free(t);
    badge_renderer_free(br);
    roster_free(r);
    config_free(cfg);
    return 0;
}
