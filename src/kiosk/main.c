/* badgekiosk: the check-in kiosk at the venue entrance.
 *
 * The SDL face of core/flow: it turns key presses (through wedge, which
 * tells a USB scanner's burst from typing), touches, camera codes and news,
 * finished print jobs and the clock into flow events, and turns the flow's
 * answers into screens, sounds, print requests and a language. It decides
 * nothing about people or badges itself. With badgectl's main, the only
 * place that prints to the user or exits. */
#include <errno.h>
#include <getopt.h>
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_syswm.h>

#include "badge/badge.h"
#include "badge/image.h"
#include "core/checkin.h"
#include "event/cliopts.h"
#include "event/config.h"
#include "util/err.h"
#include "door/flow.h"
#include "util/i18n.h"
#include "util/utf8.h"
#include "store/store.h"
#include "core/token.h"
#include "event/tz.h"
#include "door/pinguard.h"
#include "door/wedge.h"
#include "util/xalloc.h"
#include "kiosk/heartbeat.h"
#include "kiosk/kiosk.h"
#include "kiosk/printq.h"
#include "kiosk/sound.h"
#include "scan/source.h"

#ifndef BK_LOCALEDIR
#define BK_LOCALEDIR "/usr/share/locale"
#endif

/* The pace of a screen that moves by itself (a result screen's bar, the
 * countdown): 30 frames a second is smooth for a bar that crosses the screen
 * in seconds and the camera's preview (at most 30 fps), and half the work of
 * 60 for a small fanless PC drawing 1080p in software. Input and a new
 * screen are drawn at once, not at this pace. */
#define FRAME_MS 33

struct options {
    struct cliopts shared; /* --config, --db, --keys, --printer, --kiosk */
    const char *camera, *frames, *now, *snapshot;
    bool windowed, debug_layout;
    int width, height;
    int frames_fps; /* 0: the replay's default */
    double quit_after;
};

/* A print request the flow asked for, held until the frame is drawn: the
 * worker takes the font lock as it starts, and the "printing" screen's
 * words are made first. */
struct deferred_print {
    uint32_t id;
    char attendee[ATTENDEE_ID_MAX + 1];
    char payload[TOKEN_PAYLOAD_MAX + 1];
    char reason[256];
    bool has_payload, has_reason;
};

/* The running kiosk: what main opened and the loop's state. */
struct app {
    struct options opt;
    /* The camera frame that held the last code, CLOCK_MONOTONIC ms; 0 once
     * the screen answering it is up. Logged, for make bench. */
    double scan_frame_ms;
    struct config *cfg;
    struct store *store;
    struct token_keys *keys;
    struct flow *flow;
    struct wedge *wedge;
    struct source *source;
    struct printq *printq;
    struct heartbeat *heartbeat;
    int64_t last_scan_ms;   /* the kiosk's clock at the last code read or typed; 0: none */
    bool camera_missing;    /* the camera's last news was that it is gone */
    int64_t heartbeat_copied_ms; /* when the state was last handed to the heartbeat */
    struct sound *sound;
    struct badge_renderer *preview_renderer;
    pthread_mutex_t font_lock;
    SDL_Window *win;
    SDL_Renderer *ren;
    struct kiosk k;

    int64_t clock_base_ms;
    uint64_t start_ticks;
    bool fullscreen, allow_quit, running;
    SDL_Keycode staff_key;
    Uint16 staff_mods;

    struct deferred_print prints[8];
    size_t n_prints;
    bool pending_all;

    char search[256];
    enum flow_staff_result staff_last;
    bool was_offline; /* the shared store's state last shown */
    bool printer_down; /* the printer's state last given to the flow */
    size_t was_waiting;
    bool was_clock_wrong;
    bool preview_wanted;
    char preview_id[ATTENDEE_ID_MAX + 1];
    struct source_frame frame;

    /* Key timing from the X server (see key_time). */
    bool have_x_time;
    int64_t x_offset;   /* SDL ticks minus X server time, smallest seen */
    Uint32 x_key_time;  /* the last KeyPress's X time */

    char *pin_guard_path; /* NULL: the PIN guard is not kept (no store file) */

    /* Something on screen changed since the last frame was drawn (input,
     * a flow answer, a camera frame, printer news): the loop draws only
     * then, on animated screens and when the clock's second turns. */
    bool redraw;
    uint64_t frames_drawn;

    int snap_n;
    bool snap_pending, layout_pending;
    char snap_name[64];
};

static const char *progname = "badgekiosk";

/* Says what went wrong; returns the exit status for it (bk_exit_status,
 * the same as badgectl's). */
static int report_error(const struct bk_err *err)
{
    char buf[2048];
    fprintf(stderr, "%s: %s\n", progname, bk_err_format(err, buf, sizeof buf));
    return bk_exit_status(err->status);
}

/* One line of the kiosk's log (the journal, under systemd): the text is
 * made from fmt and escaped as a whole (utf8_escape_new), since it may
 * quote a registration ID from a code, a file name or a printer's words: a
 * control or bidi character in them cannot break or reorder the line. */
static void kiosk_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void kiosk_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = xvasprintf(fmt, ap);
    va_end(ap);
    char *shown = utf8_escape_new(line, strlen(line));
    fprintf(stderr, "%s: %s\n", progname, shown);
    free(shown);
    free(line);
}

static int64_t kiosk_now(const struct app *a)
{
    return a->clock_base_ms + (int64_t)(SDL_GetTicks64() - a->start_ticks);
}

/* ---- language ---- */

/* Where the .mo files are: build/locale beside a binary run from the source
 * tree, else the system's. */
static char *locale_dir_new(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char *candidate = xasprintf("%s/locale", exe);
            struct stat st;
            if (stat(candidate, &st) == 0 && S_ISDIR(st.st_mode))
                return candidate;
            free(candidate);
        }
    }
    return xstrdup(BK_LOCALEDIR);
}

/* Switches the translations to code (one of flow_languages). GNU gettext
 * ignores LANGUAGE in the "C" locale, hence C.UTF-8 at start-up. */
static void use_language(const char *code)
{
    const struct flow_language *lang = flow_language_find(code);
    i18n_set_language(lang ? lang->catalogue : "en");
}

/* ---- snapshots ---- */

static void want_snapshot(struct app *a, const char *name)
{
    if (!a->opt.snapshot)
        return;
    a->snap_pending = true;
    snprintf(a->snap_name, sizeof a->snap_name, "%s", name);
}

