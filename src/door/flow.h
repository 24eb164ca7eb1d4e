/* flow: the kiosk's screens, as a state machine that knows no SDL.
 *
 * The SDL layer turns what happens (a code read by the camera or a wedge
 * scanner, a touch, a timer tick, a print job's end, the staff key
 * combination) into a struct flow_event and hands it to flow_handle; the
 * flow decides and answers with struct flow_actions: the screen to show and
 * what goes on it, badges to print, a sound, a language to switch to. The
 * flow calls checkin_process itself, with the event's time, so every rule at
 * the door is tested here without a window, a printer or a clock.
 *
 * Texts are not the flow's business: it gives screen ids and data, and the
 * SDL layer picks the translated words. Each screen's reaction to events is
 * one handler in a table indexed by screen (see flow.c).
 *
 * Correction requests ("my details are wrong") are recorded in the store
 * with the check-in they follow (store_record_correction), read back by
 * flow_new, and shown on the staff screen, where staff clear them; the
 * action that announces each one lets the SDL layer log it. The badge a
 * request holds back stays owed until staff print it. */
#ifndef BK_FLOW_H
#define BK_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/badgetext.h"
#include "core/checkin.h"
#include "event/config.h"
#include "util/err.h"
#include "core/find.h"
#include "door/pinguard.h"

enum flow_screen {
    FLOW_WELCOME = 0,        /* what to do; the six languages */
    FLOW_CHECKED_IN,         /* welcome, badge preview, countdown to printing */
    FLOW_CORRECTION,         /* "my details are wrong": go to the staff desk */
    FLOW_PRINTING,           /* the badge is being printed */
    FLOW_PRINTED,            /* take your badge */
    FLOW_WELCOME_BACK,       /* checked in today; badge printed on an earlier day */
    FLOW_ALREADY_CHECKED_IN, /* earlier today: no second badge */
    FLOW_OTHER_DAY,          /* registered, but not for today */
    FLOW_WITHDRAWN,          /* registration cancelled */
    FLOW_INVALID,            /* unknown or invalid code: see the staff desk */
    FLOW_NO_EVENT_TODAY,     /* nothing held today */
    FLOW_PRINTER_TROUBLE,    /* checked in and saved; staff will hand over the badge */
    FLOW_STORE_ERROR,        /* the check-in was NOT saved */
    FLOW_STAFF_PIN,          /* staff PIN entry */
    FLOW_STAFF,              /* staff mode */
    FLOW_N_SCREENS
};

/* "welcome", "checked_in", ...: stable, for snapshot file names and logs. */
const char *flow_screen_code(enum flow_screen s);

/* A language the kiosk speaks. Everything about one is on its line of
 * flow_languages, for the flow, the screens and the translations alike, so
 * adding a language is adding a line (and its po/ catalogue). */
struct flow_language {
    const char *code;           /* ISO 639-1, as the view and the events carry it */
    const char *name;           /* in itself, on its button; never translated, so a
                                   person finds theirs whatever the screen is in */
    const char *english;        /* "Chinese": what an attendee list may say */
    const char *other_names[3]; /* more spellings a list may use, NULL after the last */
    bool rtl;                   /* written right to left: the screens mirror */
    const char *catalogue;      /* the gettext catalogue (po/CATALOGUE.po) */
};

/* ITU's six languages, the ones the kiosk offers: "en", "zh", "fr", "es",
 * "ru", "ar", in the order of their buttons. */
extern const struct flow_language flow_languages[];
extern const size_t flow_n_languages;

/* The language whose code is code, or NULL (code may be NULL). */
const struct flow_language *flow_language_find(const char *code);

/* One of the six codes for an attendee list's language value ("fr",
 * "FR-ca", "zh_CN", "French", "Русский"...), or NULL when it is none of them.
 * The code returned is the one in flow_languages. */
const char *flow_language_of(const char *value);

enum flow_event_type {
    FLOW_EV_TICK = 0,            /* time passes: send several a second */
    FLOW_EV_SCAN,                /* a code was read: .scan */
    FLOW_EV_TOUCH,               /* a button was touched: .button */
    FLOW_EV_LANGUAGE,            /* a language was chosen: .language */
    FLOW_EV_PRINT_DONE,          /* a print request ended: .print */
    FLOW_EV_STAFF_KEYS,          /* the staff key combination */
    FLOW_EV_PIN_DIGIT,           /* .digit, '0'-'9' */
    FLOW_EV_PIN_ERASE,           /* the last digit is taken back */
    FLOW_EV_PIN_SUBMIT,          /* the PIN is complete */
    FLOW_EV_STAFF_SEARCH,        /* the search box now holds .text */
    FLOW_EV_STAFF_CHECKIN,       /* manual check-in of registration ID .text */
    FLOW_EV_STAFF_CHECKIN_OVERRIDE, /* the same as the desk's exception (checkin_override) */
    FLOW_EV_STAFF_REPRINT,       /* .reprint: a replacement badge */
    FLOW_EV_STAFF_PRINT_PENDING, /* print every badge still waiting */
    FLOW_EV_STAFF_CLEAR_CORRECTION, /* settle .text's correction request; print the badge */
    FLOW_EV_CAMERA,              /* .camera_ok: the camera went missing or came back */
    FLOW_EV_STORE_ERROR,         /* the SDL layer hit a store failure: .store_err */
    FLOW_EV_PRINTER,             /* .printer_ok: the printer was found down, or back */
};

