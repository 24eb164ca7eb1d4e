/* screens: what each flow screen looks like.
 *
 * One drawing function per screen in a table indexed by enum flow_screen,
 * as flow.c has one handler per screen. Everything is laid out in layout
 * units (a hundredth of the window's shorter side), so 1080p, 4K and a
 * portrait screen get the same design; Arabic mirrors the layout through
 * ui_rect. Every result carries a colour, an icon and words, so colour is
 * never the only signal. The texts are the kiosk's own (po/), chosen here:
 * the flow gives only screen ids and data. */
#include <stdio.h>
#include <string.h>

#include "util/i18n.h"
#include "kiosk/kiosk.h"

const char *const kiosk_reprint_reasons[KIOSK_N_REASONS] = {"lost", "damaged", "name corrected"};

/* ---- layout helpers ---- */

static float W(const struct kiosk *k)
{
    return k->ui.w / k->ui.u;
}

static float H(const struct kiosk *k)
{
    return k->ui.h / k->ui.u;
}

static bool portrait(const struct kiosk *k)
{
    return k->ui.h > k->ui.w;
}

static int px(const struct kiosk *k, float units)
{
    return (int)(units * k->ui.u);
}

static void add_button(struct kiosk *k, const char *id, SDL_Rect r, enum kiosk_action act, int arg)
{
    if (k->n_buttons == KIOSK_MAX_BUTTONS)
        return;
    struct kiosk_button *b = &k->buttons[k->n_buttons++];
    snprintf(b->id, sizeof b->id, "%s", id);
    b->r = r;
    b->act = act;
    b->arg = arg;
}

enum style { FILLED, OUTLINED, QUIET };

/* A button: a rounded box with its label centred, registered for touches. */
static void button(struct kiosk *k, const char *id, SDL_Rect r, const char *label, enum style st,
                   enum kiosk_action act, int arg)
{
    const struct ui_theme *t = k->ui.theme;
    int rad = r.h / 4;
    SDL_Color ink = t->button_ink;
    if (st == FILLED) {
        ui_round(&k->ui, r, rad, t->button);
    } else {
        ui_round(&k->ui, r, rad, st == QUIET ? t->bg : t->panel);
        ui_round_outline(&k->ui, r, rad, px(k, 0.35f) + 1, st == QUIET ? t->line : t->button);
        ink = st == QUIET ? t->ink : t->button;
        if (k->contrast)
            ink = t->ink;
    }
    SDL_Rect inner = {r.x + r.h / 4, r.y + r.h / 10, r.w - r.h / 2, r.h - r.h / 5};
    ui_text_mid(&k->ui, label, (int)(r.h * 0.36f), true, ink, inner, UI_CENTRE);
    add_button(k, id, r, act, arg);
}

static void background(struct kiosk *k)
{
    const struct ui_theme *t = k->ui.theme;
    SDL_SetRenderDrawColor(k->ui.r, t->bg.r, t->bg.g, t->bg.b, 255);
    SDL_RenderClear(k->ui.r);
}

/* The venue's time, "09:30", from the kiosk's clock. */
static void clock_text(const struct kiosk *k, char *buf, size_t n)
{
    char iso[40];
    tz_format_instant(k->cfg->tz, k->now_ms, iso);
    snprintf(buf, n, "%.5s", iso + 11);
}

/* The top strip every attendee screen has: event title and clock. */
static void header(struct kiosk *k)
{
    const struct ui_theme *t = k->ui.theme;
    float w = W(k);
    char clock[8];
    clock_text(k, clock, sizeof clock);
    const struct flow_previous *p = &k->view->previous;
    if (p->shown) {
        /* The person before, whose screen the next scan replaced: their
         * badge waits a few seconds more and they can still object. */
        SDL_Rect band = ui_rect(&k->ui, 6, 1, w - 30, 8);
        ui_round(&k->ui, band, px(k, 1.2f), t->panel);
        ui_round_outline(&k->ui, band, px(k, 1.2f), px(k, 0.3f) + 1, t->warn);
        char line[400];
        if (p->noted)
            snprintf(line, sizeof line,
                     _("%s: noted. Your badge is held back: please go to the staff desk."),
                     p->name);
        else
            snprintf(line, sizeof line,
                     P_("%s: your badge prints in %d second.",
                        "%s: your badge prints in %d seconds.", p->seconds_left),
                     p->name, p->seconds_left);
        float bw = p->noted ? 0 : 36;
        ui_text_mid(&k->ui, line, px(k, 2.6f), true, t->ink,
                    ui_rect(&k->ui, 8, 1, w - 34 - bw, 8), ui_lead(&k->ui));
        if (!p->noted)
            button(k, "previous-details-wrong", ui_rect(&k->ui, w - 24 - bw - 1, 1.8f, bw, 6.4f),
                   _("My details are wrong"), OUTLINED, KIOSK_ACT_TOUCH,
                   FLOW_BUTTON_PREVIOUS_DETAILS_WRONG);
    } else {
        ui_text_mid(&k->ui, k->cfg->title, px(k, 2.3f), false, t->muted,
                    ui_rect(&k->ui, 6, 2, w - 30, 7), ui_lead(&k->ui));
    }
    ui_text_mid(&k->ui, clock, px(k, 3.2f), true, t->ink, ui_rect(&k->ui, w - 22, 2, 16, 7),
                ui_trail(&k->ui));
    ui_fill(&k->ui, ui_rect_abs(&k->ui, 6, 9.5f, w - 12, 0.25f), t->line);
}

/* One staff-facing strip along the bottom, its top at y. */
static void notice_strip(struct kiosk *k, float y, const char *text)
{
    const struct ui_theme *t = k->ui.theme;
    SDL_Rect r = ui_rect_abs(&k->ui, 0, y, W(k), 4.5f);
    ui_fill(&k->ui, r, t->warn);
    ui_text_mid(&k->ui, text, px(k, 2.0f), true, t->on_accent,
                (SDL_Rect){r.x + px(k, 3), r.y, r.w - px(k, 6), r.h}, UI_CENTRE);
}

/* The shared store's state in words: "Offline since 09:30, 12 waiting". */
static void offline_text(const struct kiosk *k, char *buf, size_t n)
{
    snprintf(buf, n,
             P_("Offline since %s, %zu waiting", "Offline since %s, %zu waiting", k->view->waiting),
             k->view->offline_since, k->view->waiting);
}

/* Staff-facing notices along the bottom: the camera is gone; the shared
 * store does not answer (check-ins go on from this kiosk's journal). */
static void camera_notice(struct kiosk *k)
{
    float y = H(k);
    if (k->view->camera_missing && k->has_source) {
        y -= 4.5f;
        notice_strip(k, y, _("Camera unavailable: please use the scanner. Staff: check the camera "
                             "cable."));
    }
    if (k->view->offline) {
        char what[160], line[400];
        offline_text(k, what, sizeof what);
        snprintf(line, sizeof line,
                 _("%s: check-ins go on and reach the server when it is back. Staff: check the "
                   "network."),
                 what);
        y -= 4.5f;
        notice_strip(k, y, line);
    }
    if (k->view->clock_wrong) {
        char skew[64], line[300];
        snprintf(line, sizeof line, _("This kiosk's %s. Staff: set the clock right."),
                 store_clock_skew_text(k->view->clock_skew_s * 1000, skew, sizeof skew));
        y -= 4.5f;
        notice_strip(k, y, line);
    }
}