/* Writes the frame just drawn (before it is presented) as NNNN-NAME.png. */
static void take_snapshot(struct app *a)
{
    int w, h;
    SDL_GetRendererOutputSize(a->ren, &w, &h);
    struct badge_image *img = badge_image_new(w, h, 96);
    if (SDL_RenderReadPixels(a->ren, NULL, SDL_PIXELFORMAT_RGB24, img->rgb, (int)img->stride) != 0) {
        fprintf(stderr, "%s: %s %s\n", progname, _("cannot read the screen back:"), SDL_GetError());
    } else {
        char *path = xasprintf("%s/%04d-%s.png", a->opt.snapshot, ++a->snap_n, a->snap_name);
        struct bk_err err;
        bk_err_clear(&err);
        if (badge_image_write_png(img, path, &err) != BK_OK)
            report_error(&err);
        free(path);
    }
    badge_image_free(img);
    a->snap_pending = false;
}

/* ---- the flow's answers ---- */

static void defer_print(struct app *a, const struct flow_print *p)
{
    if (a->n_prints == sizeof a->prints / sizeof a->prints[0])
        return; /* the flow asks for at most two per event; drawn every frame */
    struct deferred_print *d = &a->prints[a->n_prints++];
    memset(d, 0, sizeof *d);
    d->id = p->id;
    snprintf(d->attendee, sizeof d->attendee, "%s", p->attendee_id);
    if ((d->has_payload = p->payload != NULL))
        snprintf(d->payload, sizeof d->payload, "%s", p->payload);
    if ((d->has_reason = p->reason != NULL))
        snprintf(d->reason, sizeof d->reason, "%s", p->reason);
}

/* A wrong staff PIN, for the journal: when, at which kiosk, and what
 * follows; never the digits. */
static void log_pin_failure(const struct app *a, const struct flow_actions *act)
{
    char when[40];
    tz_format_instant(a->cfg->tz, a->k.now_ms, when);
    const struct flow_view *v = act->view;
    if (v->pin_locked_seconds > 0)
        fprintf(stderr, _("%s: a wrong staff PIN at %s on kiosk %s; the PIN entry is locked for %d s\n"),
                progname, when, a->cfg->kiosk_id, v->pin_locked_seconds);
    else
        fprintf(stderr, _("%s: a wrong staff PIN at %s on kiosk %s; %d tries left\n"), progname,
                when, a->cfg->kiosk_id, v->pin_tries_left);
}

static void apply(struct app *a, const struct flow_actions *act)
{
    const struct flow_view *v = act->view;
    a->k.view = v;
    bool new_language = false;
    if (act->language) {
        use_language(act->language);
        ui_forget_text(&a->k.ui);
        new_language = true;
        a->layout_pending = true;
    }
    if (act->screen_changed) {
        a->k.shown_ticks = SDL_GetTicks64();
        a->layout_pending = true;
        want_snapshot(a, flow_screen_code(v->screen));
        if (v->screen == FLOW_STAFF) {
            a->search[0] = '\0';
            a->k.selected = -1;
            a->k.staff_note[0] = '\0';
        }
        if (v->screen == FLOW_CHECKED_IN) {
            snprintf(a->preview_id, sizeof a->preview_id, "%s", v->attendee_id);
            a->preview_wanted = true;
        }
        kiosk_log("screen %s%s%s", flow_screen_code(v->screen), v->attendee_id[0] ? " " : "",
                  v->attendee_id);
        /* IDs only, as every log line (see below). */
        if (v->screen == FLOW_STAFF) {
            char ids[512] = "";
            for (size_t i = 0; i < v->staff->n_corrections; i++)
                snprintf(ids + strlen(ids), sizeof ids - strlen(ids), " %s",
                         v->staff->corrections[i].attendee_id);
            kiosk_log("staff desk: %zu correction requests%s, %zu badges waiting",
                      v->staff->n_corrections, ids, v->staff->pending_prints);
        }
    } else if (new_language) {
        char name[64];
        snprintf(name, sizeof name, "%s-%s", flow_screen_code(v->screen), v->language);
        want_snapshot(a, name);
    }
    for (size_t i = 0; i < act->n_prints; i++)
        defer_print(a, &act->prints[i]);
    if (act->print_pending)
        a->pending_all = true;
    sound_play(a->sound, act->sound);
    /* The log (the journal, under systemd) holds registration IDs only, never
     * names: see "Personal data" in docs/ARCHITECTURE.md. */
    if (act->correction)
        kiosk_log("%s %s", _("correction requested by"), act->correction->attendee_id);
    /* The staff screen's list changes with every key: tests touch its rows. */
    if (v->screen == FLOW_STAFF) {
        a->layout_pending = true;
        /* A staff command's outcome is a screen worth a snapshot too. */
        if (v->staff && v->staff->last != a->staff_last && v->staff->last != FLOW_STAFF_NONE)
            want_snapshot(a, "staff-result");
        a->staff_last = v->staff ? v->staff->last : FLOW_STAFF_NONE;
    }
    /* The shared store's state: in the log for whoever reads it later, and
     * on the screen (redrawn) for staff now. */
    if (v->offline != a->was_offline || (v->offline && v->waiting != a->was_waiting)) {
        if (v->offline)
            fprintf(stderr, _("%s: shared store offline since %s, %zu waiting\n"), progname,
                    v->offline_since, v->waiting);
        else
            fprintf(stderr, _("%s: shared store online, nothing waiting\n"), progname);
        if (v->offline && !a->was_offline)
            want_snapshot(a, "offline");
        a->was_offline = v->offline;
        a->was_waiting = v->waiting;
        a->layout_pending = true;
    }
    /* A wrong clock decides a scan's day wrongly near midnight: said once
     * in the log when found (and when fixed), and shown to staff. */
    if (v->clock_wrong != a->was_clock_wrong) {
        char skew[64];
        if (v->clock_wrong)
            fprintf(stderr, _("%s: this kiosk's %s: set it right (timedatectl), then restart\n"),
                    progname, store_clock_skew_text(v->clock_skew_s * 1000, skew, sizeof skew));
        else
            fprintf(stderr, _("%s: this kiosk's clock agrees with the server's again\n"), progname);
        a->was_clock_wrong = v->clock_wrong;
        a->layout_pending = true;
    }
    if (act->pin_failed)
        log_pin_failure(a, act);
    if (act->pin_guard && a->pin_guard_path) {
        struct bk_err err;
        bk_err_clear(&err);
        if (pinguard_save(a->pin_guard_path, act->pin_guard, &err) != BK_OK)
            report_error(&err);
    }
    a->allow_quit = act->allow_quit;
    if (act->quit)
        a->running = false;
}