enum flow_button {
    FLOW_BUTTON_DETAILS_WRONG = 0, /* CHECKED_IN: "my details are wrong" */
    FLOW_BUTTON_DONE,              /* any result screen: back to welcome now */
    FLOW_BUTTON_BACK,              /* PIN and staff screens: leave */
    FLOW_BUTTON_QUIT,              /* staff screen: quit the kiosk (asked twice) */
    FLOW_BUTTON_PREVIOUS_DETAILS_WRONG, /* the strip of the person before: their
                                           "my details are wrong" */
};

enum flow_print_result {
    FLOW_PRINT_PRINTED = 0, /* the printer finished the job */
    FLOW_PRINT_PENDING,     /* printer trouble: the badge waits, .problem says why */
    FLOW_PRINT_WRITTEN,     /* written as a PNG (no printer: demos) */
};

/* Strings and bytes in an event are borrowed for the call only. */
struct flow_event {
    enum flow_event_type type;
    int64_t at_ms; /* the time it happened, Unix ms: the only clock the flow has */
    union {
        struct {
            const char *bytes; /* may hold NUL bytes */
            size_t len;
            enum checkin_method method; /* CHECKIN_CAMERA or CHECKIN_SCANNER */
        } scan;
        enum flow_button button;
        const char *language;
        struct {
            uint32_t id; /* flow_print.id of the request that ended */
            enum flow_print_result result;
            const char *problem; /* for FLOW_PRINT_PENDING, in words; may be NULL */
        } print;
        char digit;
        const char *text;
        struct {
            const char *id;
            const char *reason; /* required: "lost", "damaged", "name corrected" */
        } reprint;
        bool camera_ok;
        bool printer_ok;
        const struct bk_err *store_err;
    };
};

enum flow_sound { FLOW_SOUND_NONE = 0, FLOW_SOUND_SUCCESS, FLOW_SOUND_FAILURE };

/* A correction request, for the staff screen (the store keeps them all). */
struct flow_correction {
    int64_t at_ms;
    char attendee_id[ATTENDEE_ID_MAX + 1];
    char name[256]; /* display name */
};

/* What the staff screen's last command came to. */
enum flow_staff_result {
    FLOW_STAFF_NONE = 0,
    FLOW_STAFF_CHECKED,       /* a manual check-in or desk scan: see outcome */
    FLOW_STAFF_REPRINT_SENT,  /* a replacement was asked for */
    FLOW_STAFF_REPRINT_REPEATED, /* the same again within repeat_seconds: ignored */
    FLOW_STAFF_QUIT_ASKED,    /* "Quit kiosk" once: a second tap within 10 s quits;
                                 quit_waiting says how many badges would be left */
    FLOW_STAFF_REASON_NEEDED, /* a reprint without a reason was refused */
    FLOW_STAFF_NOT_FOUND,     /* no such registration ID */
    FLOW_STAFF_PRINTS_SENT,   /* pending prints were asked for */
    FLOW_STAFF_STORE_FAILED,  /* see problem */
    FLOW_STAFF_CORRECTION_CLEARED, /* last_id's request settled, its badge sent */
};

#define FLOW_STAFF_HITS 12
#define FLOW_MAX_CORRECTIONS 64
#define FLOW_QUEUE_SHOWN 8 /* badges of the print queue listed for staff */

/* A badge asked of the printer and not yet out, for the staff screen. */
struct flow_queued_badge {
    char attendee_id[ATTENDEE_ID_MAX + 1];
    char name[256];    /* display name, "" when not known */
    int ready_seconds; /* expected seconds until it is out; 0: not known yet */
};

#define FLOW_WAITING_SHOWN 8 /* badges owed listed for staff, by name */

/* A badge the store holds as owed (pending, or at a printer unheard from). */
struct flow_waiting_badge {
    char attendee_id[ATTENDEE_ID_MAX + 1];
    char name[256]; /* display name, "" when not known */
    bool held;      /* held back by an open correction request */
};

/* Where a search hit stands today (checkin_standing). */
struct flow_hit_standing {
    bool checked_in;
    char first_at[6];  /* when checked_in: "09:12", venue time */
    bool overridden;   /* checked in today as the desk's exception */
    char parts[128];   /* their parts held today, codes joined by ", "; "" for none */
    enum checkin_outcome would_be; /* what "Check in" would come to now */
    bool override_allowed;         /* "Check in anyway" would admit them */
};