/* ---- welcome ---- */

/* A stylised QR code, drawn when no camera preview is available: three
 * finder squares and a sprinkle of modules. */
static void qr_glyph(struct kiosk *k, SDL_Rect box, SDL_Color c)
{
    int m = box.w / 21;
    static const char *rows[21] = {
        "1111111010101111111", "1000001001001000001", "1011101011101011101",
        "1011101000101011101", "1011101010001011101", "1000001001101000001",
        "1111111010101111111", "0000000011000000000", "1011011100111010110",
        "0100100011010101001", "1101011110101101011", "0000000010110010100",
        "1111111001011011010", "1000001011100101101", "1011101000111010010",
        "1011101011010110111", "1011101000101001001", "1000001011010110100",
        "1111111010011011011",
    };
    int x0 = box.x + (box.w - 19 * m) / 2, y0 = box.y + (box.h - 19 * m) / 2;
    for (int y = 0; y < 19; y++)
        for (int x = 0; x < 19; x++)
            if (rows[y][x] == '1')
                ui_fill(&k->ui, (SDL_Rect){x0 + x * m, y0 + y * m, m, m}, c);
}

static void camera_panel(struct kiosk *k, SDL_Rect box)
{
    const struct ui_theme *t = k->ui.theme;
    ui_round(&k->ui, box, px(k, 2), k->camera ? (SDL_Color){0x10, 0x14, 0x18, 255} : t->panel);
    if (k->camera && k->camera_w > 0) {
        /* Fit the frame in the box, mirrored like a looking glass so people
         * move their code the way they expect. */
        float s = (float)box.w / k->camera_w;
        if (k->camera_h * s > box.h)
            s = (float)box.h / k->camera_h;
        SDL_Rect dst = {box.x + (box.w - (int)(k->camera_w * s)) / 2,
                        box.y + (box.h - (int)(k->camera_h * s)) / 2, (int)(k->camera_w * s),
                        (int)(k->camera_h * s)};
        SDL_RenderCopyEx(k->ui.r, k->camera, NULL, &dst, 0, NULL, SDL_FLIP_HORIZONTAL);
    } else {
        ui_round_outline(&k->ui, box, px(k, 2), px(k, 0.3f) + 1, t->line);
        int side = (box.w < box.h ? box.w : box.h) * 5 / 10;
        qr_glyph(k, (SDL_Rect){box.x + (box.w - side) / 2, box.y + (box.h - side) / 2, side, side},
                 t->ink);
    }
    /* The guide frame: four corner brackets where the code should be. */
    int side = (box.w < box.h ? box.w : box.h) * 7 / 10;
    int gx = box.x + (box.w - side) / 2, gy = box.y + (box.h - side) / 2;
    int arm = side / 5, th = px(k, 0.9f) + 2;
    SDL_Color g = k->camera ? (SDL_Color){0xFF, 0xFF, 0xFF, 0xFF} : t->info;
    SDL_Rect bars[8] = {
        {gx, gy, arm, th}, {gx, gy, th, arm},
        {gx + side - arm, gy, arm, th}, {gx + side - th, gy, th, arm},
        {gx, gy + side - th, arm, th}, {gx, gy + side - arm, th, arm},
        {gx + side - arm, gy + side - th, arm, th}, {gx + side - th, gy + side - arm, th, arm},
    };
    for (int i = 0; i < 8; i++)
        ui_fill(&k->ui, bars[i], g);
}

/* The languages, each in its own words, the chosen one filled: cols to a
 * row from (left, top), each bw x bh layout units, gap apart. Right to left,
 * the row reads from the right, as the rest of the screen. */
static void language_buttons(struct kiosk *k, float left, float top, float bw, float bh,
                             float gap, int cols)
{
    for (int i = 0; i < (int)flow_n_languages; i++) {
        const struct flow_language *lang = &flow_languages[i];
        int col = i % cols, row = i / cols;
        SDL_Rect r = ui_rect(&k->ui, left + col * (bw + gap), top + row * (bh + gap), bw, bh);
        char id[24];
        snprintf(id, sizeof id, "lang-%s", lang->code);
        bool chosen = k->view->language && strcmp(k->view->language, lang->code) == 0;
        button(k, id, r, lang->name, chosen ? FILLED : OUTLINED, KIOSK_ACT_LANGUAGE, i);
    }
}

/* The languages in one row of the width left beside a screen's bottom
 * buttons: someone who scanned first and reads the answer in the wrong
 * language can still switch. */
static void language_row(struct kiosk *k, float left, float top, float width, float height)
{
    float gap = 1.5f;
    int n = (int)flow_n_languages;
    language_buttons(k, left, top, (width - (n - 1) * gap) / n, height, gap, n);
}

static void draw_welcome(struct kiosk *k)
{
    const struct ui_theme *t = k->ui.theme;
    float w = W(k), h = H(k);
    header(k);
    SDL_Rect text_area, cam;
    if (portrait(k)) {
        text_area = ui_rect(&k->ui, 8, 14, w - 16, 40);
        cam = ui_rect_abs(&k->ui, w * 0.2f, 58, w * 0.6f, w * 0.6f);
    } else {
        text_area = ui_rect(&k->ui, 8, 16, w * 0.5f, 60);
        cam = ui_rect(&k->ui, w * 0.6f, 14, w * 0.4f - 6, 52);
    }
    int y = text_area.y;
    y += ui_text(&k->ui, _("Welcome"), px(k, 10), true, t->ink,
                 (SDL_Rect){text_area.x, y, text_area.w, px(k, 15)}, ui_lead(&k->ui));
    y += px(k, 3);
    y += ui_text(&k->ui, _("Hold the QR code from your invitation up to the camera or the scanner."),
                 px(k, 4.6f), false, t->ink, (SDL_Rect){text_area.x, y, text_area.w, px(k, 30)},
                 ui_lead(&k->ui));
    y += px(k, 3);
    /* A printer known to be down: no promise of a badge here (flow.h). */
    if (k->view->printer_down)
        ui_text(&k->ui,
                _("The badge printer is not working just now: you can still check in here, and "
                  "the staff desk will give you your badge."),
                px(k, 3.2f), true, t->warn, (SDL_Rect){text_area.x, y, text_area.w, px(k, 16)},
                ui_lead(&k->ui));
    else
        ui_text(&k->ui, _("Your badge prints right here in a few seconds."), px(k, 3.2f), false,
                t->muted, (SDL_Rect){text_area.x, y, text_area.w, px(k, 12)}, ui_lead(&k->ui));
    camera_panel(k, cam);

    /* The languages, each in its own words; the chosen one filled. One row
     * across a landscape screen, two on a portrait one. */
    float bw, bh = 9, gap = 2;
    int n_langs = (int)flow_n_languages;
    int cols = portrait(k) ? (n_langs + 1) / 2 : n_langs;
    float left = 6, top = portrait(k) ? h - 34 : h - 20;
    bw = (w - 2 * left - (cols - 1) * gap) / cols;
    ui_text(&k->ui, _("Choose your language"), px(k, 2.4f), false, t->muted,
            ui_rect(&k->ui, left, top - 5, w - 2 * left, 4), ui_lead(&k->ui));
    language_buttons(k, left, top, bw, bh, gap, cols);
    /* Below the camera in landscape, above the languages in portrait. */
    SDL_Rect tog;
    tog = portrait(k) ? ui_rect(&k->ui, w - 6 - 34, h - 46, 34, 7)
                      : ui_rect(&k->ui, w * 0.6f, 14 + 52 + 2.5f, w * 0.4f - 6, 7);
    button(k, "contrast", tog, k->contrast ? _("Standard text") : _("Large text"), QUIET,
           KIOSK_ACT_CONTRAST, 0);
    camera_notice(k);
}