static void dispatch(struct app *a, struct flow_event *ev)
{
    struct flow_actions act;
    ev->at_ms = kiosk_now(a);
    a->k.now_ms = ev->at_ms;
    if (ev->type == FLOW_EV_SCAN)
        a->last_scan_ms = ev->at_ms;
    flow_handle(a->flow, ev, &act);
    apply(a, &act);
    if (ev->type != FLOW_EV_TICK || act.screen_changed || act.language)
        a->redraw = true;
}

static void send_simple(struct app *a, enum flow_event_type type)
{
    struct flow_event ev = {.type = type};
    dispatch(a, &ev);
}

static void send_touch(struct app *a, enum flow_button b)
{
    struct flow_event ev = {.type = FLOW_EV_TOUCH, .button = b};
    dispatch(a, &ev);
}

/* ---- input ---- */

static void search_changed(struct app *a)
{
    a->k.selected = -1;
    a->k.selected_id[0] = '\0';
    struct flow_event ev = {.type = FLOW_EV_STAFF_SEARCH, .text = a->search};
    dispatch(a, &ev);
}

static void append_utf8(char *buf, size_t n, uint32_t cp)
{
    char enc[UTF8_MAX];
    size_t len = strlen(buf), add = utf8_encode(cp, enc);
    if (len + add < n) {
        memcpy(buf + len, enc, add);
        buf[len + add] = '\0';
    }
}

/* What the wedge let through: a scan, or typing for the PIN or the search
 * box. Typing on the attendee screens means nothing. arg is the app (a
 * void pointer for wedge_text). */
static void on_wedge(void *arg, const struct wedge_out *out)
{
    struct app *a = arg;
    if (out->is_scan) {
        fprintf(stderr, "%s: keyboard scanner: %zu bytes\n", progname, out->scan_len);
        struct flow_event ev = {.type = FLOW_EV_SCAN};
        ev.scan.bytes = out->scan;
        ev.scan.len = out->scan_len;
        ev.scan.method = CHECKIN_SCANNER;
        dispatch(a, &ev);
        return;
    }
    bool searched = false;
    for (size_t i = 0; i < out->n_keys; i++) {
        uint32_t key = out->keys[i];
        enum flow_screen s = a->k.view->screen;
        if (s == FLOW_STAFF_PIN) {
            if (key == WEDGE_ENTER) {
                send_simple(a, FLOW_EV_PIN_SUBMIT);
            } else if (key >= '0' && key <= '9') {
                struct flow_event ev = {.type = FLOW_EV_PIN_DIGIT, .digit = (char)key};
                dispatch(a, &ev);
            }
        } else if (s == FLOW_STAFF && key != WEDGE_ENTER) {
            append_utf8(a->search, sizeof a->search, key);
            searched = true;
        }
    }
    if (searched && a->k.view->screen == FLOW_STAFF)
        search_changed(a);
}

/* When a key was pressed, in SDL ticks. SDL stamps events when it reads
 * them, once a frame, so a scanner's keys arrive in clumps with gaps of a
 * frame or more between them, and a slow frame looks like a person. The X
 * server stamps each key when it happens: that time, moved onto SDL's clock
 * by the smallest difference seen, is what the wedge needs. Without X (or
 * before the first X key) the SDL stamp is used. */
static Uint32 key_time(const struct app *a, Uint32 sdl_stamp)
{
    if (!a->have_x_time)
        return sdl_stamp;
    return (Uint32)((int64_t)a->x_key_time + a->x_offset);
}

static void on_syswm(struct app *a, const SDL_SysWMmsg *msg)
{
#if defined(SDL_VIDEO_DRIVER_X11)
    if (msg->subsystem == SDL_SYSWM_X11 && msg->msg.x11.event.type == KeyPress) {
        Uint32 xt = (Uint32)msg->msg.x11.event.xkey.time;
        int64_t offset = (int64_t)SDL_GetTicks() - xt;
        if (!a->have_x_time || offset < a->x_offset)
            a->x_offset = offset;
        a->have_x_time = true;
        a->x_key_time = xt;
    }
#else
    (void)a;
    (void)msg;
#endif
}

/* "ctrl+alt+s" -> key and modifiers. */
static bool parse_keys(const char *spec, SDL_Keycode *key, Uint16 *mods)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", spec);
    *key = SDLK_UNKNOWN;
    *mods = 0;
    for (char *save = NULL, *tok = strtok_r(buf, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
        if (strcasecmp(tok, "ctrl") == 0 || strcasecmp(tok, "control") == 0)
            *mods |= KMOD_CTRL;
        else if (strcasecmp(tok, "alt") == 0)
            *mods |= KMOD_ALT;
        else if (strcasecmp(tok, "shift") == 0)
            *mods |= KMOD_SHIFT;
        else if (strcasecmp(tok, "super") == 0 || strcasecmp(tok, "gui") == 0)
            *mods |= KMOD_GUI;
        else
            *key = SDL_GetKeyFromName(tok);
    }
    return *key != SDLK_UNKNOWN;
}

static bool mods_match(Uint16 have, Uint16 want)
{
    static const Uint16 groups[] = {KMOD_CTRL, KMOD_ALT, KMOD_SHIFT, KMOD_GUI};
    for (size_t i = 0; i < 4; i++)
        if (((have & groups[i]) != 0) != ((want & groups[i]) != 0))
            return false;
    return true;
}

static void request_quit(struct app *a)
{
    /* In fullscreen the kiosk is the machine: only staff may leave it. */
    if (!a->fullscreen || a->allow_quit)
        a->running = false;
}

static void on_key(struct app *a, const SDL_KeyboardEvent *k)
{
    SDL_Keycode sym = k->keysym.sym;
    enum flow_screen s = a->k.view->screen;
    if (a->staff_key != SDLK_UNKNOWN && sym == a->staff_key && mods_match(k->keysym.mod, a->staff_mods)) {
        send_simple(a, FLOW_EV_STAFF_KEYS);
        return;
    }
    struct wedge_out out;
    switch (sym) {
    case SDLK_RETURN:
    case SDLK_KP_ENTER:
        /* At the staff desk typing goes to the search box: only a burst
         * that is unmistakably a scanner's is a scan there. */
        wedge_set_strict(a->wedge, s == FLOW_STAFF);
        if (wedge_key(a->wedge, WEDGE_ENTER, key_time(a, k->timestamp), &out))
            on_wedge(a, &out);
        break;
    case SDLK_BACKSPACE:
        if (s == FLOW_STAFF_PIN) {
            send_simple(a, FLOW_EV_PIN_ERASE);
        } else if (s == FLOW_STAFF && a->search[0]) {
            size_t n = strlen(a->search);
            a->search[utf8_cut(a->search, n, n - 1)] = '\0';
            search_changed(a);
        }
        break;
    case SDLK_ESCAPE:
        /* Esc is a step back, never a way out: at the desk it clears the
         * search (and says no to a "Quit?"), then leaves the desk; quitting
         * is the "Quit kiosk" button's, asked twice. */
        if (s == FLOW_STAFF && (a->search[0] || a->k.view->staff->last == FLOW_STAFF_QUIT_ASKED)) {
            a->search[0] = '\0';
            search_changed(a);
        } else if (s == FLOW_STAFF || s == FLOW_STAFF_PIN) {
            send_touch(a, FLOW_BUTTON_BACK);
        } else if (!a->fullscreen) {
            a->running = false; /* a developer's window */
        }
        break;
    default:
        break;
    }
}

