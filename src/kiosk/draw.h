/* draw: the kiosk's pen: shapes, icons and text in any script, on the SDL
 * renderer, measured in fractions of the window so every screen scales from
 * 1080p to 4K, landscape or portrait.
 *
 * Text goes through src/badge's fonts and text runs (the same Noto faces,
 * HarfBuzz shaping and FriBidi ordering as the badges), drawn once to a
 * surface and kept as a texture per string, size, weight, colour and width.
 * The cache is dropped when the language changes (ui_forget_text).
 *
 * The FreeType library under SDL2_ttf is shared by every thread and is not
 * safe for two threads opening faces at once, so text is only made while
 * holding font_lock, taken with trylock: when the print worker holds it, the
 * text is simply not drawn this frame and ui->incomplete says so (the next
 * frame draws it; a snapshot waits for a complete frame). */
#ifndef BK_KIOSK_DRAW_H
#define BK_KIOSK_DRAW_H

#include <SDL.h>
#include <pthread.h>
#include <stdbool.h>

#include "badge/fonts.h"
#include "util/err.h"

enum ui_align { UI_LEFT, UI_CENTRE, UI_RIGHT };

/* The colours of a theme; the high-contrast theme swaps them all. */
struct ui_theme {
    SDL_Color bg, panel, ink, muted, line, ok, info, warn, bad, on_accent, button, button_ink;
    float text_scale; /* 1.0, or larger in the large-text mode */
};

#define UI_TEXT_CACHE 512

struct ui_text_entry;

struct ui {
    SDL_Renderer *r;
    int w, h;     /* the output size in pixels */
    float u;      /* one hundredth of the shorter side: the layout unit */
    bool rtl;     /* mirror the layout (Arabic) */
    bool incomplete; /* some text could not be made this frame */
    const struct ui_theme *theme;
    struct badge_fonts *fonts;
    bool ttf_ready;
    pthread_mutex_t *font_lock;
    struct ui_text_entry *cache; /* UI_TEXT_CACHE slots */
    size_t n_cached;
};

/* Opens the fonts (at 72 dpi, so points are pixels). font_lock must outlive
 * the ui. */
enum bk_status ui_init(struct ui *ui, SDL_Renderer *r, pthread_mutex_t *font_lock,
                       struct bk_err *err);
void ui_free(struct ui *ui);

/* Reads the output size; call once a frame before drawing. */
void ui_begin(struct ui *ui);

/* Drops every cached text texture (a new language, a new theme). */
void ui_forget_text(struct ui *ui);

/* The light and the high-contrast themes. */
extern const struct ui_theme ui_theme_calm, ui_theme_contrast;

/* A rectangle in layout units from the leading edge: mirrored in RTL. */
SDL_Rect ui_rect(const struct ui *ui, float x, float y, float w, float h);
/* The same, never mirrored (a camera view, a centred box). */
SDL_Rect ui_rect_abs(const struct ui *ui, float x, float y, float w, float h);
/* The leading/trailing alignment in the reading direction. */
enum ui_align ui_lead(const struct ui *ui);
enum ui_align ui_trail(const struct ui *ui);

void ui_fill(struct ui *ui, SDL_Rect r, SDL_Color c);
void ui_round(struct ui *ui, SDL_Rect r, int radius, SDL_Color c);
void ui_round_outline(struct ui *ui, SDL_Rect r, int radius, int thick, SDL_Color c);
void ui_disc(struct ui *ui, float cx, float cy, float radius, SDL_Color c);
void ui_ring(struct ui *ui, float cx, float cy, float radius, float thick, SDL_Color c);
void ui_line(struct ui *ui, float x0, float y0, float x1, float y1, float thick, SDL_Color c);

/* Icons in a disc of radius rad around (cx, cy), so colour is never the only
 * signal: a tick, a cross, an exclamation mark, an "i", a printer, a clock. */
enum ui_icon { UI_ICON_TICK, UI_ICON_CROSS, UI_ICON_BANG, UI_ICON_INFO, UI_ICON_PRINTER,
               UI_ICON_LOCK };
void ui_icon(struct ui *ui, enum ui_icon icon, float cx, float cy, float rad, SDL_Color disc,
             SDL_Color mark);

/* Draws text (UTF-8, any script) of px pixels in box, wrapped at its width
 * to as many lines as it needs (shrinking when even one word does not fit),
 * aligned horizontally, its top at box.y. Returns the height used. */
int ui_text(struct ui *ui, const char *text, int px, bool bold, SDL_Color c, SDL_Rect box,
            enum ui_align align);

/* As ui_text, but kept inside box: as many wrapped lines as fit its
 * height, the last one ending in "…" when the text goes on, and nothing
 * drawn outside it. Returns the height used (at most box.h). */
int ui_text_boxed(struct ui *ui, const char *text, int px, bool bold, SDL_Color c, SDL_Rect box,
                  enum ui_align align);

/* As ui_text, vertically centred in box, shrunk to fit its height too. */
void ui_text_mid(struct ui *ui, const char *text, int px, bool bold, SDL_Color c, SDL_Rect box,
                 enum ui_align align);

#endif