/* ---- result screens ---- */

enum tone { TONE_OK, TONE_INFO, TONE_WARN, TONE_BAD };

struct look {
    enum tone tone;
    enum ui_icon icon;
    const char *title; /* may hold one %s: the name */
    const char *body;  /* may hold one %s: the name or the time */
};

static const struct look looks[FLOW_N_SCREENS] = {
    [FLOW_CHECKED_IN] = {TONE_OK, UI_ICON_TICK, N_("Welcome, %s!"), N_("You are checked in.")},
    [FLOW_CORRECTION] = {TONE_WARN, UI_ICON_BANG, N_("Please go to the staff desk"),
                         N_("We have noted that your details need correcting. The staff desk "
                            "will correct them and print your badge.")},
    [FLOW_PRINTING] = {TONE_INFO, UI_ICON_PRINTER, N_("Printing your badge…"),
                       N_("Your badge has gone to the printer.")},
    [FLOW_PRINTED] = {TONE_OK, UI_ICON_TICK, N_("Please take your badge"),
                      N_("Enjoy the meeting, %s.")},
    [FLOW_WELCOME_BACK] = {TONE_OK, UI_ICON_TICK, N_("Welcome back, %s!"),
                           N_("You are checked in for today. Please wear the badge you already "
                              "have.")},
    [FLOW_ALREADY_CHECKED_IN] = {TONE_INFO, UI_ICON_INFO, N_("You are already checked in"),
                                 N_("You checked in today at %s. One badge per person: the staff "
                                    "desk replaces lost badges.")},
    [FLOW_OTHER_DAY] = {TONE_WARN, UI_ICON_BANG, N_("Not registered for today"),
                        N_("Your registration is for another day of the event. Please see the "
                           "staff desk if this is wrong.")},
    [FLOW_WITHDRAWN] = {TONE_BAD, UI_ICON_CROSS, N_("Registration cancelled"),
                        N_("This registration has been cancelled. Please see the staff desk.")},
    [FLOW_INVALID] = {TONE_BAD, UI_ICON_CROSS, N_("Code not recognised"),
                      N_("This code is not a valid invitation for this event. Please see the "
                         "staff desk.")},
    [FLOW_NO_EVENT_TODAY] = {TONE_WARN, UI_ICON_INFO, N_("No session today"),
                             N_("No part of the event is held today. Please see the staff "
                                "desk.")},
    [FLOW_PRINTER_TROUBLE] = {TONE_WARN, UI_ICON_PRINTER, N_("You are checked in"),
                              N_("The printer needs attention, so your badge could not be "
                                 "printed. Please see the staff desk: they will hand it to "
                                 "you.")},
    [FLOW_STORE_ERROR] = {TONE_BAD, UI_ICON_CROSS, N_("Check-in not saved"),
                          N_("Something went wrong and your check-in was not saved. Please see "
                             "the staff desk.")},
};

static SDL_Color tone_colour(const struct kiosk *k, enum tone tone)
{
    const struct ui_theme *t = k->ui.theme;
    return tone == TONE_OK ? t->ok : tone == TONE_INFO ? t->info : tone == TONE_WARN ? t->warn : t->bad;
}

/* The screen's own colour as a band down the leading edge, the icon, the
 * title and the words. Returns the y below the body. */
static int result_block(struct kiosk *k, const struct look *l, SDL_Rect area, const char *arg)
{
    const struct ui_theme *t = k->ui.theme;
    SDL_Color accent = tone_colour(k, l->tone);
    float rad = 9;
    int cy = area.y + px(k, rad);
    int cx = k->ui.rtl ? area.x + area.w - px(k, rad) : area.x + px(k, rad);
    ui_icon(&k->ui, l->icon, (float)cx, (float)cy, (float)px(k, rad), accent, t->on_accent);
    char buf[1400];
    int y = area.y + px(k, 2 * rad + 4);
    snprintf(buf, sizeof buf, _(l->title), arg ? arg : "");
    y += ui_text(&k->ui, buf, px(k, 7.5f), true, t->ink, (SDL_Rect){area.x, y, area.w, px(k, 30)},
                 ui_lead(&k->ui));
    y += px(k, 3);
    snprintf(buf, sizeof buf, _(l->body), arg ? arg : "");
    y += ui_text(&k->ui, buf, px(k, 4.2f), false, t->ink, (SDL_Rect){area.x, y, area.w, px(k, 40)},
                 ui_lead(&k->ui));
    return y;
}

/* How long until the screen goes back to welcome, as a shrinking bar. */
static void return_bar(struct kiosk *k, enum tone tone)
{
    float elapsed = (SDL_GetTicks64() - k->shown_ticks) / 1000.0f;
    float left = 1 - elapsed / (k->result_seconds > 0 ? k->result_seconds : 8);
    if (left < 0)
        left = 0;
    float w = W(k);
    ui_fill(&k->ui, ui_rect_abs(&k->ui, 0, H(k) - 1.2f, w, 1.2f), k->ui.theme->line);
    ui_fill(&k->ui, ui_rect(&k->ui, 0, H(k) - 1.2f, w * left, 1.2f), tone_colour(k, tone));
}

/* Small print for staff (why a code was refused, what the printer said). */
static void staff_detail(struct kiosk *k, const char *text)
{
    if (!text || !*text)
        return;
    char buf[1400];
    snprintf(buf, sizeof buf, _("For staff: %s"), text);
    ui_text(&k->ui, buf, px(k, 2.2f), false, k->ui.theme->muted,
            ui_rect(&k->ui, 8, H(k) - 14, W(k) - 16, 8), ui_lead(&k->ui));
}

static void done_button(struct kiosk *k)
{
    float w = W(k), h = H(k);
    SDL_Rect r = ui_rect(&k->ui, w - 8 - 32, h - 24, 32, 10);
    button(k, "done", r, _("Done"), OUTLINED, KIOSK_ACT_TOUCH, FLOW_BUTTON_DONE);
}