static void on_button(struct app *a, const struct kiosk_button *b)
{
    const struct flow_view *v = a->k.view;
    switch (b->act) {
    case KIOSK_ACT_TOUCH:
        send_touch(a, (enum flow_button)b->arg);
        break;
    case KIOSK_ACT_LANGUAGE: {
        struct flow_event ev = {.type = FLOW_EV_LANGUAGE, .language = flow_languages[b->arg].code};
        dispatch(a, &ev);
        break;
    }
    case KIOSK_ACT_CONTRAST:
        a->k.contrast = !a->k.contrast;
        ui_forget_text(&a->k.ui);
        a->layout_pending = true;
        want_snapshot(a, a->k.contrast ? "welcome-large-text" : "welcome");
        break;
    case KIOSK_ACT_PIN_DIGIT: {
        struct flow_event ev = {.type = FLOW_EV_PIN_DIGIT, .digit = (char)b->arg};
        dispatch(a, &ev);
        break;
    }
    case KIOSK_ACT_PIN_ERASE:
        send_simple(a, FLOW_EV_PIN_ERASE);
        break;
    case KIOSK_ACT_PIN_OK:
        send_simple(a, FLOW_EV_PIN_SUBMIT);
        break;
    case KIOSK_ACT_SELECT:
        if (v->staff && (size_t)b->arg < v->staff->n_hits) {
            a->k.selected = b->arg;
            snprintf(a->k.selected_id, sizeof a->k.selected_id, "%s", v->staff->hits[b->arg].id);
            a->k.staff_note[0] = '\0';
        }
        break;
    case KIOSK_ACT_CHECKIN:
    case KIOSK_ACT_REPRINT:
        if (!a->k.selected_id[0]) {
            snprintf(a->k.staff_note, sizeof a->k.staff_note, "%s",
                     _("Select a person in the list first."));
            struct flow_event ev = {.type = FLOW_EV_STAFF_SEARCH, .text = a->search};
            dispatch(a, &ev); /* clears the last result, so the note shows */
            break;
        }
        if (b->act == KIOSK_ACT_CHECKIN) {
            struct flow_event ev = {.type = FLOW_EV_STAFF_CHECKIN, .text = a->k.selected_id};
            dispatch(a, &ev);
        } else {
            struct flow_event ev = {.type = FLOW_EV_STAFF_REPRINT};
            ev.reprint.id = a->k.selected_id;
            ev.reprint.reason = kiosk_reprint_reasons[b->arg];
            dispatch(a, &ev);
        }
        break;
    case KIOSK_ACT_PENDING:
        send_simple(a, FLOW_EV_STAFF_PRINT_PENDING);
        break;
    case KIOSK_ACT_CHECKIN_OVERRIDE: {
        const struct flow_staff *s = a->k.view ? a->k.view->staff : NULL;
        if (!s || !s->can_override)
            break;
        char id[ATTENDEE_ID_MAX + 1];
        snprintf(id, sizeof id, "%s", s->last_id);
        struct flow_event ev = {.type = FLOW_EV_STAFF_CHECKIN_OVERRIDE, .text = id};
        dispatch(a, &ev);
        s = a->k.view->staff;
        if (s && s->last == FLOW_STAFF_CHECKED)
            kiosk_log("desk exception: %s %s", id, checkin_outcome_code(s->last_outcome));
        break;
    }
    case KIOSK_ACT_CLEAR_CORRECTION: {
        const struct flow_staff *s = a->k.view ? a->k.view->staff : NULL;
        if (!s || b->arg < 0 || (size_t)b->arg >= s->n_corrections)
            break;
        char id[ATTENDEE_ID_MAX + 1];
        snprintf(id, sizeof id, "%s", s->corrections[b->arg].attendee_id);
        struct flow_event ev = {.type = FLOW_EV_STAFF_CLEAR_CORRECTION, .text = id};
        dispatch(a, &ev);
        break;
    }
    }
}

static void poll_sdl(struct app *a)
{
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        a->redraw = true;
        switch (e.type) {
        case SDL_QUIT:
            if (a->k.view->screen == FLOW_STAFF)
                send_touch(a, FLOW_BUTTON_QUIT);
            else
                request_quit(a);
            break;
        case SDL_TEXTINPUT:
            wedge_text(a->wedge, e.text.text, key_time(a, e.text.timestamp), on_wedge, a);
            break;
        case SDL_KEYDOWN:
            on_key(a, &e.key);
            break;
        case SDL_MOUSEBUTTONDOWN:
            if (e.button.button == SDL_BUTTON_LEFT) {
                /* Window coordinates to renderer pixels (high-DPI displays). */
                int ww, wh, rw, rh;
                SDL_GetWindowSize(a->win, &ww, &wh);
                SDL_GetRendererOutputSize(a->ren, &rw, &rh);
                int x = ww ? e.button.x * rw / ww : e.button.x;
                int y = wh ? e.button.y * rh / wh : e.button.y;
                const struct kiosk_button *b = screens_hit(&a->k, x, y);
                if (b) {
                    struct kiosk_button copy = *b;
                    on_button(a, &copy);
                }
            }
            break;
        case SDL_SYSWMEVENT:
            on_syswm(a, e.syswm.msg);
            break;
        case SDL_WINDOWEVENT:
            if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
                a->layout_pending = true;
            break;
        default:
            break;
        }
    }
    struct wedge_out out;
    if (wedge_tick(a->wedge, SDL_GetTicks(), &out))
        on_wedge(a, &out);
}

/* ---- camera, printer ---- */

