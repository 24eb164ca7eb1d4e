/* kiosk: what the SDL layer's parts share: the screen being drawn, the
 * buttons on it, and the few things the UI keeps for drawing (the camera
 * preview, the badge preview, the staff selection).
 *
 * The decisions are the flow's (door/flow.h); main.c turns input into flow
 * events and the flow's actions into work; screens.c draws the view. */
#ifndef BK_KIOSK_KIOSK_H
#define BK_KIOSK_KIOSK_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "event/config.h"
#include "door/flow.h"
#include "kiosk/draw.h"

/* What touching a button does; main.c maps each to a flow event. */
enum kiosk_action {
    KIOSK_ACT_TOUCH,     /* arg: enum flow_button */
    KIOSK_ACT_LANGUAGE,  /* arg: index in flow_languages */
    KIOSK_ACT_CONTRAST,  /* the large-text, high-contrast mode */
    KIOSK_ACT_PIN_DIGIT, /* arg: '0'-'9' */
    KIOSK_ACT_PIN_ERASE,
    KIOSK_ACT_PIN_OK,
    KIOSK_ACT_SELECT,    /* arg: index of a staff search hit */
    KIOSK_ACT_CHECKIN,   /* manual check-in of the selected person */
    KIOSK_ACT_REPRINT,   /* arg: index in kiosk_reprint_reasons */
    KIOSK_ACT_PENDING,   /* print every waiting badge */
    KIOSK_ACT_CLEAR_CORRECTION, /* arg: index in the staff view's corrections */
    KIOSK_ACT_CHECKIN_OVERRIDE, /* the desk's exception for the last person refused */
};

#define KIOSK_MAX_BUTTONS 64
#define KIOSK_N_REASONS 3
/* Stored in the badge log as given: staff-facing codes, not translated. */
extern const char *const kiosk_reprint_reasons[KIOSK_N_REASONS];

struct kiosk_button {
    char id[24]; /* stable name for tests: "lang-fr", "pin-7", "reprint-lost" */
    SDL_Rect r;
    enum kiosk_action act;
    int arg;
};

struct kiosk {
    struct ui ui;
    const struct config *cfg;
    const struct flow_view *view;
    int64_t now_ms;        /* the kiosk's clock */
    uint64_t shown_ticks;  /* SDL ticks when the screen came up */
    int result_seconds;    /* how long result screens stay */
    bool contrast;

    /* Camera or replay preview: NULL texture when there is no source. */
    bool has_source;
    SDL_Texture *camera;
    int camera_w, camera_h;

    /* CHECKED_IN: the person's badge, the same pixels as the print. */
    SDL_Texture *preview;
    int preview_w, preview_h;

    /* Staff screen. */
    int selected; /* index into view->staff->hits, -1 for none */
    char selected_id[ATTENDEE_ID_MAX + 1];
    char staff_note[512]; /* what the UI itself has to say ("select someone first") */
    char printer_status[1400];
    bool printer_busy;
    SDL_Rect printer_card; /* where the staff screen drew the printer's card */

    struct kiosk_button buttons[KIOSK_MAX_BUTTONS];
    size_t n_buttons;
};

/* Draws the view's screen (clearing first) and lists its buttons. */
void screens_draw(struct kiosk *k);

/* The button at (x, y), or NULL. */
const struct kiosk_button *screens_hit(const struct kiosk *k, int x, int y);

#endif