static void draw_result(struct kiosk *k)
{
    const struct flow_view *v = k->view;
    const struct look *l = &looks[v->screen];
    header(k);
    const char *arg = v->name;
    if (v->screen == FLOW_ALREADY_CHECKED_IN)
        arg = v->first_at;
    struct look other_day;
    char *parts = NULL;
    if (v->screen == FLOW_OTHER_DAY && v->n_parts > 0) {
        /* Say what the person is registered for, so they need not queue at
         * the desk to learn it. */
        other_day = *l;
        other_day.body = N_("Your registration is for:\n%s\nPlease see the staff desk if this "
                            "is wrong.");
        l = &other_day;
        arg = parts = badgetext_parts_words_new(v->parts, v->n_parts);
    }
    SDL_Rect area = ui_rect(&k->ui, 8, 16, W(k) - 16, H(k) - 40);
    int y = result_block(k, l, area, arg);
    free(parts);
    if (v->screen == FLOW_STORE_ERROR && v->store_status == BK_ERR_FULL)
        ui_text(&k->ui, _("The kiosk's disk is full."), px(k, 3.2f), true, tone_colour(k, l->tone),
                (SDL_Rect){area.x, y + px(k, 2), area.w, px(k, 8)}, ui_lead(&k->ui));
    if (v->screen == FLOW_INVALID && v->reason != TOKEN_OK)
        staff_detail(k, token_reason_text(v->reason));
    else
        staff_detail(k, v->problem);
    done_button(k);
    language_row(k, 8, H(k) - 24, W(k) - 8 - 32 - 4 - 8, 10);
    return_bar(k, l->tone);
    camera_notice(k);
}

/* Where the person's badge is: its place in the print queue and, once the
 * printer's time per badge has been measured, when it should be out. The
 * twentieth person in a queue must not read "a few seconds". */
static void badge_whereabouts(const struct flow_view *v, char *buf, size_t n)
{
    char place[160], when[160] = "";
    int ahead = v->queue_place - 1;
    if (ahead <= 0)
        snprintf(place, sizeof place, "%s", _("Your badge is next at the printer."));
    else if (ahead == 1 && v->printing_before[0])
        /* Two people at the tray: say whose badge comes out first. */
        snprintf(place, sizeof place, _("%s's badge comes out first, then yours."),
                 v->printing_before);
    else
        snprintf(place, sizeof place,
                 P_("%d badge is ahead of yours at the printer.",
                    "%d badges are ahead of yours at the printer.", ahead),
                 ahead);
    int s = v->ready_seconds;
    if (s > 90)
        snprintf(when, sizeof when, P_("Ready in about %d minute.", "Ready in about %d minutes.",
                                       (s + 30) / 60),
                 (s + 30) / 60);
    else if (s > 0)
        snprintf(when, sizeof when, P_("Ready in about %d second.", "Ready in about %d seconds.", s),
                 s);
    snprintf(buf, n, "%s%s%s", place, when[0] ? " " : "", when);
}

static void draw_printing(struct kiosk *k)
{
    const struct ui_theme *t = k->ui.theme;
    const struct look *l = &looks[FLOW_PRINTING];
    header(k);
    SDL_Rect area = ui_rect(&k->ui, 8, 16, W(k) - 16, H(k) - 40);
    int y = result_block(k, l, area, k->view->name);
    /* Progress: badges take a few seconds; the bar fills towards 90 % over
     * them and waits there for the printer's word, so it never lies about
     * being finished. */
    float elapsed = (SDL_GetTicks64() - k->shown_ticks) / 1000.0f;
    float frac = 0.9f * (1 - 1 / (1 + elapsed / 2.5f));
    SDL_Rect bar = {area.x, y + px(k, 5), area.w, px(k, 3)};
    ui_round(&k->ui, bar, bar.h / 2, t->line);
    SDL_Rect fill = bar;
    fill.w = (int)(bar.w * frac);
    if (fill.w < bar.h)
        fill.w = bar.h;
    if (k->ui.rtl)
        fill.x = bar.x + bar.w - fill.w;
    ui_round(&k->ui, fill, bar.h / 2, t->info);
    if (k->view->queue_place > 1 || k->view->ready_seconds > 0) {
        char buf[400];
        badge_whereabouts(k->view, buf, sizeof buf);
        ui_text(&k->ui, buf, px(k, 3.6f), true, t->ink,
                (SDL_Rect){area.x, bar.y + bar.h + px(k, 4), area.w, px(k, 12)}, ui_lead(&k->ui));
    }
    camera_notice(k);
}

static void draw_checked_in(struct kiosk *k)
{
    const struct ui_theme *t = k->ui.theme;
    const struct flow_view *v = k->view;
    float w = W(k), h = H(k);
    header(k);
    SDL_Rect area, pv;
    if (portrait(k)) {
        area = ui_rect(&k->ui, 8, 14, w - 16, 60);
        pv = ui_rect_abs(&k->ui, 12, 84, w - 24, h - 84 - 30);
    } else {
        area = ui_rect(&k->ui, 8, 16, w * 0.46f, 60);
        pv = ui_rect(&k->ui, w * 0.52f, 16, w * 0.48f - 8, 58);
    }
    int y = result_block(k, &looks[FLOW_CHECKED_IN], area, v->name);
    char buf[512];
    if (v->badge_needed) {
        badge_whereabouts(v, buf, sizeof buf);
        y += px(k, 3);
        /* Shrunk to the room above the buttons: with the name of the person
         * before, it may need two lines. */
        ui_text_mid(&k->ui, buf, px(k, 4.2f), true, t->ok, (SDL_Rect){area.x, y, area.w, px(k, 6)},
                    ui_lead(&k->ui));
    } else if (v->badge_at_desk) {
        y += px(k, 3);
        ui_text(&k->ui,
                _("The badge printer is not working just now: please collect your badge at the "
                  "staff desk."),
                px(k, 3.2f), true, t->warn, (SDL_Rect){area.x, y, area.w, px(k, 12)},
                ui_lead(&k->ui));
    }
    /* The badge preview on a soft shadow, with its caption. */
    if (k->preview) {
        float s = (float)pv.w / k->preview_w;
        if (k->preview_h * s > pv.h - px(k, 6))
            s = (float)(pv.h - px(k, 6)) / k->preview_h;
        SDL_Rect dst = {pv.x + (pv.w - (int)(k->preview_w * s)) / 2, pv.y,
                        (int)(k->preview_w * s), (int)(k->preview_h * s)};
        SDL_Rect shadow = {dst.x + px(k, 0.8f), dst.y + px(k, 0.8f), dst.w, dst.h};
        ui_round(&k->ui, shadow, px(k, 1), t->line);
        SDL_RenderCopy(k->ui.r, k->preview, NULL, &dst);
        ui_text(&k->ui, _("Your badge"), px(k, 2.6f), false, t->muted,
                (SDL_Rect){pv.x, dst.y + dst.h + px(k, 1.5f), pv.w, px(k, 5)}, UI_CENTRE);
    }
    SDL_Rect wrong, now;
    if (portrait(k)) {
        wrong = ui_rect(&k->ui, 8, h - 24, (w - 20) / 2, 10);
        now = ui_rect(&k->ui, 12 + (w - 20) / 2, h - 24, (w - 20) / 2, 10);
    } else {
        wrong = ui_rect(&k->ui, 8, h - 22, 52, 10);
        now = ui_rect(&k->ui, w - 8 - 40, h - 22, 40, 10);
    }
    button(k, "details-wrong", wrong, _("My details are wrong"), OUTLINED, KIOSK_ACT_TOUCH,
           FLOW_BUTTON_DETAILS_WRONG);
    if (v->badge_needed)
        button(k, "print-now", now, _("Print now"), FILLED, KIOSK_ACT_TOUCH, FLOW_BUTTON_DONE);
    else if (v->badge_at_desk)
        button(k, "done", now, _("Done"), OUTLINED, KIOSK_ACT_TOUCH, FLOW_BUTTON_DONE);
    /* Below the buttons, across the screen. */
    language_row(k, 8, h - (portrait(k) ? 12.5f : 10.5f), w - 16, 8);
    camera_notice(k);
}