static void poll_source(struct app *a)
{
    if (!a->source)
        return;
    struct source_event sev;
    while (source_poll_event(a->source, &sev)) {
        char what[2048];
        /* A replayed picture that cannot be read is named with its file. */
        kiosk_log("camera: %s", bk_err_format(&sev.detail, what, sizeof what));
        if (sev.kind == SOURCE_EVENT_SKIPPED)
            continue;
        a->camera_missing = sev.kind == SOURCE_EVENT_MISSING || sev.kind == SOURCE_EVENT_LOST;
        struct flow_event ev = {.type = FLOW_EV_CAMERA,
                                .camera_ok = sev.kind == SOURCE_EVENT_STARTED ||
                                             sev.kind == SOURCE_EVENT_BACK};
        dispatch(a, &ev);
    }
    struct source_code code;
    while (source_poll_code(a->source, &code)) {
        fprintf(stderr, "%s: camera: code of %zu bytes\n", progname, code.len);
        struct flow_event ev = {.type = FLOW_EV_SCAN};
        ev.scan.bytes = (const char *)code.data;
        ev.scan.len = code.len;
        ev.scan.method = CHECKIN_CAMERA;
        a->scan_frame_ms = code.frame_ms;
        dispatch(a, &ev);
        source_code_clear(&code);
    }
    /* The live preview, shown only where it is drawn (welcome). */
    if (a->k.view->screen != FLOW_WELCOME ||
        !source_latest_frame(a->source, a->frame.counter, &a->frame))
        return;
    if (!a->k.camera || a->k.camera_w != a->frame.width || a->k.camera_h != a->frame.height) {
        SDL_DestroyTexture(a->k.camera);
        a->k.camera = SDL_CreateTexture(a->ren, SDL_PIXELFORMAT_RGB24, SDL_TEXTUREACCESS_STREAMING,
                                        a->frame.width, a->frame.height);
        a->k.camera_w = a->frame.width;
        a->k.camera_h = a->frame.height;
    }
    void *pixels;
    int pitch;
    if (a->k.camera && SDL_LockTexture(a->k.camera, NULL, &pixels, &pitch) == 0) {
        for (int y = 0; y < a->frame.height; y++) {
            const uint8_t *src = a->frame.pixels + (size_t)y * a->frame.width;
            uint8_t *dst = (uint8_t *)pixels + (size_t)y * pitch;
            for (int x = 0; x < a->frame.width; x++)
                dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = src[x];
        }
        SDL_UnlockTexture(a->k.camera);
        a->redraw = true;
    }
}

static void poll_prints(struct app *a)
{
    struct printq_done d;
    printq_clock(a->printq, kiosk_now(a));
    while (printq_poll(a->printq, &d)) {
        /* Each badge by its registration ID; a run over every waiting
         * badge says what it came to, without one. */
        if (d.file[0])
            kiosk_log("badge of %s written to %s", d.attendee, d.file);
        else if (!d.attendee[0])
            kiosk_log("waiting badges: %s", d.problem[0] ? d.problem : "all printed");
        else if (d.problem[0])
            kiosk_log("print %s: %s", d.attendee, d.problem);
        else
            kiosk_log("badge of %s printed", d.attendee);
        if (d.one_of_many)
            continue;
        struct flow_event ev = {.type = FLOW_EV_PRINT_DONE};
        ev.print.id = d.id;
        ev.print.result = d.result;
        ev.print.problem = d.problem[0] ? d.problem : NULL;
        dispatch(a, &ev);
    }
    char was[sizeof a->k.printer_status];
    bool was_busy = a->k.printer_busy;
    memcpy(was, a->k.printer_status, sizeof was);
    printq_status(a->printq, a->k.printer_status, sizeof a->k.printer_status, &a->k.printer_busy);
    if (was_busy != a->k.printer_busy || strcmp(was, a->k.printer_status) != 0)
        a->redraw = true;
    bool down = printq_printer_down(a->printq);
    if (down != a->printer_down) {
        a->printer_down = down;
        kiosk_log("printer %s", down ? "down" : "back");
        struct flow_event ev = {.type = FLOW_EV_PRINTER, .printer_ok = !down};
        dispatch(a, &ev);
        a->layout_pending = true;
        if (a->k.view->screen == FLOW_WELCOME)
            want_snapshot(a, down ? "welcome-printer-down" : "welcome");
    }
}

static void submit_prints(struct app *a)
{
    for (size_t i = 0; i < a->n_prints; i++) {
        struct deferred_print *d = &a->prints[i];
        struct flow_print p = {d->id, d->attendee, d->has_payload ? d->payload : NULL,
                               d->has_reason ? d->reason : NULL};
        printq_person(a->printq, &p, kiosk_now(a));
    }
    a->n_prints = 0;
    if (a->pending_all)
        printq_pending(a->printq, kiosk_now(a));
    a->pending_all = false;
}

/* Hands the heartbeat thread what the UI knows, twice a second at most: a
 * copy under its lock, never a wait on the store. */
static void feed_heartbeat(struct app *a)
{
    int64_t now = kiosk_now(a);
    if (!a->heartbeat || (a->heartbeat_copied_ms && now - a->heartbeat_copied_ms < 500 &&
                          now >= a->heartbeat_copied_ms))
        return;
    a->heartbeat_copied_ms = now;
    struct heartbeat_state st = {.last_scan_ms = a->last_scan_ms};
    printq_printer_state(a->printq, st.printer_state, sizeof st.printer_state,
                         st.printer_reasons, sizeof st.printer_reasons);
    st.badges_pending = (int64_t)flow_badges_in_hand(a->flow);
    snprintf(st.camera, sizeof st.camera, "%s",
             !a->source ? "none" : a->camera_missing ? "missing" : "ok");
    const struct flow_correction *list;
    size_t n = flow_corrections(a->flow, &list);
    st.corrections = (int64_t)n;
    /* The newest first, as many whole IDs as fit. */
    size_t used = 0;
    for (size_t i = n; i-- > 0;) {
        size_t len = strlen(list[i].attendee_id) + (used ? 2 : 0);
        if (used + len + 1 > sizeof st.correction_ids)
            break;
        used += (size_t)snprintf(st.correction_ids + used, sizeof st.correction_ids - used,
                                 "%s%s", used ? ", " : "", list[i].attendee_id);
    }
    heartbeat_update(a->heartbeat, &st);
}

static void heartbeat_log(const char *line)
{
    kiosk_log("%s", line);
}

/* The CHECKED_IN screen's badge: the renderer that prints, on this thread,
 * its pixels scaled down on screen. Tried each frame until the font lock
 * is free. */
