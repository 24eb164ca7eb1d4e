/* make_logo: draws assets/fgmv2-logo.png, the sample event's mark.
 *
 * Our own simple mark, not any organisation's logo: an isometric cube (a
 * nod to the metaverse's third dimension) in three blues, and "FG-MV" set
 * in Noto Sans Bold with the badge renderer's own text code. Run once; the
 * PNG is committed. Usage: make-logo OUT.png */
#include <SDL.h>
#include <SDL_ttf.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "badge/fonts.h"
#include "badge/image.h"
#include "badge/textrun.h"

#define W 520
#define H 180
#define SUPERSAMPLE 4

struct pt {
    double x, y;
};

static int inside(const struct pt *poly, int n, double x, double y)
{
    int in = 0;
    for (int i = 0, j = n - 1; i < n; j = i++)
        if ((poly[i].y > y) != (poly[j].y > y) &&
            x < (poly[j].x - poly[i].x) * (y - poly[i].y) / (poly[j].y - poly[i].y) + poly[i].x)
            in = !in;
    return in;
}

/* Fills a convex polygon with anti-aliased edges (supersampled coverage). */
static void fill_poly(struct badge_image *img, const struct pt *poly, int n, uint32_t rgb)
{
    double minx = W, maxx = 0, miny = H, maxy = 0;
    for (int i = 0; i < n; i++) {
        minx = fmin(minx, poly[i].x), maxx = fmax(maxx, poly[i].x);
        miny = fmin(miny, poly[i].y), maxy = fmax(maxy, poly[i].y);
    }
    for (int y = (int)miny; y <= (int)maxy && y < H; y++)
        for (int x = (int)minx; x <= (int)maxx && x < W; x++) {
            int hits = 0;
            for (int sy = 0; sy < SUPERSAMPLE; sy++)
                for (int sx = 0; sx < SUPERSAMPLE; sx++)
                    hits +=
                        inside(poly, n, x + (sx + 0.5) / SUPERSAMPLE, y + (sy + 0.5) / SUPERSAMPLE);
            if (!hits)
                continue;
            double a = (double)hits / (SUPERSAMPLE * SUPERSAMPLE);
            uint8_t *p = img->rgb + (size_t)y * img->stride + (size_t)x * 3;
            uint8_t c[3] = {(uint8_t)(rgb >> 16), (uint8_t)(rgb >> 8), (uint8_t)rgb};
            for (int k = 0; k < 3; k++)
                p[k] = (uint8_t)lround(p[k] * (1 - a) + c[k] * a);
        }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make-logo OUT.png\n");
        return 2;
    }
    struct badge_image *img = badge_image_new(W, H, 300);

    /* The cube: a hexagon of side s centred at (cx, cy), three faces. */
    double cx = 90, cy = 90, s = 80, k = sqrt(3) / 2;
    struct pt top = {cx, cy - s}, up_r = {cx + k * s, cy - s / 2}, lo_r = {cx + k * s, cy + s / 2},
              bot = {cx, cy + s}, lo_l = {cx - k * s, cy + s / 2}, up_l = {cx - k * s, cy - s / 2},
              mid = {cx, cy};
    struct pt face_top[] = {top, up_r, mid, up_l};
    struct pt face_left[] = {up_l, mid, bot, lo_l};
    struct pt face_right[] = {mid, up_r, lo_r, bot};
    fill_poly(img, face_top, 4, 0x64B5F6);
    fill_poly(img, face_left, 4, 0x1565C0);
    fill_poly(img, face_right, 4, 0x0D3C8C);
    /* A small white cube cut into the near corner: the "inner world". */
    double t = s * 0.42;
    struct pt itop = {cx, cy - t + s * 0.5}, iur = {cx + k * t, cy - t / 2 + s * 0.5},
              ilr = {cx + k * t, cy + t / 2 + s * 0.5}, ibot = {cx, cy + t + s * 0.5},
              ill = {cx - k * t, cy + t / 2 + s * 0.5}, iul = {cx - k * t, cy - t / 2 + s * 0.5},
              imid = {cx, cy + s * 0.5};
    struct pt inner_top[] = {itop, iur, imid, iul};
    struct pt inner_left[] = {iul, imid, ibot, ill};
    struct pt inner_right[] = {imid, iur, ilr, ibot};
    fill_poly(img, inner_top, 4, 0xFFFFFF);
    fill_poly(img, inner_left, 4, 0xBBDEFB);
    fill_poly(img, inner_right, 4, 0x90CAF9);

    /* The words, drawn by the badge's own text code onto an SDL surface. */
    struct bk_err err = {0};
    struct badge_fonts *fonts = NULL;
    if (TTF_Init() != 0 || badge_fonts_new(72, &fonts, &err) != BK_OK) {
        fprintf(stderr, "make-logo: %s\n", err.msg);
        return 1;
    }
    SDL_Surface *s2 = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_XRGB8888);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            const uint8_t *p = img->rgb + (size_t)y * img->stride + (size_t)x * 3;
            ((uint32_t *)((uint8_t *)s2->pixels + y * s2->pitch))[x] =
                SDL_MapRGB(s2->format, p[0], p[1], p[2]);
        }
    struct badge_line *word = NULL, *sub = NULL;
    uint32_t cp;
    if (badge_line_new(fonts, "FG-MV", true, &word, &cp) != BK_OK ||
        badge_line_new(fonts, "METAVERSE", false, &sub, &cp) != BK_OK) {
        fprintf(stderr, "make-logo: no font for U+%04X\n", (unsigned)cp);
        return 1;
    }
    SDL_Color navy = {0x0B, 0x25, 0x45, 255}, blue = {0x15, 0x65, 0xC0, 255};
    if (badge_line_draw(word, 96, s2, 192, 112, navy, &err) != BK_OK ||
        badge_line_draw(sub, 30, s2, 198, 158, blue, &err) != BK_OK) {
        fprintf(stderr, "make-logo: %s\n", err.msg);
        return 1;
    }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint32_t v = ((uint32_t *)((uint8_t *)s2->pixels + y * s2->pitch))[x];
            uint8_t *p = img->rgb + (size_t)y * img->stride + (size_t)x * 3;
            p[0] = (uint8_t)(v >> 16), p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)v;
        }
    int rc = badge_image_write_png(img, argv[1], &err) == BK_OK ? 0 : 1;
    if (rc)
        fprintf(stderr, "make-logo: %s\n", err.msg);
    badge_line_free(word);
    badge_line_free(sub);
    badge_fonts_free(fonts);
    SDL_FreeSurface(s2);
    badge_image_free(img);
    TTF_Quit();
    return rc;
}