/* ---- staff ---- */

static void draw_pin(struct kiosk *k)
{
    const struct ui_theme *t = k->ui.theme;
    const struct flow_view *v = k->view;
    float w = W(k), h = H(k);
    float pad_w = portrait(k) ? w * 0.7f : 54, key = (pad_w - 2 * 3) / 3, keyh = 11;
    float pad_x = portrait(k) ? (w - pad_w) / 2 : w * 0.55f;
    float pad_y = portrait(k) ? 70 : 14;
    SDL_Rect info = portrait(k) ? ui_rect(&k->ui, 8, 10, w - 16, 55)
                                : ui_rect(&k->ui, 10, 14, w * 0.4f, 70);
    int cx = k->ui.rtl ? info.x + info.w - px(k, 7) : info.x + px(k, 7);
    ui_icon(&k->ui, UI_ICON_LOCK, (float)cx, (float)(info.y + px(k, 7)), (float)px(k, 7), t->info,
            t->on_accent);
    int y = info.y + px(k, 18);
    y += ui_text(&k->ui, _("Staff PIN"), px(k, 7), true, t->ink,
                 (SDL_Rect){info.x, y, info.w, px(k, 12)}, ui_lead(&k->ui));
    y += ui_text(&k->ui, _("Enter the staff PIN to open the staff desk."), px(k, 3.4f), false,
                 t->muted, (SDL_Rect){info.x, y + px(k, 1), info.w, px(k, 12)}, ui_lead(&k->ui));
    /* The digits so far, as dots in boxes. */
    y += px(k, 5);
    for (int i = 0; i < 6; i++) {
        float bx = (float)(k->ui.rtl ? info.x + info.w - px(k, 8) - i * px(k, 9.5f)
                                     : info.x + i * px(k, 9.5f));
        SDL_Rect box = {(int)bx, y, px(k, 8), px(k, 9)};
        ui_round(&k->ui, box, px(k, 1.2f), t->panel);
        ui_round_outline(&k->ui, box, px(k, 1.2f), px(k, 0.3f) + 1,
                         (size_t)i < v->pin_len ? t->info : t->line);
        if ((size_t)i < v->pin_len)
            ui_disc(&k->ui, box.x + box.w / 2.0f, box.y + box.h / 2.0f, (float)px(k, 1.6f), t->ink);
    }
    y += px(k, 13);
    char buf[200];
    if (v->pin_locked_seconds > 0)
        snprintf(buf, sizeof buf,
                 P_("Too many wrong PINs. Try again in %d second.",
                    "Too many wrong PINs. Try again in %d seconds.", v->pin_locked_seconds),
                 v->pin_locked_seconds);
    else
        snprintf(buf, sizeof buf, P_("%d try left.", "%d tries left.", v->pin_tries_left),
                 v->pin_tries_left);
    ui_text(&k->ui, buf, px(k, 3.2f), v->pin_locked_seconds > 0,
            v->pin_locked_seconds > 0 ? t->bad : t->muted, (SDL_Rect){info.x, y, info.w, px(k, 10)},
            ui_lead(&k->ui));
    static const char keys[12] = {'1', '2', '3', '4', '5', '6', '7', '8', '9', 'E', '0', 'K'};
    for (int i = 0; i < 12; i++) {
        /* Digits in telephone order in every language: not mirrored. */
        SDL_Rect r = ui_rect_abs(&k->ui, pad_x + (i % 3) * (key + 3), pad_y + (i / 3) * (keyh + 3),
                                 key, keyh);
        char id[24], label[8];
        if (keys[i] == 'E') {
            button(k, "pin-erase", r, _("Erase"), OUTLINED, KIOSK_ACT_PIN_ERASE, 0);
        } else if (keys[i] == 'K') {
            button(k, "pin-ok", r, _("OK"), FILLED, KIOSK_ACT_PIN_OK, 0);
        } else {
            snprintf(id, sizeof id, "pin-%c", keys[i]);
            snprintf(label, sizeof label, "%c", keys[i]);
            button(k, id, r, label, OUTLINED, KIOSK_ACT_PIN_DIGIT, keys[i]);
        }
    }
    button(k, "back", ui_rect(&k->ui, 10, h - 18, 36, 10), _("Back"), QUIET, KIOSK_ACT_TOUCH,
           FLOW_BUTTON_BACK);
}

static const char *outcome_words(enum checkin_outcome o)
{
    switch (o) {
    case CHECKIN_CHECKED_IN:
        return _("checked in");
    case CHECKIN_ALREADY_CHECKED_IN:
        return _("already checked in today");
    case CHECKIN_NOT_REGISTERED_TODAY:
        return _("not registered for today");
    case CHECKIN_WITHDRAWN:
        return _("registration cancelled");
    case CHECKIN_UNKNOWN:
        return _("unknown registration");
    case CHECKIN_INVALID:
        return _("invalid code");
    case CHECKIN_NO_EVENT_TODAY:
        return _("no event today");
    }
    return "";
}