static void make_preview(struct app *a)
{
    if (!a->preview_wanted || !a->preview_renderer)
        return;
    if (pthread_mutex_trylock(&a->font_lock) != 0)
        return;
    a->preview_wanted = false;
    struct attendee at = {0};
    char *payload = NULL;
    struct badge_image *img = NULL;
    struct bk_err err;
    bk_err_clear(&err);
    SDL_DestroyTexture(a->k.preview);
    a->k.preview = NULL;
    if (store_get_attendee(a->store, a->preview_id, &at, &err) == BK_OK &&
        store_get_token(a->store, a->preview_id, &payload, &err) == BK_OK) {
        /* A preview carries the preview serial, as badgectl badge's does: its
         * QR checks nobody in (TOKEN_PREVIEW). In export mode the code is the
         * registration system's secret, which is never shown on a screen: the
         * preview's QR code stands in for it. */
        char *qr = token_badge_payload_new(TOKEN_PREVIEW_SERIAL,
                                           a->cfg->qr_mode == CONFIG_QR_EXPORT ? "PREVIEW"
                                           : payload                           ? payload
                                                                               : a->preview_id);
        /* Drawn as the printer's badges are (a label printer's in black and
         * white), so the preview shows what will really print. */
        struct badge_output out = printq_badge_output(a->printq);
        if (badge_renderer_set_output(a->preview_renderer, &out, &err) == BK_OK &&
            badge_render(a->preview_renderer, &at, qr, &img, &err) == BK_OK) {
            SDL_Texture *t = SDL_CreateTexture(a->ren, SDL_PIXELFORMAT_RGB24,
                                               SDL_TEXTUREACCESS_STATIC, img->width, img->height);
            if (t && SDL_UpdateTexture(t, NULL, img->rgb, (int)img->stride) == 0) {
                SDL_SetTextureScaleMode(t, SDL_ScaleModeBest);
                a->redraw = true;
                a->k.preview = t;
                a->k.preview_w = img->width;
                a->k.preview_h = img->height;
            }
        }
        free(qr);
    }
    if (err.status != BK_OK)
        report_error(&err);
    pthread_mutex_unlock(&a->font_lock);
    badge_image_free(img);
    free(payload);
    attendee_clear(&at);
}

static void print_layout(struct app *a)
{
    const struct flow_view *v = a->k.view;
    for (size_t i = 0; i < a->k.n_buttons; i++) {
        const struct kiosk_button *b = &a->k.buttons[i];
        fprintf(stderr, "layout %s %s %s %d %d %d %d\n", flow_screen_code(v->screen), v->language,
                b->id, b->r.x, b->r.y, b->r.w, b->r.h);
    }
    /* Not a button: tests read what is drawn around it. */
    if (v->screen == FLOW_STAFF) {
        const SDL_Rect *c = &a->k.printer_card;
        fprintf(stderr, "layout staff %s printer-card %d %d %d %d\n", v->language, c->x, c->y,
                c->w, c->h);
    }

    /* What the desk shows, by registration ID (never a name), for tests:
     * who is owed a badge, and where each search hit stands today. */
    const struct flow_staff *s = v->staff;
    if (!s)
        return;
    fprintf(stderr, "desk owed %zu:", s->pending_prints);
    for (size_t i = 0; i < s->n_waiting_shown; i++)
        fprintf(stderr, " %s%s", s->waiting[i].attendee_id, s->waiting[i].held ? "(held)" : "");
    fprintf(stderr, "\ndesk hits:");
    for (size_t i = 0; i < s->n_hits; i++) {
        const struct flow_hit_standing *h = &s->standing[i];
        fprintf(stderr, " %s=%s%s%s%s%s", s->hits[i].id,
                h->checked_in ? "in@" : checkin_outcome_code(h->would_be),
                h->checked_in ? h->first_at : "", h->overridden ? "(exception)" : "",
                h->parts[0] ? "/" : "", h->parts);
    }
    fputc('\n', stderr);
}

/* ---- start-up ---- */

static void usage(void)
{
    char *shared = cliopts_synopsis_new(), *shared_help = cliopts_help_new();
    printf(_("Usage: badgekiosk %s\n"), shared);
    printf(
        _("                  [--windowed] [--camera DEVICE|none | --frames DIR [--frames-fps N]]\n"
          "                  [--now ISO8601]\n"
          "                  [--snapshot DIR] [--size WxH] [--quit-after SECONDS]\n"
          "                  [--debug-layout] [--help] [--version]\n\n"
          "The check-in kiosk. Fullscreen unless --windowed; in fullscreen only staff\n"
          "(the key combination from the config, then the PIN) can quit it.\n"));
    fputs(shared_help, stdout);
    printf(_("  --camera DEVICE  the V4L2 camera (default %s; \"none\" for none)\n"
             "  --frames DIR     replay the images in DIR as if the camera saw them\n"
             "  --frames-fps N   frames a second for --frames (default 15)\n"
             "  --now ISO8601    start the kiosk's clock at this venue time\n"
             "  --snapshot DIR   write a PNG of the screen at each change of screen\n"
             "  --size WxH       the window's size in pixels (default: the display's)\n"
             "  --quit-after S   quit after S seconds (tests)\n"
             "  --debug-layout   print every button's rectangle on stderr\n"),
           SOURCE_DEFAULT_DEVICE);
    free(shared);
    free(shared_help);
}

/* One option of the kiosk's own (the shared ones are cliopts'); 0, or an
 * exit status, or -1 for --help and --version (done, exit 0). */