/* The staff screen's contents. Pointers are owned by the flow and valid
 * until the next flow_handle or flow_free. */
struct flow_staff {
    char query[256];
    struct finder_hit hits[FLOW_STAFF_HITS]; /* best first */
    struct flow_hit_standing standing[FLOW_STAFF_HITS]; /* of hits[i] */
    size_t n_hits;
    size_t checked_in_today;                   /* people, not scans */
    size_t pending_prints;                     /* badges pending or with an unclear job */
    struct flow_waiting_badge waiting[FLOW_WAITING_SHOWN]; /* whose, oldest first */
    size_t n_waiting_shown;
    const struct flow_correction *corrections; /* oldest first */
    size_t n_corrections;
    bool printer_trouble;
    char printer_problem[1200]; /* the last problem the printer reported */
    bool camera_missing;
    /* The print queue, in printing order: queue_len badges asked of the
     * printer and not yet out, the first n_queue_shown of them listed;
     * badge_ms is the printer's measured time per badge (0 until one was
     * measured). */
    size_t queue_len;
    struct flow_queued_badge queue[FLOW_QUEUE_SHOWN];
    size_t n_queue_shown;
    int badge_ms;
    enum flow_staff_result last;
    enum checkin_outcome last_outcome; /* for FLOW_STAFF_CHECKED */
    char last_id[ATTENDEE_ID_MAX + 1];
    char last_name[256];
    bool first_instead; /* FLOW_STAFF_CHECKED for a "reprint" of someone never badged */
    bool overridden;    /* FLOW_STAFF_CHECKED: admitted as the desk's exception */
    bool can_override;  /* FLOW_STAFF_CHECKED, not registered today: the desk may
                           admit last_id anyway (FLOW_EV_STAFF_CHECKIN_OVERRIDE) */
    char problem[1024]; /* for FLOW_STAFF_STORE_FAILED, translated */
    size_t quit_waiting; /* for FLOW_STAFF_QUIT_ASKED: badges still to print here */
};

/* The person before, whose badge waits a few seconds more while the next
 * person's screen is up (they scanned within the countdown): a strip with
 * their own "my details are wrong" (FLOW_BUTTON_PREVIOUS_DETAILS_WRONG). */
struct flow_previous {
    bool shown;
    char name[256];
    char attendee_id[ATTENDEE_ID_MAX + 1];
    int seconds_left; /* until their badge is sent to the printer */
    bool noted;       /* they asked: "noted, see the staff desk" for a few seconds */
};

/* What the current screen shows. Fields that do not apply are zero or "". */
struct flow_view {
    enum flow_screen screen;
    char name[256]; /* the person's display name */
    char attendee_id[ATTENDEE_ID_MAX + 1];
    bool badge_needed;              /* CHECKED_IN: a badge will print */
    /* CHECKED_IN: a badge is owed but the printer is known to be down, so
     * none is asked of it (no countdown): the badge waits in the store for
     * the staff desk, or for the printer to come back. */
    bool badge_at_desk;
    /* Every screen: the printer is known to be down (FLOW_EV_PRINTER), so
     * the welcome screen promises no badge here. */
    bool printer_down;
    int seconds_left;               /* CHECKED_IN: the countdown to printing */
    /* CHECKED_IN and PRINTING: where the person's badge is. queue_place 1
     * means it prints next (or now), n means n - 1 badges are ahead of it;
     * ready_seconds is when it should be out, from the printer's measured
     * time per badge (0 until the first badge was measured). */
    int queue_place;
    int ready_seconds;
    /* CHECKED_IN and PRINTING, when a badge prints before this person's:
     * whose ("" when not known), so two people at the tray know which badge
     * is which. */
    char printing_before[256];
    struct flow_previous previous; /* attendee screens: see struct flow_previous */
    char first_at[6];               /* ALREADY_CHECKED_IN: "09:30", venue time */
    /* OTHER_DAY: what the person is registered for, so they learn it at
     * the door (worded at draw time, in the language then in use). */
    struct badgetext_part parts[CONFIG_MAX_EVENTS];
    size_t n_parts;
    enum checkin_outcome outcome;   /* of the check-in behind a result screen */
    enum token_reason reason;       /* INVALID: why (TOKEN_OK when unknown) */
    char problem[1200];             /* PRINTER_TROUBLE and STORE_ERROR, for staff */
    enum bk_status store_status;    /* STORE_ERROR: BK_ERR_FULL means the disk is full */
    bool camera_missing;            /* every screen: a small staff-facing notice */
    /* Every screen, staff-facing: the shared store has not answered since
     * offline_since ("09:30", venue time); waiting events and badge changes
     * go to it when it is back. Check-ins go on from the journal. */
    bool offline;
    char offline_since[6];
    size_t waiting;
    /* Every screen, staff-facing: this kiosk's clock differs from the
     * shared store's server by more than STORE_CLOCK_SKEW_MAX_MS;
     * clock_skew_s is the server's minus ours (positive: ours is behind). */
    bool clock_wrong;
    int64_t clock_skew_s;
    const char *language;           /* the language in use, one of the six */
    size_t pin_len;                 /* STAFF_PIN: digits typed (show dots) */
    int pin_tries_left;             /* STAFF_PIN */
    int pin_locked_seconds;         /* STAFF_PIN: > 0 while locked out */
    const struct flow_staff *staff; /* STAFF only, else NULL */
};