/* What the last staff command came to, in words. */
static void staff_message(const struct kiosk *k, char *buf, size_t n, SDL_Color *c)
{
    const struct flow_staff *s = k->view->staff;
    const struct ui_theme *t = k->ui.theme;
    *c = t->ink;
    buf[0] = '\0';
    switch (s->last) {
    case FLOW_STAFF_NONE:
        snprintf(buf, n, "%s", k->staff_note);
        break;
    case FLOW_STAFF_CHECKED:
        snprintf(buf, n, _("%s (%s): %s."), s->last_name[0] ? s->last_name : s->last_id, s->last_id,
                 outcome_words(s->last_outcome));
        if (s->overridden && strlen(buf) + 1 < n)
            snprintf(buf + strlen(buf), n - strlen(buf), " %s",
                     _("Admitted as a desk exception: the event log says so."));
        else if (s->can_override && strlen(buf) + 1 < n)
            snprintf(buf + strlen(buf), n - strlen(buf), " %s",
                     _("The desk may admit them anyway: \"Check in anyway\"."));
        if (s->first_instead && strlen(buf) + 1 < n)
            snprintf(buf + strlen(buf), n - strlen(buf), " %s",
                     _("No earlier badge to replace: this is their first badge, printed only "
                       "when they are checked in today."));
        *c = s->last_outcome == CHECKIN_CHECKED_IN ? t->ok : t->warn;
        break;
    case FLOW_STAFF_REPRINT_SENT:
        snprintf(buf, n, _("One replacement badge for %s (%s) is printing; the badge before it no longer scans."),
                 s->last_name[0] ? s->last_name : s->last_id, s->last_id);
        *c = t->ok;
        break;
    case FLOW_STAFF_REPRINT_REPEATED:
        snprintf(buf, n, _("A replacement for %s (%s) was sent a moment ago: this tap printed nothing."),
                 s->last_name[0] ? s->last_name : s->last_id, s->last_id);
        *c = t->warn;
        break;
    case FLOW_STAFF_QUIT_ASKED:
        if (s->quit_waiting == 0)
            snprintf(buf, n, "%s",
                     _("Quit the kiosk? Tap \"Yes, quit\" to quit; Esc or anything else keeps "
                       "the kiosk running."));
        else
            snprintf(buf, n,
                     P_("Quit the kiosk? %zu badge is still to print here: it stays in the store "
                        "for \"print waiting badges\". Tap \"Yes, quit\" to quit; Esc or "
                        "anything else keeps the kiosk running.",
                        "Quit the kiosk? %zu badges are still to print here: they stay in the "
                        "store for \"print waiting badges\". Tap \"Yes, quit\" to quit; Esc or "
                        "anything else keeps the kiosk running.",
                        s->quit_waiting),
                     s->quit_waiting);
        *c = t->warn;
        break;
    case FLOW_STAFF_REASON_NEEDED:
        snprintf(buf, n, "%s", _("A reprint needs a reason."));
        *c = t->bad;
        break;
    case FLOW_STAFF_NOT_FOUND:
        snprintf(buf, n, _("No registration %s."), s->last_id);
        *c = t->bad;
        break;
    case FLOW_STAFF_PRINTS_SENT:
        snprintf(buf, n, "%s", _("Waiting badges sent to the printer."));
        *c = t->ok;
        break;
    case FLOW_STAFF_STORE_FAILED:
        snprintf(buf, n, "%s", s->problem);
        *c = t->bad;
        break;
    case FLOW_STAFF_CORRECTION_CLEARED:
        snprintf(buf, n, _("Correction request of %s (%s) cleared; their badge is printing."),
                 s->last_name[0] ? s->last_name : s->last_id, s->last_id);
        *c = t->ok;
        break;
    }
}

/* A status card: a label, a big value and a line of detail. */
static void card(struct kiosk *k, SDL_Rect r, const char *label, const char *value, SDL_Color vc,
                 const char *detail)
{
    const struct ui_theme *t = k->ui.theme;
    ui_round(&k->ui, r, px(k, 1.5f), t->panel);
    ui_round_outline(&k->ui, r, px(k, 1.5f), 1, t->line);
    SDL_Rect in = {r.x + px(k, 2), r.y + px(k, 1.2f), r.w - px(k, 4), r.h - px(k, 2.4f)};
    int y = in.y;
    y += ui_text(&k->ui, label, px(k, 2.2f), false, t->muted, (SDL_Rect){in.x, y, in.w, px(k, 4)},
                 ui_lead(&k->ui));
    y += ui_text(&k->ui, value, px(k, 4), true, vc, (SDL_Rect){in.x, y, in.w, px(k, 7)},
                 ui_lead(&k->ui));
    /* A printer's error can be long (its reasons, a URI): it stays inside
     * the card, cut with "…", the whole of it in the kiosk's log. */
    if (detail && *detail)
        ui_text_boxed(&k->ui, detail, px(k, 1.8f), false, t->muted,
                      (SDL_Rect){in.x, y, in.w, r.y + r.h - px(k, 0.6f) - y}, ui_lead(&k->ui));
}

/* The staff screen's two columns, in layout units: search and actions on
 * the left, status on the right; one above the other on a portrait screen. */
struct staff_columns {
    bool tall;
    float lw;     /* the search column's width (it starts at 6) */
    float rx, rw; /* the status column */
};

static struct staff_columns staff_columns(const struct kiosk *k)
{
    struct staff_columns c;
    float w = W(k);
    c.tall = portrait(k);
    c.lw = c.tall ? w - 12 : w * 0.56f;
    c.rx = c.tall ? 6 : 6 + c.lw + 4;
    c.rw = c.tall ? w - 12 : w - c.rx - 6;
    return c;
}

/* The title and the search box, with what has been typed and a caret. */
static void staff_search_box(struct kiosk *k, const struct staff_columns *c)
{
    const struct ui_theme *t = k->ui.theme;
    const struct flow_staff *s = k->view->staff;
    ui_text_mid(&k->ui, _("Staff desk"), px(k, 5), true, t->ink, ui_rect(&k->ui, 6, 2, c->lw, 8),
                ui_lead(&k->ui));
    SDL_Rect box = ui_rect(&k->ui, 6, 12, c->lw, 9);
    ui_round(&k->ui, box, px(k, 1.5f), t->panel);
    ui_round_outline(&k->ui, box, px(k, 1.5f), px(k, 0.3f) + 1, t->info);
    SDL_Rect in = {box.x + px(k, 2.5f), box.y, box.w - px(k, 5), box.h};
    if (s->query[0]) {
        char q[300];
        snprintf(q, sizeof q, "%s▏", s->query);
        ui_text_mid(&k->ui, q, px(k, 3.6f), false, t->ink, in, ui_lead(&k->ui));
    } else {
        ui_text_mid(&k->ui, _("Type a name or organisation to search"), px(k, 3.2f), false,
                    t->muted, in, ui_lead(&k->ui));
    }
}

/* Where a hit stands today, in words: in or not, and for which parts. */
static void hit_standing(const struct flow_hit_standing *h, char *buf, size_t n)
{
    buf[0] = '\0';
    if (h->checked_in && h->overridden)
        snprintf(buf, n, _("checked in at %s (desk exception)"), h->first_at);
    else if (h->checked_in)
        snprintf(buf, n, _("checked in at %s for %s"), h->first_at, h->parts);
    else if (h->would_be == CHECKIN_CHECKED_IN)
        snprintf(buf, n, _("not checked in yet; today: %s"), h->parts);
    else if (h->would_be == CHECKIN_NOT_REGISTERED_TODAY)
        snprintf(buf, n, "%s", _("not registered for today"));
}

/* The hits from y down, a row each (rows at most, row_h high); touching one
 * selects it. */
