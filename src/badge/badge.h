/* badge: draws a person's badge at print resolution.
 *
 * One renderer draws every badge, for the printer and for the kiosk's
 * preview (which scales the same pixels down), so what an attendee sees is
 * what prints. The layout comes from the config: size and margins, the
 * category's colour band and label, the event parts the badge is valid for,
 * the name large, organisation, country, the logo, and a QR code. Text is
 * shaped with HarfBuzz through SDL2_ttf in whichever Noto font covers each
 * run (found through fontconfig), right-to-left runs ordered with FriBidi.
 * No window is needed. */
#ifndef BK_BADGE_H
#define BK_BADGE_H

#include "badge/image.h"
#include "event/attendee.h"
#include "event/config.h"
#include "util/err.h"

struct badge_renderer;

/* What a badge is drawn for: the printer's own resolution, so nothing
 * scales it after us, and whether the printer has one colour. A
 * monochrome badge is pure black and white by design, not a colour badge
 * made grey: text in black with its anti-aliasing thresholded glyph by
 * glyph, the category band solid black with its label knocked out in
 * white, the logo as clean 1-bit art (dithered only when it is a
 * photograph), the QR code's modules on whole printer dots. */
struct badge_output {
    int dpi;
    bool monochrome;
};

/* The output the configuration asks for by itself: [badge] dpi, and
 * monochrome only when [badge] color = monochrome (auto needs a printer to
 * ask: see badgeprint_output). */
struct badge_output badge_output_of_config(const struct config *cfg);

/* Opens the fonts (for badge_output_of_config(cfg)) and the logo.
 * BK_ERR_CONFIG names a missing font package or logo file. Free with
 * badge_renderer_free. */
enum bk_status badge_renderer_new(const struct config *cfg, struct badge_renderer **out,
                                  struct bk_err *err);
void badge_renderer_free(struct badge_renderer *r);

/* Draws from now on for out (fonts, layout and logo made again when it
 * differs from the current one; nothing is done when it is the same). On
 * failure the renderer keeps its previous output. */
enum bk_status badge_renderer_set_output(struct badge_renderer *r, const struct badge_output *out,
                                         struct bk_err *err);

/* The output the renderer draws for now. */
struct badge_output badge_renderer_output(const struct badge_renderer *r);

/* Draws a's badge with qr_text in its QR code, for the renderer's output
 * (the image's dpi and monochrome say which). A name that cannot be drawn
 * completely (a character no installed font has; too long even at the
 * smallest size on two lines) is refused with BK_ERR_INVALID and a message
 * saying which, rather than printed wrong. *out is freed by the caller. */
enum bk_status badge_render(struct badge_renderer *r, const struct attendee *a,
                            const char *qr_text, struct badge_image **out, struct bk_err *err);

/* Where the last badge's organisation went, for tests and tools: its lines
 * as drawn (up to two; a cut one ends in "…"), their size against the
 * stock's own, and the rows (pixels from the top) of its block and of the
 * lines below it, 0 when absent. */
struct badge_layout_report {
    size_t org_lines;
    char org[2][512];
    int org_pt, org_max_pt, org_min_pt;
    int org_top, org_bottom;         /* the block, ascent to descent */
    int country_top, country_bottom; /* the country's line */
    int validity_top;                /* the dates' line */
};

/* The report of the last badge badge_render drew with r (zeros before). */
void badge_renderer_last_layout(const struct badge_renderer *r, struct badge_layout_report *out);

/* Draws text alone, on one line, the way a badge draws a name (bold, pt
 * points at cfg->badge_dpi, fonts, runs and bidi order as on the badge),
 * black on a white image just large enough for it. For previews of a name
 * and for tests of the text handling. BK_ERR_INVALID when a character is in
 * no installed font (the message gives its code point). *out is freed by
 * the caller. */
enum bk_status badge_render_text(struct badge_renderer *r, const char *text, int pt,
                                 struct badge_image **out, struct bk_err *err);

#endif