static int take_option(int c, const char *arg, struct options *o)
{
    switch (c) {
    case 'w':
        o->windowed = true;
        break;
    case 'C':
        o->camera = arg;
        break;
    case 'f':
        o->frames = arg;
        break;
    case 'n':
        o->now = arg;
        break;
    case 's':
        o->snapshot = arg;
        break;
    case 'L':
        o->debug_layout = true;
        break;
    case 'S':
        if (sscanf(arg, "%dx%d", &o->width, &o->height) != 2 || o->width < 320 || o->height < 240 ||
            o->width > 8192 || o->height > 8192) {
            fprintf(stderr,
                    _("%s: --size wants WIDTHxHEIGHT from 320x240 to 8192x8192, e.g. "
                      "1920x1080\n"),
                    progname);
            return BK_EXIT_REJECTED;
        }
        break;
    case 'q': {
        char *end;
        o->quit_after = strtod(arg, &end);
        if (*end || o->quit_after <= 0) {
            fprintf(stderr, _("%s: --quit-after wants a number of seconds\n"), progname);
            return BK_EXIT_REJECTED;
        }
        break;
    }
    case 'F': {
        char *end;
        long fps = strtol(arg, &end, 10);
        if (*end || fps < 1 || fps > 120) {
            fprintf(stderr, _("%s: --frames-fps wants a number from 1 to 120\n"), progname);
            return BK_EXIT_REJECTED;
        }
        o->frames_fps = (int)fps;
        break;
    }
    case 'h':
        usage();
        return -1;
    case 'V':
        printf("badgekiosk %s\n", BK_VERSION);
        return -1;
    default:
        fprintf(stderr, _("Run 'badgekiosk --help' for the options.\n"));
        return BK_EXIT_REJECTED;
    }
    return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option own[] = {{"windowed", no_argument, NULL, 'w'},
                                        {"camera", required_argument, NULL, 'C'},
                                        {"frames", required_argument, NULL, 'f'},
                                        {"now", required_argument, NULL, 'n'},
                                        {"snapshot", required_argument, NULL, 's'},
                                        {"size", required_argument, NULL, 'S'},
                                        {"quit-after", required_argument, NULL, 'q'},
                                        {"debug-layout", no_argument, NULL, 'L'},
                                        {"help", no_argument, NULL, 'h'},
                                        {"version", no_argument, NULL, 'V'},
                                        {"frames-fps", required_argument, NULL, 'F'},
                                        {NULL, 0, NULL, 0}};
    struct option *longopts = cliopts_longopts_new(own);
    int c, rc = 0;
    while (!rc && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
        if (!cliopts_take(&o->shared, c, optarg))
            rc = take_option(c, optarg, o);
    free(longopts);
    if (rc)
        return rc;
    if (optind < argc) {
        fprintf(stderr, _("%s: unexpected argument '%s'\n"), progname, argv[optind]);
        return BK_EXIT_REJECTED;
    }
    if (o->camera && o->frames) {
        fprintf(stderr, _("%s: give --camera or --frames, not both\n"), progname);
        return BK_EXIT_REJECTED;
    }
    return BK_EXIT_DONE;
}

/* Config, store, keys and the flow: the parts that need no window. */
static int open_core(struct app *a)
{
    struct bk_err err;
    bk_err_clear(&err);
    if (cliopts_load_config(&a->opt.shared, &a->cfg, &err) != BK_OK)
        return report_error(&err);
    struct store_options so;
    store_options_of_config(a->cfg, &so);
    /* A mistyped store path must not become a new, empty store that tells
     * every registered person "code not recognised": point at the setting
     * (with a shared store the journal is only a cache, made when missing). */
    enum bk_status st = store_open_with(&so, &a->store, &err);
    if (st == BK_ERR_NOT_FOUND && !(so.url && so.url[0]))
        config_blame(a->cfg, "kiosk", "database", &err);
    if (st != BK_OK)
        return report_error(&err);
    /* With a shared store: replay, reconnect and pull re-imports in the
     * background, so the door never waits on a server known gone. */
    if (store_sync_start(a->store, &err) != BK_OK)
        return report_error(&err);
    if (a->cfg->qr_mode == CONFIG_QR_SIGNED &&
        token_keys_load(a->cfg->keys_dir, &a->keys, &err) != BK_OK)
        return report_error(&err);
    a->clock_base_ms = tz_now_ms();
    if (a->opt.now && tz_parse_instant(a->cfg->tz, a->opt.now, &a->clock_base_ms, &err) != BK_OK)
        return report_error(&err);
    if (!parse_keys(a->cfg->staff_keys, &a->staff_key, &a->staff_mods))
        kiosk_log(_("the staff key combination \"%s\" is not understood; staff mode is off"),
                  a->cfg->staff_keys);
    static struct checkin_context ctx;
    ctx = (struct checkin_context){a->cfg, a->keys, a->store, a->cfg->kiosk_id};
    /* The timings are [kiosk]'s; the screens need the result screen's for
     * its shrinking bar. */
    struct flow_settings set;
    flow_settings_from_config(a->cfg, &set);
    a->k.result_seconds = set.result_seconds;
    a->k.cfg = a->cfg;
    if (flow_new(&ctx, &set, &a->flow, &err) != BK_OK)
        return report_error(&err);
    /* Wrong PINs and the lock outlive the process: systemd restarts it. */
    a->pin_guard_path = pinguard_path_new(a->cfg->database, a->cfg->kiosk_id);
    if (a->pin_guard_path) {
        struct pin_guard guard;
        if (pinguard_load(a->pin_guard_path, &guard, &err) != BK_OK)
            report_error(&err); /* a guard that cannot be read: start afresh, said */
        flow_restore_pin_guard(a->flow, &guard, a->clock_base_ms);
    }
    a->wedge = wedge_new(NULL);
    return BK_EXIT_DONE;
}

/* SIGTERM (systemd stopping the service, an administrator) and SIGINT stop
 * the kiosk whatever its screen shows. Left to SDL they become the same
 * SDL_QUIT as a window manager's close, which an attendee must not be able
 * to use on a fullscreen kiosk and which the staff desk answers by asking
 * first: a service that only asks would be killed by systemd instead. The
 * badges still owed are in the store; the next start resumes them. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static int open_window(struct app *a)
{
    struct bk_err err;
    bk_err_clear(&err);
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    catch_stop_signals();
    SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr, "%s: %s %s\n", progname, _("cannot open the display:"), SDL_GetError());
        return BK_EXIT_FAILED;
    }
    /* No audio device is no reason to stop: the screens say everything. */
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) == 0)
        a->sound = sound_new();
    a->fullscreen = !a->opt.windowed;
    int w = a->opt.width ? a->opt.width : 1920, h = a->opt.height ? a->opt.height : 1080;
    Uint32 flags = SDL_WINDOW_ALLOW_HIGHDPI;
    if (a->fullscreen && !a->opt.width)
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    else if (a->fullscreen)
        flags |= SDL_WINDOW_FULLSCREEN;
    a->win = SDL_CreateWindow("badgekiosk", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h,
                              flags);
    if (!a->win) {
        fprintf(stderr, "%s: %s %s\n", progname, _("cannot open a window:"), SDL_GetError());
        return BK_EXIT_FAILED;
    }
    /* A kiosk takes the keyboard: a USB scanner types into whatever has it. */
    SDL_RaiseWindow(a->win);
    SDL_SetWindowInputFocus(a->win);
    if (a->fullscreen)
        SDL_SetWindowKeyboardGrab(a->win, SDL_TRUE);
    a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_ACCELERATED);
    if (!a->ren)
        a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_SOFTWARE);
    if (!a->ren) {
        fprintf(stderr, "%s: %s %s\n", progname, _("cannot draw in the window:"), SDL_GetError());
        return BK_EXIT_FAILED;
    }
    SDL_StartTextInput();
    SDL_EventState(SDL_SYSWMEVENT, SDL_ENABLE);
    if (ui_init(&a->k.ui, a->ren, &a->font_lock, &err) != BK_OK)
        return report_error(&err);
    pthread_mutex_lock(&a->font_lock);
    enum bk_status st = badge_renderer_new(a->cfg, &a->preview_renderer, &err);
    pthread_mutex_unlock(&a->font_lock);
    if (st != BK_OK)
        return report_error(&err);
    if (printq_new(a->cfg, a->cfg->printer, a->cfg->kiosk_id, &a->font_lock, &a->printq, &err) !=
        BK_OK)
        return report_error(&err);
    if (a->opt.frames) {
        struct source_options so = {.fps = a->opt.frames_fps};
        if (source_replay_new(a->opt.frames, &so, &a->source, &err) != BK_OK)
            return report_error(&err);
    } else if (!a->opt.camera || strcmp(a->opt.camera, "none") != 0) {
        if (source_camera_new(a->opt.camera, NULL, &a->source, &err) != BK_OK)
            return report_error(&err);
    }
    a->k.has_source = a->source != NULL;
    /* The dashboard's card: a failure to start it costs the door nothing. */
    if (heartbeat_new(a->cfg, heartbeat_log, &a->heartbeat, &err) != BK_OK)
        kiosk_log("%s", err.msg);
    return BK_EXIT_DONE;
}