static void staff_hits(struct kiosk *k, const struct staff_columns *c, float y, size_t rows,
                       float row_h)
{
    const struct ui_theme *t = k->ui.theme;
    const struct flow_staff *s = k->view->staff;
    if (s->n_hits == 0 && s->query[0])
        ui_text(&k->ui, _("No one found."), px(k, 3), false, t->muted,
                ui_rect(&k->ui, 8, y + 1, c->lw - 4, 6), ui_lead(&k->ui));
    for (size_t i = 0; i < s->n_hits && i < rows; i++) {
        const struct finder_hit *hit = &s->hits[i];
        SDL_Rect r = ui_rect(&k->ui, 6, y + i * (row_h + 1), c->lw, row_h);
        bool sel = (int)i == k->selected;
        ui_round(&k->ui, r, px(k, 1.2f), sel ? t->info : t->panel);
        SDL_Color ink = sel ? t->on_accent : t->ink;
        SDL_Rect name = {r.x + px(k, 2), r.y + px(k, 0.6f), r.w - px(k, 4), px(k, 3.8f)};
        ui_text_mid(&k->ui, hit->name, px(k, 3), true, ink, name, ui_lead(&k->ui));
        char line[800], standing[300];
        hit_standing(&s->standing[i], standing, sizeof standing);
        snprintf(line, sizeof line, "%s · %s%s%s%s%s%s", hit->id, standing[0] ? standing : "",
                 standing[0] ? " · " : "", hit->organization ? hit->organization : "",
                 hit->country && *hit->country ? " · " : "", hit->country ? hit->country : "",
                 hit->withdrawn ? _(" · cancelled") : "");
        SDL_Rect sub = {name.x, name.y + name.h, name.w, px(k, 2.6f)};
        ui_text_mid(&k->ui, line, px(k, 2), false, sel ? t->on_accent : t->muted, sub,
                    ui_lead(&k->ui));
        char id[24];
        snprintf(id, sizeof id, "hit-%zu", i);
        add_button(k, id, r, KIOSK_ACT_SELECT, (int)i);
    }
}

/* What staff can do to the selected person, at ay, and below it what the
 * last command came to. */
static void staff_actions(struct kiosk *k, const struct staff_columns *c, float ay)
{
    float bw = (c->lw - 3 * 2) / 4;
    button(k, "checkin", ui_rect(&k->ui, 6, ay, bw, 8), _("Check in"), FILLED, KIOSK_ACT_CHECKIN,
           0);
    static const char *reason_labels[KIOSK_N_REASONS] = {
        N_("Reprint: lost"), N_("Reprint: damaged"), N_("Reprint: name fixed")};
    static const char *reason_ids[KIOSK_N_REASONS] = {"reprint-lost", "reprint-damaged",
                                                      "reprint-name"};
    for (int i = 0; i < KIOSK_N_REASONS; i++)
        button(k, reason_ids[i], ui_rect(&k->ui, 6 + (i + 1) * (bw + 2), ay, bw, 8),
               _(reason_labels[i]), OUTLINED, KIOSK_ACT_REPRINT, i);
    char msg[1400];
    SDL_Color mc;
    staff_message(k, msg, sizeof msg, &mc);
    const struct flow_staff *s = k->view->staff;
    bool offer = s->last == FLOW_STAFF_CHECKED && s->can_override;
    float mw = offer ? c->lw - bw - 2 : c->lw;
    ui_text(&k->ui, msg, px(k, 2.6f), true, mc, ui_rect(&k->ui, 6, ay + 10, mw, 8),
            ui_lead(&k->ui));
    /* The exception is the desk's to make, and made on purpose: a second
     * button, shown only once the rules said no. */
    if (offer)
        button(k, "checkin-override", ui_rect(&k->ui, 6 + mw + 2, ay + 10, bw, 8),
               _("Check in anyway"), OUTLINED, KIOSK_ACT_CHECKIN_OVERRIDE, 0);
}

/* The status column from sy down: today's counts, printing the waiting
 * badges, the printer and the camera. */
static void staff_status(struct kiosk *k, const struct staff_columns *c, float sy)
{
    const struct ui_theme *t = k->ui.theme;
    const struct flow_staff *s = k->view->staff;
    float rx = c->rx, rw = c->rw, cw = (rw - 2) / 2;
    char n1[32], n2[32];
    snprintf(n1, sizeof n1, "%zu", s->checked_in_today);
    snprintf(n2, sizeof n2, "%zu", s->pending_prints);
    card(k, ui_rect(&k->ui, rx, sy, cw, 11), _("Checked in today"), n1, t->ink, NULL);
    card(k, ui_rect(&k->ui, rx + cw + 2, sy, cw, 11), _("Badges waiting"), n2,
         s->pending_prints ? t->warn : t->ink, NULL);
    char pbuf[64];
    snprintf(pbuf, sizeof pbuf, _("Print waiting badges (%zu)"), s->pending_prints);
    button(k, "pending", ui_rect(&k->ui, rx, sy + 13, rw, 7.5f), pbuf, OUTLINED, KIOSK_ACT_PENDING,
           0);
    /* A printer found down needs attention before any badge fails there. */
    bool trouble = s->printer_trouble || k->view->printer_down;
    const char *pstate = trouble ? _("Needs attention")
                         : k->printer_busy  ? _("Printing")
                                            : _("Ready");
    k->printer_card = ui_rect(&k->ui, rx, sy + 22.5f, rw, 15);
    card(k, k->printer_card, _("Printer"), pstate, trouble ? t->bad : t->ok,
         s->printer_trouble && s->printer_problem[0] ? s->printer_problem : k->printer_status);
    const char *cstate = !k->has_source      ? _("No camera: scanner only")
                         : s->camera_missing ? _("Missing: scanner only")
                                             : _("Working");
    card(k, ui_rect(&k->ui, rx, sy + 39.5f, rw, 9.5f), _("Camera"), cstate,
         k->has_source && s->camera_missing ? t->bad : t->ink, NULL);
}