/* A badge to print, in the order given; answer each with FLOW_EV_PRINT_DONE
 * carrying its id. Strings are owned by the flow, valid until the next
 * flow_handle or flow_free. */
struct flow_print {
    uint32_t id;
    const char *attendee_id;
    const char *payload; /* the code the person scanned; NULL: the one in the store */
    const char *reason;  /* NULL for a first badge; the reason for a replacement */
};

#define FLOW_MAX_PRINTS 3

/* The answer to one event. */
struct flow_actions {
    const struct flow_view *view; /* always set; owned by the flow */
    bool screen_changed;          /* a different screen (or the same one anew) */
    struct flow_print prints[FLOW_MAX_PRINTS];
    size_t n_prints;
    bool print_pending; /* run badgeprint_pending */
    enum flow_sound sound;
    const char *language;                     /* switch the interface to this, or NULL */
    const struct flow_correction *correction; /* a request to log, or NULL */
    /* The PIN guard changed: keep it (pinguard_save) so that a restart does
     * not undo it. Owned by the flow; NULL when unchanged. */
    const struct pin_guard *pin_guard;
    bool pin_failed; /* a wrong PIN was given: log the try (never its digits) */
    bool allow_quit; /* the window may leave fullscreen / close (STAFF only) */
    bool quit;       /* staff asked to quit */
};

/* Timings, in seconds, and the PIN's guard. */
struct flow_settings {
    int result_seconds;           /* attendee result screens stay this long */
    int countdown_seconds;        /* CHECKED_IN waits this long before printing */
    int staff_idle_seconds;       /* staff mode ends after this long untouched */
    int pin_idle_seconds;         /* PIN entry is abandoned after this long */
    int pin_tries;                /* wrong PINs before a lock */
    int pin_lock_seconds;         /* how long the lock lasts */
    const char *default_language; /* the welcome screen's language ("en") */
};

/* The settings the configuration gives: the [kiosk] keys of the same names
 * (their defaults and limits are in config.c's table). default_language is
 * "en". */
void flow_settings_from_config(const struct config *cfg, struct flow_settings *s);

struct flow;

/* A flow on the welcome screen. ctx (and what it points to) must outlive the
 * flow; settings are copied (NULL: those of ctx->cfg). Staff mode is disabled
 * when ctx->cfg->staff_pin_hash is "". The badges this kiosk (ctx->kiosk_id)
 * left waiting in the store are asked of the printer again on the first
 * ticks: a kiosk stopped with its queue full resumes it. Free with
 * flow_free (NULL is fine). */
enum bk_status flow_new(const struct checkin_context *ctx, const struct flow_settings *settings,
                        struct flow **out, struct bk_err *err);
void flow_free(struct flow *f);

/* Handles one event and fills *out. A PIN submit runs Argon2id
 * (crypto_pwhash_str_verify) on the caller's thread, with the hash's own
 * parameters: a fraction of a second at badgectl's interactive setting.
 * at_ms is wall-clock time (the check-in is recorded at it); when it goes
 * backwards, the flow's timers move back with it (the jump counts as no time
 * passing) rather than waiting for the clock to catch up. */
void flow_handle(struct flow *f, const struct flow_event *ev, struct flow_actions *out);

/* Takes up the PIN guard kept from an earlier run (pinguard_load), at
 * now_ms: fails beyond the tries allowed count as one short of a lock, and a
 * lock ends no later than pin_lock_seconds from now (a clock that ran ahead
 * must not lock staff out for days). */
void flow_restore_pin_guard(struct flow *f, const struct pin_guard *g, int64_t now_ms);

/* The screen now up. */
enum flow_screen flow_current_screen(const struct flow *f);

/* The correction requests so far, oldest first; *list is owned by the flow. */
size_t flow_corrections(const struct flow *f, const struct flow_correction **list);

/* Badges this kiosk still owes: asked of the printer and not yet out, or
 * still to be resumed (the kiosk's heartbeat reports it). */
size_t flow_badges_in_hand(const struct flow *f);

#endif