static void close_all(struct app *a)
{
    heartbeat_free(a->heartbeat);
    source_free(a->source);
    printq_free(a->printq);
    source_frame_clear(&a->frame);
    SDL_DestroyTexture(a->k.camera);
    SDL_DestroyTexture(a->k.preview);
    ui_free(&a->k.ui);
    badge_renderer_free(a->preview_renderer);
    sound_free(a->sound);
    if (a->ren)
        SDL_DestroyRenderer(a->ren);
    if (a->win)
        SDL_DestroyWindow(a->win);
    SDL_Quit();
    wedge_free(a->wedge);
    free(a->pin_guard_path);
    flow_free(a->flow);
    token_keys_free(a->keys);
    store_close(a->store);
    config_free(a->cfg);
}

/* True while the screen moves by itself: the result screens' bars and
 * countdowns, text still being made, a snapshot or layout report owed. */
static bool screen_animated(const struct app *a)
{
    enum flow_screen s = a->k.view->screen;
    bool still = s == FLOW_WELCOME || s == FLOW_STAFF || s == FLOW_STAFF_PIN;
    return !still || a->k.ui.incomplete || a->snap_pending ||
           (a->layout_pending && a->opt.debug_layout) || a->preview_wanted;
}

/* How long an idle loop may sleep: until input wakes it, or the next camera
 * frame is due, or held keys must be released as typing. The flow's own
 * timeouts are seconds long and need no sharper tick than this. */
static int idle_wait_ms(const struct app *a)
{
    if (wedge_holding(a->wedge))
        return 10;
    if (a->source)
        return 1000 / 60; /* a frame at up to 30 fps is picked up within half a frame */
    return 200;
}

static void run(struct app *a)
{
    a->running = true;
    a->start_ticks = SDL_GetTicks64();
    uint64_t started = a->start_ticks;
    int64_t drawn_second = -1;
    /* The first answer gives the welcome screen. */
    send_simple(a, FLOW_EV_TICK);
    want_snapshot(a, "welcome");
    a->layout_pending = true;
    a->redraw = true;
    while (a->running) {
        if (stop_signal) {
            kiosk_log("stopped by signal %d", (int)stop_signal);
            break;
        }
        uint64_t frame_start = SDL_GetTicks64();
        poll_sdl(a);
        poll_source(a);
        poll_prints(a);
        send_simple(a, FLOW_EV_TICK);
        feed_heartbeat(a);
        make_preview(a);
        /* A kiosk runs all day on a small fanless PC: draw only when
         * something changed, the screen moves by itself, or the clock's
         * second turned (the clock, the staff screen's countdowns). */
        bool animated = screen_animated(a);
        int64_t second = a->k.now_ms / 1000;
        if (a->redraw || animated || second != drawn_second) {
            a->redraw = false;
            drawn_second = second;
            a->frames_drawn++;
            screens_draw(&a->k);
            bool ready = !a->k.ui.incomplete &&
                         !(a->k.view->screen == FLOW_CHECKED_IN && a->preview_wanted);
            if (a->snap_pending && ready)
                take_snapshot(a);
            if (a->layout_pending && a->opt.debug_layout && ready) {
                print_layout(a);
                a->layout_pending = false;
            }
            SDL_RenderPresent(a->ren);
            if (a->scan_frame_ms > 0 && ready && a->k.view->screen != FLOW_WELCOME) {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                double shown = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
                fprintf(stderr, "%s: camera frame to %s screen: %.1f ms\n", progname,
                        flow_screen_code(a->k.view->screen), shown - a->scan_frame_ms);
                a->scan_frame_ms = 0;
            }
        }
        submit_prints(a);
        if (a->opt.quit_after > 0 && (SDL_GetTicks64() - started) / 1000.0 >= a->opt.quit_after)
            a->running = false;
        uint64_t spent = SDL_GetTicks64() - frame_start;
        if (animated || a->redraw || a->n_prints) {
            if (spent < FRAME_MS)
                SDL_Delay((Uint32)(FRAME_MS - spent));
        } else {
            SDL_WaitEventTimeout(NULL, idle_wait_ms(a));
        }
    }
    fprintf(stderr, "%s: %llu frames drawn in %.1f s\n", progname,
            (unsigned long long)a->frames_drawn, (SDL_GetTicks64() - started) / 1000.0);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    const char *msgs = setlocale(LC_MESSAGES, NULL);
    if (!msgs || strcmp(msgs, "C") == 0 || strcmp(msgs, "POSIX") == 0)
        setlocale(LC_ALL, "C.UTF-8");
    char *localedir = locale_dir_new();
    bindtextdomain(BK_TEXTDOMAIN, localedir);
    bind_textdomain_codeset(BK_TEXTDOMAIN, "UTF-8");
    free(localedir);

    static struct app app;
    int rc = parse_options(argc, argv, &app.opt);
    if (rc)
        return rc < 0 ? BK_EXIT_DONE : rc;
    if (app.opt.snapshot && mkdir(app.opt.snapshot, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, _("%s: cannot make the snapshot folder %s: %s\n"), progname,
                app.opt.snapshot, i18n_strerror(errno));
        return BK_EXIT_FAILED;
    }
    pthread_mutex_init(&app.font_lock, NULL);
    use_language("en"); /* before the first thread: see i18n_set_language */
    if ((rc = open_core(&app)) == BK_EXIT_DONE && (rc = open_window(&app)) == BK_EXIT_DONE)
        run(&app);
    close_all(&app);
    pthread_mutex_destroy(&app.font_lock);
    return rc;
}