/* The correction requests in the panel cr, newest first, as many as fit. */
static void staff_corrections(struct kiosk *k, SDL_Rect cr)
{
    const struct ui_theme *t = k->ui.theme;
    const struct flow_staff *s = k->view->staff;
    ui_round(&k->ui, cr, px(k, 1.5f), t->panel);
    ui_round_outline(&k->ui, cr, px(k, 1.5f), 1, t->line);
    int cy = cr.y + px(k, 1.2f);
    SDL_Rect cin = {cr.x + px(k, 2), cy, cr.w - px(k, 4), cr.h};
    char title[160];
    /* The print queue first, when there is one: whose badge is at this
     * kiosk's printer, and how long. */
    if (s->queue_len > 0) {
        if (s->badge_ms > 0)
            snprintf(title, sizeof title, _("Print queue (%zu, about %d s a badge)"),
                     s->queue_len, (s->badge_ms + 500) / 1000);
        else
            snprintf(title, sizeof title, _("Print queue (%zu)"), s->queue_len);
        cy += ui_text(&k->ui, title, px(k, 2.2f), false, t->muted,
                      (SDL_Rect){cin.x, cy, cin.w, px(k, 4)}, ui_lead(&k->ui));
        for (size_t i = 0; i < s->n_queue_shown && i < 3; i++) {
            const struct flow_queued_badge *b = &s->queue[i];
            char line[400];
            if (b->ready_seconds > 0)
                snprintf(line, sizeof line, _("%zu. %s (%s), in about %d s"), i + 1, b->name,
                         b->attendee_id, b->ready_seconds);
            else
                snprintf(line, sizeof line, "%zu. %s (%s)", i + 1, b->name, b->attendee_id);
            cy += ui_text(&k->ui, line, px(k, 2.3f), false, t->ink,
                          (SDL_Rect){cin.x, cy, cin.w, px(k, 4)}, ui_lead(&k->ui));
        }
        cy += px(k, 1.2f);
    }
    /* Who is owed a badge (the store's rows, whoever's queue), by name, on
     * one or two lines: the first three and how many more. */
    snprintf(title, sizeof title, _("Owed a badge (%zu)"), s->pending_prints);
    cy += ui_text(&k->ui, title, px(k, 2.2f), false, t->muted, (SDL_Rect){cin.x, cy, cin.w, px(k, 4)},
                  ui_lead(&k->ui));
    if (s->n_waiting_shown > 0) {
        char names[1200] = "";
        size_t shown = s->n_waiting_shown < 3 ? s->n_waiting_shown : 3;
        for (size_t i = 0; i < shown; i++) {
            const struct flow_waiting_badge *b = &s->waiting[i];
            size_t used = strlen(names);
            snprintf(names + used, sizeof names - used, "%s%s (%s)%s", i ? ", " : "", b->name,
                     b->attendee_id, b->held ? _(", held back: correction asked") : "");
        }
        if (s->pending_prints > shown) {
            size_t used = strlen(names);
            snprintf(names + used, sizeof names - used, _(", and %zu more"),
                     s->pending_prints - shown);
        }
        cy += ui_text(&k->ui, names, px(k, 2.3f), false, t->ink,
                      (SDL_Rect){cin.x, cy, cin.w, px(k, 8)}, ui_lead(&k->ui));
    }
    cy += px(k, 1.2f);
    snprintf(title, sizeof title, _("Correction requests (%zu)"), s->n_corrections);
    cy += ui_text(&k->ui, title, px(k, 2.2f), false, t->muted,
                  (SDL_Rect){cin.x, cy, cin.w, px(k, 4)}, ui_lead(&k->ui));
    if (s->n_corrections == 0)
        ui_text(&k->ui, _("None"), px(k, 2.4f), false, t->ink,
                (SDL_Rect){cin.x, cy, cin.w, px(k, 4)}, ui_lead(&k->ui));
    /* Each with its "Clear" button: staff settle the request and the badge
     * it held back prints. */
    int bw = px(k, 14), rh = px(k, 5);
    for (size_t i = s->n_corrections; i-- > 0 && cy + rh <= cr.y + cr.h - px(k, 1);) {
        char line[400], when[40], id[40];
        tz_format_instant(k->cfg->tz, s->corrections[i].at_ms, when);
        snprintf(line, sizeof line, "%.5s  %s (%s)", when + 11, s->corrections[i].name,
                 s->corrections[i].attendee_id);
        ui_text_mid(&k->ui, line, px(k, 2.3f), false, t->ink,
                    (SDL_Rect){cin.x, cy, cin.w - bw - px(k, 1), rh}, ui_lead(&k->ui));
        snprintf(id, sizeof id, "clear-correction-%zu", i);
        button(k, id, (SDL_Rect){cin.x + cin.w - bw, cy + px(k, 0.4f), bw, rh - px(k, 0.8f)},
               _("Clear and print"), OUTLINED, KIOSK_ACT_CLEAR_CORRECTION, (int)i);
        cy += rh;
    }
}

static void draw_staff(struct kiosk *k)
{
    if (!k->view->staff)
        return;
    struct staff_columns c = staff_columns(k);
    float h = H(k);
    staff_search_box(k, &c);
    if (k->view->offline || k->view->clock_wrong) {
        /* Beside the title: what staff must know first (the network before
         * the clock, which the network's return may be needed to check). */
        char what[160], skew[64];
        if (k->view->offline)
            offline_text(k, what, sizeof what);
        else
            snprintf(what, sizeof what, _("This kiosk's %s"),
                     store_clock_skew_text(k->view->clock_skew_s * 1000, skew, sizeof skew));
        ui_text_mid(&k->ui, what, px(k, 2.8f), true, k->ui.theme->warn,
                    ui_rect(&k->ui, W(k) * 0.35f, 2, W(k) * 0.65f - 6, 8), ui_trail(&k->ui));
    }
    float row_h = 7.2f, hits_y = 23;
    size_t rows = 6;
    staff_hits(k, &c, hits_y, rows, row_h);
    float ay = hits_y + rows * (row_h + 1) + 1;
    staff_actions(k, &c, ay);
    float sy = c.tall ? ay + 20 : 12;
    staff_status(k, &c, sy);
    staff_corrections(k, ui_rect(&k->ui, c.rx, sy + 51, c.rw, c.tall ? 22 : h - sy - 51 - 14));
    button(k, "back", ui_rect(&k->ui, c.rx, h - 11, c.rw * 0.6f, 8), _("Back to attendee screen"),
           FILLED, KIOSK_ACT_TOUCH, FLOW_BUTTON_BACK);
    bool asked = k->view->staff->last == FLOW_STAFF_QUIT_ASKED;
    button(k, "quit", ui_rect(&k->ui, c.rx + c.rw * 0.6f + 2, h - 11, c.rw * 0.4f - 2, 8),
           asked ? _("Yes, quit") : _("Quit kiosk"), asked ? FILLED : QUIET, KIOSK_ACT_TOUCH,
           FLOW_BUTTON_QUIT);
}

typedef void screen_drawer(struct kiosk *k);

static screen_drawer *const drawers[FLOW_N_SCREENS] = {
    [FLOW_WELCOME] = draw_welcome,
    [FLOW_CHECKED_IN] = draw_checked_in,
    [FLOW_CORRECTION] = draw_result,
    [FLOW_PRINTING] = draw_printing,
    [FLOW_PRINTED] = draw_result,
    [FLOW_WELCOME_BACK] = draw_result,
    [FLOW_ALREADY_CHECKED_IN] = draw_result,
    [FLOW_OTHER_DAY] = draw_result,
    [FLOW_WITHDRAWN] = draw_result,
    [FLOW_INVALID] = draw_result,
    [FLOW_NO_EVENT_TODAY] = draw_result,
    [FLOW_PRINTER_TROUBLE] = draw_result,
    [FLOW_STORE_ERROR] = draw_result,
    [FLOW_STAFF_PIN] = draw_pin,
    [FLOW_STAFF] = draw_staff,
};

void screens_draw(struct kiosk *k)
{
    k->n_buttons = 0;
    ui_begin(&k->ui);
    k->ui.theme = k->contrast ? &ui_theme_contrast : &ui_theme_calm;
    const struct flow_language *lang = flow_language_find(k->view->language);
    k->ui.rtl = lang && lang->rtl;
    background(k);
    drawers[k->view->screen](k);
}

const struct kiosk_button *screens_hit(const struct kiosk *k, int x, int y)
{
    SDL_Point p = {x, y};
    /* Last drawn is on top. */
    for (size_t i = k->n_buttons; i-- > 0;)
        if (SDL_PointInRect(&p, &k->buttons[i].r))
            return &k->buttons[i];
    return NULL;
}
