/* flow: the kiosk's screens and the rules between them; see flow.h.
 *
 * Each screen has one handler in the table at the bottom, in the manner of
 * st's event table: a handler gets the events that matter on its screen and
 * ignores the rest. What every screen shares (camera and printer news, the
 * answer's bookkeeping) happens in flow_handle around the call. */
#include "door/flow.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/badgeplan.h"
#include "util/i18n.h"
#include "util/utf8.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#define RECENT_CODES 8 /* codes remembered for the repeat rule */
#define PIN_MAX 16
#define REASON_MAX 128
#define QUIT_CONFIRM_MS 10000 /* the second "Quit kiosk" must come this soon */

static const char *const screen_codes[FLOW_N_SCREENS] = {
    [FLOW_WELCOME] = "welcome",
    [FLOW_CHECKED_IN] = "checked_in",
    [FLOW_CORRECTION] = "correction",
    [FLOW_PRINTING] = "printing",
    [FLOW_PRINTED] = "printed",
    [FLOW_WELCOME_BACK] = "welcome_back",
    [FLOW_ALREADY_CHECKED_IN] = "already_checked_in",
    [FLOW_OTHER_DAY] = "other_day",
    [FLOW_WITHDRAWN] = "withdrawn",
    [FLOW_INVALID] = "invalid",
    [FLOW_NO_EVENT_TODAY] = "no_event_today",
    [FLOW_PRINTER_TROUBLE] = "printer_trouble",
    [FLOW_STORE_ERROR] = "store_error",
    [FLOW_STAFF_PIN] = "staff_pin",
    [FLOW_STAFF] = "staff",
};

/* The sound a screen makes as it comes up. Colour is never the only signal
 * on screen, and sound is never the only signal either: it backs up the
 * words. */
static const enum flow_sound screen_sound[FLOW_N_SCREENS] = {
    [FLOW_CHECKED_IN] = FLOW_SOUND_SUCCESS,      [FLOW_PRINTED] = FLOW_SOUND_SUCCESS,
    [FLOW_WELCOME_BACK] = FLOW_SOUND_SUCCESS,    [FLOW_ALREADY_CHECKED_IN] = FLOW_SOUND_SUCCESS,
    [FLOW_OTHER_DAY] = FLOW_SOUND_FAILURE,       [FLOW_WITHDRAWN] = FLOW_SOUND_FAILURE,
    [FLOW_INVALID] = FLOW_SOUND_FAILURE,         [FLOW_NO_EVENT_TODAY] = FLOW_SOUND_FAILURE,
    [FLOW_PRINTER_TROUBLE] = FLOW_SOUND_FAILURE, [FLOW_STORE_ERROR] = FLOW_SOUND_FAILURE,
};

/* The screen for each outcome of the door's rules. A first check-in of
 * someone who already has a badge is WELCOME_BACK, decided in show_result. */
static const enum flow_screen outcome_screen[] = {
    [CHECKIN_CHECKED_IN] = FLOW_CHECKED_IN,
    [CHECKIN_ALREADY_CHECKED_IN] = FLOW_ALREADY_CHECKED_IN,
    [CHECKIN_NOT_REGISTERED_TODAY] = FLOW_OTHER_DAY,
    [CHECKIN_WITHDRAWN] = FLOW_WITHDRAWN,
    [CHECKIN_UNKNOWN] = FLOW_INVALID,
    [CHECKIN_INVALID] = FLOW_INVALID,
    [CHECKIN_NO_EVENT_TODAY] = FLOW_NO_EVENT_TODAY,
};

const struct flow_language flow_languages[] = {
    {"en", "English", "English", {NULL}, false, "en"},
    {"zh", "中文", "Chinese", {"汉语", "普通话"}, false, "zh_CN"},
    {"fr", "Français", "French", {"francais"}, false, "fr"},
    {"es", "Español", "Spanish", {"espanol"}, false, "es"},
    {"ru", "Русский", "Russian", {"русский"}, false, "ru"},
    {"ar", "العربية", "Arabic", {NULL}, true, "ar"},
};
const size_t flow_n_languages = sizeof flow_languages / sizeof flow_languages[0];

const char *flow_screen_code(enum flow_screen s)
{
    return (unsigned)s < FLOW_N_SCREENS ? screen_codes[s] : "?";
}

const struct flow_language *flow_language_find(const char *code)
{
    for (size_t i = 0; code && i < flow_n_languages; i++)
        if (strcmp(code, flow_languages[i].code) == 0)
            return &flow_languages[i];
    return NULL;
}

/* True when the len bytes at value spell name, ignoring ASCII case. */
static bool spells(const char *value, size_t len, const char *name)
{
    return name && strlen(name) == len && strncasecmp(value, name, len) == 0;
}

const char *flow_language_of(const char *value)
{
    if (!value)
        return NULL;
    while (*value == ' ')
        value++;
    size_t len = strlen(value);
    while (len && value[len - 1] == ' ')
        len--;
    for (size_t i = 0; i < flow_n_languages; i++) {
        const struct flow_language *l = &flow_languages[i];
        /* "fr", "FR", "fr-CA", "zh_Hans_CN" */
        if (len >= 2 && strncasecmp(value, l->code, 2) == 0 &&
            (len == 2 || value[2] == '-' || value[2] == '_'))
            return l->code;
        if (spells(value, len, l->name) || spells(value, len, l->english))
            return l->code;
        for (size_t j = 0; j < sizeof l->other_names / sizeof l->other_names[0]; j++)
            if (spells(value, len, l->other_names[j]))
                return l->code;
    }
    return NULL;
}

void flow_settings_from_config(const struct config *cfg, struct flow_settings *s)
{
    s->result_seconds = cfg->result_seconds;
    s->countdown_seconds = cfg->countdown_seconds;
    s->staff_idle_seconds = cfg->staff_idle_seconds;
    s->pin_idle_seconds = cfg->pin_idle_seconds;
    s->pin_tries = cfg->pin_tries;
    s->pin_lock_seconds = cfg->pin_lock_seconds;
    s->default_language = "en";
}

/* A code seen lately, for the repeat rule. */
struct recent_code {
    char bytes[TOKEN_PAYLOAD_MAX + 1];
    size_t len; /* the full length; bytes holds at most its first sizeof bytes */
    int64_t seen_ms;
    bool used;
};

/* A print request's strings, kept until the next event. */
struct print_slot {
    char attendee_id[ATTENDEE_ID_MAX + 1];
    char name[256]; /* display name for the queue, "" when not known */
    char payload[TOKEN_PAYLOAD_MAX + 1];
    bool has_payload;
    char reason[REASON_MAX];
    bool has_reason;
};

/* A badge asked of the printer whose end has not been heard yet. */
struct queued_print {
    uint32_t id;
    int64_t asked_ms;
    char attendee_id[ATTENDEE_ID_MAX + 1];
    char name[256];
};

struct flow {
    struct checkin_context ctx;
    struct flow_settings set;
    struct flow_view view;
    int64_t now;           /* the time of the event being handled */
    int64_t shown_ms;      /* when the current screen came up */
    int64_t last_input_ms; /* PIN and staff screens: the last thing staff did */

    /* CHECKED_IN: the badge that prints when the countdown ends, or as soon
     * as the screen is left any way but "my details are wrong". */
    bool countdown_armed;
    struct print_slot countdown;
    /* The person before: a countdown that was running when the next person
     * scanned, carried on in a strip until previous_deadline (the badge
     * then prints) or their "my details are wrong"; previous_noted_until
     * keeps the strip's "noted" a few seconds. */
    bool previous_armed;
    struct print_slot previous;
    int64_t previous_deadline;
    int64_t previous_noted_until;
    char previous_noted_name[256];
    uint32_t awaited_print; /* PRINTING waits for this request */
    uint32_t next_print_id;

    /* The print queue as the flow sees it: requests in the order given
     * (the print layer works through them in that order), the end of the
     * last one heard, and the printer's time per badge measured from the
     * gaps between ends (a moving average; 0 until measured). */
    struct queued_print *queue;
    size_t queue_len, queue_cap;
    int64_t last_print_end_ms;
    int64_t badge_ms;

    /* Badges this kiosk owed when it started (left waiting in the store by
     * a kiosk stopped with its queue full, or a crash): asked of the printer
     * a few at a time, on the first ticks, from resume[resume_next] on. */
    char (*resume)[ATTENDEE_ID_MAX + 1];
    size_t n_resume, resume_next;

    struct flow_actions *out; /* the answer being built */
    struct print_slot slots[FLOW_MAX_PRINTS];

    struct recent_code recent[RECENT_CODES];
    /* The last replacement asked for at the desk: a second tap on "Reprint"
     * would print a second replacement and retire the first at once. */
    char last_reprint_id[ATTENDEE_ID_MAX + 1];
    int64_t last_reprint_ms;
    int64_t quit_asked_ms; /* when "Quit kiosk" was first tapped */

    char pin[PIN_MAX + 1];
    size_t pin_len;
    struct pin_guard guard; /* kept by the caller across restarts (pinguard.h) */

    struct flow_staff staff;
    struct finder *finder;
    /* Who is in today (registration ID -> first check-in ms + 1; the desk's
     * exceptions as their negative), read with the day's count. */
    struct strmap *today_in;
    struct flow_correction corrections[FLOW_MAX_CORRECTIONS];
    /* What each request's person looked like then (details_hash; zeros when
     * the store could not say): the same details later are not corrected. */
    unsigned char correction_details[FLOW_MAX_CORRECTIONS][crypto_generichash_BYTES];
    size_t n_corrections;

    bool camera_missing;
    bool printer_down; /* known down: check-ins go on, badges wait for the desk */
    const char *language;
    const char *default_language;

    int64_t sync_checked_ms; /* when the shared store's state was last read; 0: never */
    bool offline;            /* the view's offline line, kept across screens */
    char offline_since[6];
    size_t waiting;
    bool clock_wrong; /* the view's clock line, likewise */
    int64_t clock_skew_s;
};

/* The least time the person before keeps to object once the next person
 * scanned, and how long their strip then says "noted". */
#define PREVIOUS_MIN_MS 4000
#define PREVIOUS_NOTED_MS 6000

/* How often the view's offline line is read from the store (its journal). */
#define SYNC_CHECK_MS 1000

/* ---- small helpers ---- */

/* Copies src into dst (size n), cut at a character boundary when too long. */
static void copy_text(char *dst, size_t n, const char *src)
{
    size_t len = utf8_cut(src, strlen(src), n - 1);
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static int seconds_until(int64_t deadline_ms, int64_t now_ms)
{
    int64_t left = deadline_ms - now_ms;
    return left <= 0 ? 0 : (int)((left + 999) / 1000);
}

static int64_t secs(int s)
{
    return (int64_t)s * 1000;
}

static void set_language(struct flow *f, const char *code)
{
    if (!code || f->language == code)
        return;
    f->language = code;
    f->out->language = code;
}

/* ---- print requests ---- */

/* Adds a print request to the answer and to the queue, and returns its id.
 * payload, reason and name (for the queue) may be NULL. */
static uint32_t request_print(struct flow *f, const char *attendee_id, const char *name,
                              const char *payload, const char *reason)
{
    struct flow_actions *out = f->out;
    if (out->n_prints >= FLOW_MAX_PRINTS)
        return 0; /* cannot happen: at most a countdown's and a new one per event */
    struct print_slot *slot = &f->slots[out->n_prints];
    copy_text(slot->attendee_id, sizeof slot->attendee_id, attendee_id);
    slot->has_payload = payload != NULL;
    if (payload)
        copy_text(slot->payload, sizeof slot->payload, payload);
    slot->has_reason = reason != NULL;
    if (reason)
        copy_text(slot->reason, sizeof slot->reason, reason);
    uint32_t id = ++f->next_print_id;
    if (f->queue_len == f->queue_cap) {
        f->queue_cap = f->queue_cap ? f->queue_cap * 2 : 16;
        f->queue = xrealloc(f->queue, f->queue_cap * sizeof *f->queue);
    }
    struct queued_print *q = &f->queue[f->queue_len++];
    q->id = id;
    q->asked_ms = f->now;
    copy_text(q->attendee_id, sizeof q->attendee_id, attendee_id);
    copy_text(q->name, sizeof q->name, name ? name : "");
    out->prints[out->n_prints++] = (struct flow_print){
        .id = id,
        .attendee_id = slot->attendee_id,
        .payload = slot->has_payload ? slot->payload : NULL,
        .reason = slot->has_reason ? slot->reason : NULL,
    };
    return id;
}

/* Prints the badge the countdown was holding. */
static uint32_t release_countdown(struct flow *f)
{
    if (!f->countdown_armed)
        return 0;
    f->countdown_armed = false;
    return request_print(f, f->countdown.attendee_id, f->countdown.name,
                         f->countdown.has_payload ? f->countdown.payload : NULL, NULL);
}

/* The person before's badge goes to the printer now (their time ran out,
 * a third person scanned, or staff stepped in). */
static void release_previous(struct flow *f)
{
    if (!f->previous_armed)
        return;
    f->previous_armed = false;
    request_print(f, f->previous.attendee_id, f->previous.name,
                  f->previous.has_payload ? f->previous.payload : NULL, NULL);
}

/* A new person scanned while the countdown of the one before was running:
 * theirs is not printed at once (they may still be reading their screen)
 * but kept in a strip with its own "my details are wrong" for the rest of
 * their countdown, and never less than PREVIOUS_MIN_MS. Only one person is
 * kept so: a third scan sends the first one's badge. */
static void keep_previous(struct flow *f)
{
    release_previous(f);
    if (!f->countdown_armed)
        return;
    f->countdown_armed = false;
    f->previous = f->countdown;
    f->previous_armed = true;
    int64_t deadline = f->shown_ms + secs(f->set.countdown_seconds);
    f->previous_deadline = deadline > f->now + PREVIOUS_MIN_MS ? deadline : f->now + PREVIOUS_MIN_MS;
}

/* The print request already made for attendee_id and not yet ended (or
 * the countdown's), or 0: a second scan while the badge is on its way must
 * not ask for another. */
static uint32_t queued_print_of(const struct flow *f, const char *attendee_id)
{
    for (size_t i = 0; i < f->queue_len; i++)
        if (strcmp(f->queue[i].attendee_id, attendee_id) == 0)
            return f->queue[i].id;
    return 0;
}

/* A hash of what a badge shows of a, to tell whether staff corrected it. */
static void details_hash(const struct attendee *a, unsigned char out[crypto_generichash_BYTES])
{
    const char *fields[] = {a->title,        a->first_name, a->last_name,
                            a->badge_name,   a->organization, a->country,
                            a->category,     a->events,     a->language};
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, crypto_generichash_BYTES);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *v = fields[i] ? fields[i] : "";
        uint64_t len = strlen(v);
        crypto_generichash_update(&st, (const unsigned char *)&len, sizeof len);
        crypto_generichash_update(&st, (const unsigned char *)v, len);
    }
    crypto_generichash_final(&st, out, crypto_generichash_BYTES);
}

/* Whether a asked here for a correction ("my details are wrong") and the
 * details are still those they asked about: the badge held back then must
 * not print on their next scan. Once staff corrected them (a newer export
 * imported), the badge owed prints with the details as they are now. */
static bool correction_asked(const struct flow *f, const struct attendee *a)
{
    static const unsigned char unknown[crypto_generichash_BYTES];
    for (size_t i = f->n_corrections; i-- > 0;) {
        if (strcmp(f->corrections[i].attendee_id, a->id) != 0)
            continue;
        unsigned char now[crypto_generichash_BYTES];
        details_hash(a, now);
        return memcmp(f->correction_details[i], unknown, sizeof unknown) == 0 ||
               memcmp(f->correction_details[i], now, sizeof now) == 0;
    }
    return false;
}

/* Asks the printer for one of the badges this kiosk left waiting, on a
 * tick (which leaves room in the answer for the countdown's badge). The
 * print layer resumes the person's waiting row (badgeprint_person with no
 * reason), so nothing prints twice. */
static void resume_waiting(struct flow *f)
{
    while (f->resume_next < f->n_resume && f->out->n_prints == 0) {
        const char *id = f->resume[f->resume_next++];
        if (queued_print_of(f, id))
            continue;
        char name[256] = "";
        struct attendee a = {0};
        if (store_get_attendee(f->ctx.store, id, &a, NULL) == BK_OK) {
            /* A badge held back by a request stays owed, unprinted. */
            if (correction_asked(f, &a)) {
                attendee_clear(&a);
                continue;
            }
            char *display = attendee_display_name_new(&a);
            copy_text(name, sizeof name, display);
            free(display);
            attendee_clear(&a);
        }
        request_print(f, id, name, NULL, NULL);
    }
}

/* Badges to print that the kiosk holds: queued and not yet out, or still
 * to be resumed. What quitting now would leave for print --pending. */
static size_t badges_in_hand(const struct flow *f)
{
    return f->queue_len + (f->n_resume - f->resume_next) + (f->previous_armed ? 1 : 0);
}

/* A print request ended (printed, written, or left pending for staff): it
 * leaves the queue, and a badge the printer made tells how long one takes.
 * The printer started on it when it was asked for or when the one before it
 * ended, whichever came later, so idle time is not counted. */
static void print_ended(struct flow *f, uint32_t id, enum flow_print_result result)
{
    for (size_t i = 0; i < f->queue_len; i++) {
        if (f->queue[i].id != id)
            continue;
        int64_t started = f->queue[i].asked_ms > f->last_print_end_ms ? f->queue[i].asked_ms
                                                                       : f->last_print_end_ms;
        int64_t took = f->now - started;
        if (result == FLOW_PRINT_PRINTED && i == 0 && took > 0)
            f->badge_ms = f->badge_ms ? (3 * f->badge_ms + took) / 4 : took;
        f->last_print_end_ms = f->now;
        memmove(&f->queue[i], &f->queue[i + 1], (f->queue_len - i - 1) * sizeof f->queue[0]);
        f->queue_len--;
        return;
    }
}

/* When the badge at queue place i (0-based; i == queue_len for one asked
 * at asked_ms, not yet in the queue) should be out, in Unix ms; 0 while
 * the printer's time per badge is not known. Each badge starts when the
 * one before it ends or when it is asked for, whichever is later. */
static int64_t expected_end(const struct flow *f, size_t place, int64_t asked_ms)
{
    if (!f->badge_ms)
        return 0;
    int64_t end = f->last_print_end_ms;
    for (size_t i = 0; i <= place && i <= f->queue_len; i++) {
        int64_t asked = i < f->queue_len ? f->queue[i].asked_ms : asked_ms;
        end = (end > asked ? end : asked) + f->badge_ms;
    }
    return end;
}

static int seconds_from_now(const struct flow *f, int64_t at_ms)
{
    if (!at_ms)
        return 0;
    int s = seconds_until(at_ms, f->now);
    return s < 1 ? 1 : s;
}

/* The person's badge on CHECKED_IN (not asked for until the countdown
 * ends) and PRINTING (asked for, awaited), and the queue for staff. */
static void fill_queue_view(struct flow *f)
{
    struct flow_view *v = &f->view;
    v->queue_place = 0;
    v->ready_seconds = 0;
    if (v->screen == FLOW_CHECKED_IN && f->countdown_armed) {
        v->queue_place = (int)f->queue_len + 1 + (f->previous_armed ? 1 : 0);
        int64_t asked = f->shown_ms + secs(f->set.countdown_seconds);
        int64_t end = expected_end(f, f->queue_len, asked);
        if (f->previous_armed && f->badge_ms) {
            /* The person before's badge, sent at their deadline, comes first. */
            int64_t before = expected_end(f, f->queue_len, f->previous_deadline);
            end = (before > asked ? before : asked) + f->badge_ms;
        }
        v->ready_seconds = seconds_from_now(f, end);
    } else if (v->screen == FLOW_PRINTING) {
        for (size_t i = 0; i < f->queue_len; i++)
            if (f->queue[i].id == f->awaited_print) {
                v->queue_place = (int)i + 1;
                v->ready_seconds = seconds_from_now(f, expected_end(f, i, 0));
            }
    }
    /* Whose badge comes out before this person's: the queue's head, or the
     * person before's, still held. */
    v->printing_before[0] = '\0';
    if (v->queue_place > 1 && f->queue_len)
        copy_text(v->printing_before, sizeof v->printing_before, f->queue[0].name);
    else if (v->screen == FLOW_CHECKED_IN && f->previous_armed)
        copy_text(v->printing_before, sizeof v->printing_before, f->previous.name);
    struct flow_staff *s = &f->staff;
    s->queue_len = f->queue_len;
    s->badge_ms = (int)f->badge_ms;
    s->n_queue_shown = 0;
    for (size_t i = 0; i < f->queue_len && i < FLOW_QUEUE_SHOWN; i++) {
        struct flow_queued_badge *b = &s->queue[s->n_queue_shown++];
        copy_text(b->attendee_id, sizeof b->attendee_id, f->queue[i].attendee_id);
        copy_text(b->name, sizeof b->name, f->queue[i].name);
        b->ready_seconds = seconds_from_now(f, expected_end(f, i, 0));
    }
}

/* ---- screens ---- */

/* Brings up screen. Leaving CHECKED_IN with the countdown still running
 * prints the badge at once: the countdown was there for the person to object,
 * and a new scan or staff stepping in is not an objection. */
static void show(struct flow *f, enum flow_screen screen)
{
    if (f->view.screen == FLOW_CHECKED_IN && f->countdown_armed)
        release_countdown(f);
    memset(&f->view, 0, sizeof f->view);
    f->view.screen = screen;
    f->shown_ms = f->now;
    f->out->screen_changed = true;
    f->out->sound = screen_sound[screen];
}

static void go_welcome(struct flow *f)
{
    show(f, FLOW_WELCOME);
    /* The next person is likely someone else: the language a scan or a touch
     * chose for the last one goes back to the kiosk's own. */
    set_language(f, f->default_language);
}

/* ---- the repeat rule ---- */

static size_t trimmed_len(const char *bytes, size_t len)
{
    while (len && (bytes[len - 1] == '\r' || bytes[len - 1] == '\n' || bytes[len - 1] == ' ' ||
                   bytes[len - 1] == '\t'))
        len--;
    return len;
}

/* Compared in constant time: the codes remembered are other people's, and
 * in export mode each is a secret that checks its holder in. */
static bool same_code(const struct recent_code *r, const char *bytes, size_t len)
{
    size_t keep = len < sizeof r->bytes ? len : sizeof r->bytes;
    return r->used && r->len == len && sodium_memcmp(r->bytes, bytes, keep) == 0;
}

/* True when the code was seen within repeat_seconds. Every sighting renews
 * the window: a camera sees a code held up for ten seconds a hundred times,
 * and that is one check-in, not one every repeat_seconds. */
static bool seen_recently(struct flow *f, const char *bytes, size_t len)
{
    int64_t window = secs(f->ctx.cfg->repeat_seconds);
    for (size_t i = 0; i < RECENT_CODES; i++) {
        struct recent_code *r = &f->recent[i];
        if (same_code(r, bytes, len) && f->now - r->seen_ms < window) {
            r->seen_ms = f->now;
            return true;
        }
    }
    return false;
}

static void remember_code(struct flow *f, const char *bytes, size_t len)
{
    struct recent_code *slot = &f->recent[0];
    for (size_t i = 0; i < RECENT_CODES; i++) {
        struct recent_code *r = &f->recent[i];
        if (same_code(r, bytes, len)) {
            slot = r;
            break;
        }
        if (!r->used || r->seen_ms < slot->seen_ms)
            slot = r;
    }
    slot->used = true;
    slot->len = len;
    memcpy(slot->bytes, bytes, len < sizeof slot->bytes ? len : sizeof slot->bytes);
    slot->seen_ms = f->now;
}

/* ---- the check-in ---- */

static void fill_person(const struct checkin_result *res, char *name, size_t n)
{
    name[0] = '\0';
    if (res->has_attendee) {
        char *display = attendee_display_name_new(&res->attendee);
        copy_text(name, n, display);
        free(display);
    }
}

/* The code the person was mailed, out of what was scanned: a badge's code
 * carries it behind its serial. */
static void mailed_payload(const char *bytes, size_t len, const struct checkin_result *res,
                           char *out, size_t n)
{
    size_t skip = 0;
    if (res->badge_serial[0] && len > strlen(TOKEN_BADGE_PREFIX) + TOKEN_SERIAL_LEN + 1)
        skip = strlen(TOKEN_BADGE_PREFIX) + TOKEN_SERIAL_LEN + 1;
    len -= skip;
    if (len >= n)
        len = n - 1;
    memcpy(out, bytes + skip, len);
    out[len] = '\0';
}

/* Runs the door's rules on a code, with the repeat rule first. Returns false
 * when the code is a repeat (nothing was done or recorded). On a store
 * failure *st is the error and nothing was acknowledged, so the code is not
 * remembered: the person may simply try again. */
static bool run_checkin(struct flow *f, const char *bytes, size_t len, enum checkin_method method,
                        bool override, struct checkin_result *res, enum bk_status *st,
                        struct bk_err *err)
{
    size_t code_len = trimmed_len(bytes, len);
    if (method != CHECKIN_MANUAL && seen_recently(f, bytes, code_len))
        return false;
    bk_err_clear(err);
    if (override) {
        char id[ATTENDEE_ID_MAX + 1];
        size_t n = len < sizeof id - 1 ? len : sizeof id - 1;
        memcpy(id, bytes, n);
        id[n] = '\0';
        *st = checkin_override(&f->ctx, id, f->now, res, err);
    } else {
        *st = checkin_process(&f->ctx, bytes, len, method, f->now, res, err);
    }
    if (*st == BK_OK && method != CHECKIN_MANUAL)
        remember_code(f, bytes, code_len);
    return true;
}

static void show_store_error(struct flow *f, const struct bk_err *err)
{
    show(f, FLOW_STORE_ERROR);
    copy_text(f->view.problem, sizeof f->view.problem, err ? err->msg : "");
    f->view.store_status = err && err->status != BK_OK ? err->status : BK_ERR_STORE;
}

/* A scan at the attendee screens: the result replaces whatever is up. */
static void attendee_scan(struct flow *f, const struct flow_event *ev)
{
    struct checkin_result res;
    struct bk_err err;
    enum bk_status st;
    if (!run_checkin(f, ev->scan.bytes, ev->scan.len, ev->scan.method, false, &res, &st, &err))
        return;
    if (st != BK_OK) {
        checkin_result_clear(&res);
        show_store_error(f, &err);
        return;
    }
    enum flow_screen screen = outcome_screen[res.outcome];
    if (res.outcome == CHECKIN_CHECKED_IN && !res.badge_needed)
        screen = FLOW_WELCOME_BACK;
    /* Checked in earlier (at the desk, on the command line, here) and no
     * badge of theirs has printed: it is owed, so it prints now, unless it
     * is already on its way from this kiosk, or the person asked here for
     * their details to be corrected (staff print it once they are). */
    if (res.outcome == CHECKIN_ALREADY_CHECKED_IN && res.badge_needed &&
        !(res.has_attendee && correction_asked(f, &res.attendee))) {
        bool counting = f->countdown_armed &&
                        strcmp(f->countdown.attendee_id, res.attendee_id) == 0;
        screen = counting || queued_print_of(f, res.attendee_id) ? FLOW_PRINTING
                                                                 : FLOW_CHECKED_IN;
    }
    /* Someone else scanned while the person before was still reading their
     * screen: they keep their chance to object, in a strip. */
    if (f->view.screen == FLOW_CHECKED_IN && f->countdown_armed &&
        strcmp(f->countdown.attendee_id, res.attendee_id) != 0)
        keep_previous(f);
    show(f, screen); /* releases a countdown still running: its badge is queued now */
    if (screen == FLOW_PRINTING)
        f->awaited_print = queued_print_of(f, res.attendee_id);
    struct flow_view *v = &f->view;
    fill_person(&res, v->name, sizeof v->name);
    copy_text(v->attendee_id, sizeof v->attendee_id, res.attendee_id);
    v->outcome = res.outcome;
    v->reason = res.reason;
    if (res.outcome == CHECKIN_ALREADY_CHECKED_IN) {
        char when[32];
        tz_format_instant(f->ctx.cfg->tz, res.first_at_ms, when);
        memcpy(v->first_at, when + 11, 5); /* "2023-07-04T09:30:00+08:00" */
        v->first_at[5] = '\0';
    }
    if (res.outcome == CHECKIN_NOT_REGISTERED_TODAY && res.has_attendee)
        v->n_parts = badgetext_parts(f->ctx.cfg, &res.attendee, v->parts);
    if (screen == FLOW_CHECKED_IN) {
        /* A printer known to be down would only turn the countdown into the
         * printer-trouble screen: the badge owed stays in the store (for the
         * desk, or this kiosk once the printer answers), and the person
         * still has "my details are wrong". */
        v->badge_at_desk = f->printer_down;
        v->badge_needed = !f->printer_down;
        v->seconds_left = f->printer_down ? 0 : f->set.countdown_seconds;
        f->countdown_armed = !f->printer_down;
        copy_text(f->countdown.attendee_id, sizeof f->countdown.attendee_id, res.attendee_id);
        copy_text(f->countdown.name, sizeof f->countdown.name, v->name);
        f->countdown.has_payload = true;
        mailed_payload(ev->scan.bytes, trimmed_len(ev->scan.bytes, ev->scan.len), &res,
                       f->countdown.payload, sizeof f->countdown.payload);
    }
    if (res.has_attendee)
        set_language(f, flow_language_of(res.attendee.language));
    checkin_result_clear(&res);
}

/* ---- correction requests ---- */

/* Takes attendee_id's request out of the flow's list (none: nothing). */
static void drop_correction(struct flow *f, const char *attendee_id)
{
    for (size_t i = 0; i < f->n_corrections; i++)
        if (strcmp(f->corrections[i].attendee_id, attendee_id) == 0) {
            memmove(&f->corrections[i], &f->corrections[i + 1],
                    (f->n_corrections - i - 1) * sizeof f->corrections[0]);
            memmove(&f->correction_details[i], &f->correction_details[i + 1],
                    (f->n_corrections - i - 1) * sizeof f->correction_details[0]);
            f->n_corrections--;
            return;
        }
}

/* Keeps a request in the flow's list (the staff screen's), with what the
 * person's details looked like (zeros: not known). The oldest makes room
 * when the list is full; the store keeps every one. */
static struct flow_correction *keep_correction(struct flow *f, const char *attendee_id,
                                               const char *name, int64_t at_ms,
                                               const unsigned char *details)
{
    drop_correction(f, attendee_id); /* a second request replaces the first */
    if (f->n_corrections == FLOW_MAX_CORRECTIONS)
        drop_correction(f, f->corrections[0].attendee_id);
    unsigned char *d = f->correction_details[f->n_corrections];
    memset(d, 0, crypto_generichash_BYTES);
    if (details)
        memcpy(d, details, crypto_generichash_BYTES);
    struct flow_correction *c = &f->corrections[f->n_corrections++];
    c->at_ms = at_ms;
    copy_text(c->attendee_id, sizeof c->attendee_id, attendee_id);
    copy_text(c->name, sizeof c->name, name ? name : "");
    return c;
}

/* Whether attendee_id has a request open in the flow's list. */
static bool correction_open(const struct flow *f, const char *attendee_id)
{
    for (size_t i = 0; i < f->n_corrections; i++)
        if (strcmp(f->corrections[i].attendee_id, attendee_id) == 0)
            return true;
    return false;
}

/* "My details are wrong": the request goes into the store's log with the
 * check-in it follows, durable before the person is told it was noted, so
 * a restart forgets neither the request nor the badge it holds back. The
 * badge stays owed (its row pending, counted as waiting) and no kiosk
 * prints it while the request is open and the details unchanged; staff
 * print it when they settle the request. False on a store failure (then
 * f->view shows it). */
static bool record_correction(struct flow *f, const char *attendee_id, const char *name)
{
    unsigned char details[crypto_generichash_BYTES] = {0};
    char hex[2 * crypto_generichash_BYTES + 1] = "";
    struct attendee a = {0};
    struct bk_err err;
    bk_err_clear(&err);
    if (store_get_attendee(f->ctx.store, attendee_id, &a, NULL) == BK_OK) {
        details_hash(&a, details);
        sodium_bin2hex(hex, sizeof hex, details, sizeof details);
        attendee_clear(&a);
    }
    const char *kiosk = f->ctx.kiosk_id ? f->ctx.kiosk_id : f->ctx.cfg->kiosk_id;
    bk_day day = tz_local_day(f->ctx.cfg->tz, f->now, NULL);
    if (store_record_correction(f->ctx.store, attendee_id, day, kiosk,
                                checkin_method_code(CHECKIN_MANUAL), hex, f->now,
                                &err) != BK_OK) {
        show_store_error(f, &err);
        return false;
    }
    f->out->correction = keep_correction(f, attendee_id, name, f->now, hex[0] ? details : NULL);
    return true;
}

/* Settles attendee_id's request (how: "cleared", "printed") in the store and
 * the flow's list. A person with none open records nothing. */
static enum bk_status settle_correction(struct flow *f, const char *attendee_id, const char *how,
                                        struct bk_err *err)
{
    const char *kiosk = f->ctx.kiosk_id ? f->ctx.kiosk_id : f->ctx.cfg->kiosk_id;
    enum bk_status st = store_clear_correction(f->ctx.store, attendee_id, kiosk,
                                               checkin_method_code(CHECKIN_MANUAL), how, f->now,
                                               NULL, err);
    if (st != BK_OK)
        return st;
    drop_correction(f, attendee_id);
    return BK_OK;
}

/* ---- staff mode ---- */

struct day_count {
    bk_day today;
    size_t n;
    struct strmap *in; /* who: ID -> first check-in ms + 1 */
};

static int count_today(void *ctx, const char *attendee, bk_day day, int64_t first_at_ms)
{
    struct day_count *c = ctx;
    if (day == c->today) {
        c->n++;
        *strmap_slot(c->in, attendee, NULL) = (uintptr_t)(first_at_ms + 1);
    }
    return 0;
}

/* The badges owed, counted, and the first FLOW_WAITING_SHOWN people's IDs. */
struct waiting_rows {
    size_t n;
    char ids[FLOW_WAITING_SHOWN][ATTENDEE_ID_MAX + 1];
    size_t n_ids;
};

static int count_waiting(void *ctx, const struct store_badge *b)
{
    struct waiting_rows *w = ctx;
    if (!store_badge_waiting(b->status))
        return 0;
    w->n++;
    for (size_t i = 0; i < w->n_ids; i++)
        if (strcmp(w->ids[i], b->attendee) == 0)
            return 0;
    if (w->n_ids < FLOW_WAITING_SHOWN)
        copy_text(w->ids[w->n_ids++], sizeof w->ids[0], b->attendee);
    return 0;
}

/* The display name of id into name (n bytes); "" when the store cannot say. */
static void name_of(struct flow *f, const char *id, char *name, size_t n)
{
    name[0] = '\0';
    struct attendee a = {0};
    if (store_get_attendee(f->ctx.store, id, &a, NULL) != BK_OK)
        return;
    char *display = attendee_display_name_new(&a);
    copy_text(name, n, display);
    free(display);
    attendee_clear(&a);
}

static void staff_store_failed(struct flow *f, const struct bk_err *err)
{
    f->staff.last = FLOW_STAFF_STORE_FAILED;
    copy_text(f->staff.problem, sizeof f->staff.problem, err->msg);
}

/* Today's counts, from the store: the store is shared with other kiosks and
 * the desk, so the flow keeps no tally of its own. */
static void staff_refresh_counts(struct flow *f)
{
    struct bk_err err;
    bk_err_clear(&err);
    struct day_count c = {tz_local_day(f->ctx.cfg->tz, f->now, NULL), 0, strmap_new()};
    struct waiting_rows w = {0};
    /* The day's count is the shared store's: offline, the last one stands
     * (the offline line says why), and the badges come from the journal. */
    enum bk_status st = store_foreach_attendance(f->ctx.store, count_today, &c, &err);
    if (st == BK_OK) {
        f->staff.checked_in_today = c.n;
        strmap_free(f->today_in);
        f->today_in = c.in;
    } else {
        strmap_free(c.in);
    }
    if ((st != BK_OK && st != BK_ERR_OFFLINE) ||
        store_foreach_badge(f->ctx.store, NULL, count_waiting, &w, &err) != BK_OK) {
        staff_store_failed(f, &err);
        return;
    }
    struct flow_staff *s = &f->staff;
    s->pending_prints = w.n;
    s->n_waiting_shown = w.n_ids;
    for (size_t i = 0; i < w.n_ids; i++) {
        struct flow_waiting_badge *b = &s->waiting[i];
        copy_text(b->attendee_id, sizeof b->attendee_id, w.ids[i]);
        name_of(f, b->attendee_id, b->name, sizeof b->name);
        b->held = correction_open(f, b->attendee_id);
    }
}

/* The search's hits, each with where the person stands today: refreshed
 * with every key and after every check-in at the desk. */
static void staff_search(struct flow *f)
{
    struct flow_staff *s = &f->staff;
    s->n_hits = f->finder ? finder_search(f->finder, s->query, s->hits, FLOW_STAFF_HITS) : 0;
    bk_day today = tz_local_day(f->ctx.cfg->tz, f->now, NULL);
    for (size_t i = 0; i < s->n_hits; i++) {
        struct flow_hit_standing *h = &s->standing[i];
        memset(h, 0, sizeof *h);
        struct attendee a = {0};
        if (store_get_attendee(f->ctx.store, s->hits[i].id, &a, NULL) != BK_OK)
            continue;
        uintptr_t *in = f->today_in ? strmap_find(f->today_in, a.id) : NULL;
        /* In today although the rules would not admit them: the desk's
         * exception admitted them. */
        struct checkin_standing st;
        checkin_standing(f->ctx.cfg, &a, today, false, &st);
        h->overridden = in && st.override_allowed;
        checkin_standing(f->ctx.cfg, &a, today, in != NULL, &st);
        h->checked_in = st.checked_in;
        h->would_be = st.would_be;
        h->override_allowed = st.override_allowed;
        if (in) {
            char when[40];
            tz_format_instant(f->ctx.cfg->tz, (int64_t)*in - 1, when);
            snprintf(h->first_at, sizeof h->first_at, "%.5s", when + 11);
        }
        for (size_t j = 0; j < st.n_parts; j++) {
            size_t used = strlen(h->parts);
            snprintf(h->parts + used, sizeof h->parts - used, "%s%s", j ? ", " : "",
                     st.parts[j]->code);
        }
        attendee_clear(&a);
    }
}

static void enter_staff(struct flow *f)
{
    show(f, FLOW_STAFF);
    struct flow_staff *s = &f->staff;
    s->query[0] = '\0';
    s->n_hits = 0;
    s->last = FLOW_STAFF_NONE;
    /* Rebuilt each time: an import by badgectl since the last visit shows. */
    finder_free(f->finder);
    f->finder = NULL;
    struct bk_err err;
    bk_err_clear(&err);
    if (finder_new_from_store(f->ctx.store, &f->finder, &err) != BK_OK)
        staff_store_failed(f, &err);
    staff_refresh_counts(f);
    f->last_input_ms = f->now;
}

static void enter_pin(struct flow *f)
{
    /* An empty hash means the organisers turned staff mode off. */
    if (!f->ctx.cfg->staff_pin_hash || !f->ctx.cfg->staff_pin_hash[0])
        return;
    release_previous(f); /* staff stepping in is not an objection */
    show(f, FLOW_STAFF_PIN);
    sodium_memzero(f->pin, sizeof f->pin);
    f->pin_len = 0;
    f->last_input_ms = f->now;
}

static void pin_submit(struct flow *f)
{
    const char *hash = f->ctx.cfg->staff_pin_hash;
    bool ok = f->pin_len > 0 && crypto_pwhash_str_verify(hash, f->pin, f->pin_len) == 0;
    sodium_memzero(f->pin, sizeof f->pin);
    f->pin_len = 0;
    if (ok) {
        if (f->guard.fails) {
            f->guard.fails = 0;
            f->out->pin_guard = &f->guard;
        }
        enter_staff(f);
        return;
    }
    f->out->sound = FLOW_SOUND_FAILURE;
    f->out->pin_failed = true;
    if (++f->guard.fails >= f->set.pin_tries) {
        f->guard.fails = 0;
        f->guard.locked_until_ms = f->now + secs(f->set.pin_lock_seconds);
    }
    f->out->pin_guard = &f->guard;
}

/* Shows a desk check-in's result on the staff screen, printing a first badge
 * when one is due: the desk follows the kiosk's rule. */
static void staff_checkin(struct flow *f, const char *bytes, size_t len, enum checkin_method method,
                          bool override)
{
    struct checkin_result res;
    struct bk_err err;
    enum bk_status st;
    if (!run_checkin(f, bytes, len, method, override, &res, &st, &err))
        return;
    struct flow_staff *s = &f->staff;
    if (st != BK_OK) {
        checkin_result_clear(&res);
        staff_store_failed(f, &err);
        f->out->sound = FLOW_SOUND_FAILURE;
        return;
    }
    s->last = FLOW_STAFF_CHECKED;
    s->first_instead = false;
    s->last_outcome = res.outcome;
    s->overridden = res.overridden;
    /* The desk decides the exceptions: someone registered for another part,
     * or not for today, may be admitted anyway, by a second, explicit tap. */
    s->can_override = res.outcome == CHECKIN_NOT_REGISTERED_TODAY && res.has_attendee;
    copy_text(s->last_id, sizeof s->last_id, res.attendee_id);
    fill_person(&res, s->last_name, sizeof s->last_name);
    bool checked = res.outcome == CHECKIN_CHECKED_IN || res.outcome == CHECKIN_ALREADY_CHECKED_IN;
    if (checked && res.badge_needed && !queued_print_of(f, res.attendee_id)) {
        char payload[TOKEN_PAYLOAD_MAX + 1] = "";
        if (method != CHECKIN_MANUAL)
            mailed_payload(bytes, trimmed_len(bytes, len), &res, payload, sizeof payload);
        request_print(f, res.attendee_id, s->last_name, method != CHECKIN_MANUAL ? payload : NULL,
                      NULL);
        /* Staff printing the badge a request held back settles it: they
         * have the person before them. */
        if (correction_open(f, res.attendee_id))
            settle_correction(f, res.attendee_id, "printed", NULL);
    }
    f->out->sound = res.outcome == CHECKIN_CHECKED_IN || res.outcome == CHECKIN_ALREADY_CHECKED_IN
                        ? FLOW_SOUND_SUCCESS
                        : FLOW_SOUND_FAILURE;
    checkin_result_clear(&res);
    staff_refresh_counts(f);
    staff_search(f);
}

static void staff_reprint(struct flow *f, const char *id, const char *reason)
{
    struct flow_staff *s = &f->staff;
    copy_text(s->last_id, sizeof s->last_id, id ? id : "");
    s->last_name[0] = '\0';
    while (reason && *reason == ' ')
        reason++;
    if (!reason || !*reason) {
        /* A replacement retires the badge before it: the reason is what the
         * organisers read when they ask why two badges exist. */
        s->last = FLOW_STAFF_REASON_NEEDED;
        return;
    }
    struct attendee a = {0};
    struct bk_err err;
    bk_err_clear(&err);
    enum bk_status st = store_get_attendee(f->ctx.store, id ? id : "", &a, &err);
    if (st == BK_ERR_NOT_FOUND) {
        s->last = FLOW_STAFF_NOT_FOUND;
        return;
    }
    if (st != BK_OK) {
        staff_store_failed(f, &err);
        return;
    }
    char *name = attendee_display_name_new(&a);
    copy_text(s->last_name, sizeof s->last_name, name);
    free(name);
    /* A replacement needs a badge to replace. Someone never badged gets a
     * first badge, the way the door gives one: after a check-in for today
     * where the rules allow it (or when they are in already), and the
     * report counts it as a first badge, not a reprint. */
    bool has_badge = false;
    if (badgeplan_has_badge(f->ctx.store, a.id, &has_badge, &err) != BK_OK) {
        attendee_clear(&a);
        staff_store_failed(f, &err);
        return;
    }
    if (!has_badge) {
        char aid[ATTENDEE_ID_MAX + 1];
        copy_text(aid, sizeof aid, a.id);
        attendee_clear(&a);
        staff_checkin(f, aid, strlen(aid), CHECKIN_MANUAL, false);
        if (s->last != FLOW_STAFF_CHECKED)
            return;
        s->first_instead = true;
        /* The check-in queued the badge it owes; someone in already whose
         * badge is not owed (nor queued) gets it here. */
        if (s->last_outcome == CHECKIN_ALREADY_CHECKED_IN && !queued_print_of(f, aid))
            request_print(f, aid, s->last_name, NULL, NULL);
        return;
    }
    /* One replacement per request, whatever the reason tapped: a repeat
     * within repeat_seconds is a double tap (or an impatient one), and a
     * second replacement would retire the first as it comes out. The window
     * is not renewed by the repeats, so a deliberate second one can follow. */
    if (strcmp(f->last_reprint_id, a.id) == 0 &&
        f->now - f->last_reprint_ms < secs(f->ctx.cfg->repeat_seconds)) {
        attendee_clear(&a);
        s->last = FLOW_STAFF_REPRINT_REPEATED;
        return;
    }
    copy_text(f->last_reprint_id, sizeof f->last_reprint_id, a.id);
    f->last_reprint_ms = f->now;
    request_print(f, a.id, s->last_name, NULL, reason);
    if (correction_open(f, a.id))
        settle_correction(f, a.id, "printed", NULL);
    attendee_clear(&a);
    s->last = FLOW_STAFF_REPRINT_SENT;
}

static int note_waiting(void *ctx, const struct store_badge *b)
{
    bool *waiting = ctx;
    if (store_badge_waiting(b->status))
        *waiting = true;
    return 0;
}

/* Staff settled a request at the desk ("Clear"): the badge it held back
 * prints now, with the details as the store has them. */
static void staff_clear_correction(struct flow *f, const char *id)
{
    struct flow_staff *s = &f->staff;
    copy_text(s->last_id, sizeof s->last_id, id ? id : "");
    s->last_name[0] = '\0';
    for (size_t i = 0; i < f->n_corrections; i++)
        if (strcmp(f->corrections[i].attendee_id, s->last_id) == 0)
            copy_text(s->last_name, sizeof s->last_name, f->corrections[i].name);
    struct bk_err err;
    bk_err_clear(&err);
    bool waiting = false;
    if (settle_correction(f, s->last_id, "cleared", &err) != BK_OK ||
        store_foreach_badge(f->ctx.store, s->last_id, note_waiting, &waiting, &err) != BK_OK) {
        staff_store_failed(f, &err);
        return;
    }
    if (waiting && !queued_print_of(f, s->last_id))
        request_print(f, s->last_id, s->last_name, NULL, NULL);
    s->last = FLOW_STAFF_CORRECTION_CLEARED;
    staff_refresh_counts(f);
}

/* ---- handlers, one per screen ---- */

/* What every attendee-facing screen does alike. True when ev was handled. */
static bool attendee_common(struct flow *f, const struct flow_event *ev)
{
    switch (ev->type) {
    case FLOW_EV_SCAN:
        attendee_scan(f, ev);
        return true;
    case FLOW_EV_LANGUAGE: {
        const struct flow_language *l = flow_language_find(ev->language);
        if (l)
            set_language(f, l->code);
        return true;
    }
    case FLOW_EV_STAFF_KEYS:
        enter_pin(f);
        return true;
    default:
        return false;
    }
}

static void on_welcome(struct flow *f, const struct flow_event *ev)
{
    attendee_common(f, ev);
}

static void on_checked_in(struct flow *f, const struct flow_event *ev)
{
    if (attendee_common(f, ev))
        return;
    if (f->view.badge_at_desk && !(ev->type == FLOW_EV_TOUCH &&
                                   ev->button == FLOW_BUTTON_DETAILS_WRONG)) {
        /* Nothing to print here: a result screen like the others. */
        if ((ev->type == FLOW_EV_TICK && f->now - f->shown_ms >= secs(f->set.result_seconds)) ||
            (ev->type == FLOW_EV_TOUCH && ev->button == FLOW_BUTTON_DONE))
            go_welcome(f);
        return;
    }
    int64_t deadline = f->shown_ms + secs(f->set.countdown_seconds);
    if (ev->type == FLOW_EV_TICK) {
        f->view.seconds_left = seconds_until(deadline, f->now);
        if (f->now < deadline)
            return;
    } else if (ev->type == FLOW_EV_TOUCH && ev->button == FLOW_BUTTON_DETAILS_WRONG) {
        f->countdown_armed = false;
        if (!record_correction(f, f->countdown.attendee_id, f->view.name))
            return;
        char name[sizeof f->view.name], id[sizeof f->view.attendee_id];
        memcpy(name, f->view.name, sizeof name);
        memcpy(id, f->view.attendee_id, sizeof id);
        show(f, FLOW_CORRECTION);
        memcpy(f->view.name, name, sizeof name);
        memcpy(f->view.attendee_id, id, sizeof id);
        return;
    } else if (!(ev->type == FLOW_EV_TOUCH && ev->button == FLOW_BUTTON_DONE)) {
        return;
    }
    /* The countdown ran out, or the person touched "print now". */
    char name[sizeof f->view.name];
    memcpy(name, f->view.name, sizeof name);
    f->awaited_print = release_countdown(f);
    show(f, FLOW_PRINTING);
    memcpy(f->view.name, name, sizeof name);
}

static void on_printing(struct flow *f, const struct flow_event *ev)
{
    if (attendee_common(f, ev))
        return;
    if (ev->type == FLOW_EV_PRINT_DONE && ev->print.id == f->awaited_print) {
        bool trouble = ev->print.result == FLOW_PRINT_PENDING;
        char name[sizeof f->view.name];
        memcpy(name, f->view.name, sizeof name);
        show(f, trouble ? FLOW_PRINTER_TROUBLE : FLOW_PRINTED);
        memcpy(f->view.name, name, sizeof name);
        if (trouble && ev->print.problem)
            copy_text(f->view.problem, sizeof f->view.problem, ev->print.problem);
    } else if (ev->type == FLOW_EV_TICK) {
        /* The print layer always answers, but a person must never be left
         * facing "printing" for ever if it does not. */
        int limit = f->ctx.cfg->print_timeout > 30 ? f->ctx.cfg->print_timeout : 30;
        if (f->now - f->shown_ms >= secs(limit + f->set.result_seconds))
            show(f, FLOW_PRINTER_TROUBLE);
    }
}

/* Every screen that shows a result and then goes back to welcome. */
static void on_result(struct flow *f, const struct flow_event *ev)
{
    if (attendee_common(f, ev))
        return;
    if ((ev->type == FLOW_EV_TICK && f->now - f->shown_ms >= secs(f->set.result_seconds)) ||
        (ev->type == FLOW_EV_TOUCH && ev->button == FLOW_BUTTON_DONE))
        go_welcome(f);
}

static void on_staff_pin(struct flow *f, const struct flow_event *ev)
{
    bool locked = f->now < f->guard.locked_until_ms;
    switch (ev->type) {
    case FLOW_EV_SCAN:
        /* An attendee's scan outranks a PIN half typed. */
        attendee_scan(f, ev);
        return;
    case FLOW_EV_PIN_DIGIT:
        f->last_input_ms = f->now;
        if (!locked && f->pin_len < PIN_MAX && ev->digit >= '0' && ev->digit <= '9')
            f->pin[f->pin_len++] = ev->digit;
        break;
    case FLOW_EV_PIN_ERASE:
        f->last_input_ms = f->now;
        if (f->pin_len)
            f->pin[--f->pin_len] = '\0';
        break;
    case FLOW_EV_PIN_SUBMIT:
        f->last_input_ms = f->now;
        if (!locked)
            pin_submit(f);
        if (f->view.screen != FLOW_STAFF_PIN)
            return;
        break;
    case FLOW_EV_TOUCH:
        if (ev->button == FLOW_BUTTON_BACK)
            go_welcome(f);
        return;
    case FLOW_EV_TICK:
        if (f->now - f->last_input_ms >= secs(f->set.pin_idle_seconds)) {
            sodium_memzero(f->pin, sizeof f->pin);
            f->pin_len = 0;
            go_welcome(f);
            return;
        }
        break;
    default:
        break;
    }
    f->view.pin_len = f->pin_len;
}

/* Quitting leaves the door without a kiosk and the waiting badges without a
 * printer: the first tap asks (with how many badges wait), the second
 * within QUIT_CONFIRM_MS quits, anything else staff does in between is a
 * "no". */
static void staff_quit(struct flow *f)
{
    struct flow_staff *s = &f->staff;
    if (s->last == FLOW_STAFF_QUIT_ASKED && f->now - f->quit_asked_ms < QUIT_CONFIRM_MS) {
        f->out->quit = true;
        return;
    }
    staff_refresh_counts(f);
    s->last = FLOW_STAFF_QUIT_ASKED;
    s->quit_waiting = badges_in_hand(f);
    f->quit_asked_ms = f->now;
}

static void on_staff(struct flow *f, const struct flow_event *ev)
{
    struct flow_staff *s = &f->staff;
    bool answers_quit = ev->type == FLOW_EV_TICK || ev->type == FLOW_EV_PRINT_DONE ||
                        ev->type == FLOW_EV_CAMERA || ev->type == FLOW_EV_PRINTER ||
                        (ev->type == FLOW_EV_TOUCH && ev->button == FLOW_BUTTON_QUIT);
    if (s->last == FLOW_STAFF_QUIT_ASKED && !answers_quit)
        s->last = FLOW_STAFF_NONE;
    switch (ev->type) {
    case FLOW_EV_TICK:
        if (s->last == FLOW_STAFF_QUIT_ASKED && f->now - f->quit_asked_ms >= QUIT_CONFIRM_MS)
            s->last = FLOW_STAFF_NONE;
        if (f->now - f->last_input_ms >= secs(f->set.staff_idle_seconds))
            go_welcome(f);
        return;
    case FLOW_EV_SCAN:
        /* At the staff screen the kiosk is the desk: the result shows here. */
        staff_checkin(f, ev->scan.bytes, ev->scan.len, ev->scan.method, false);
        break;
    case FLOW_EV_STAFF_SEARCH:
        copy_text(s->query, sizeof s->query, ev->text ? ev->text : "");
        staff_search(f);
        break;
    case FLOW_EV_STAFF_CHECKIN:
    case FLOW_EV_STAFF_CHECKIN_OVERRIDE:
        staff_checkin(f, ev->text ? ev->text : "", ev->text ? strlen(ev->text) : 0, CHECKIN_MANUAL,
                      ev->type == FLOW_EV_STAFF_CHECKIN_OVERRIDE);
        break;
    case FLOW_EV_STAFF_REPRINT:
        staff_reprint(f, ev->reprint.id, ev->reprint.reason);
        break;
    case FLOW_EV_STAFF_CLEAR_CORRECTION:
        staff_clear_correction(f, ev->text);
        break;
    case FLOW_EV_STAFF_PRINT_PENDING:
        f->out->print_pending = true;
        s->last = FLOW_STAFF_PRINTS_SENT;
        break;
    case FLOW_EV_PRINT_DONE:
        staff_refresh_counts(f);
        break;
    case FLOW_EV_TOUCH:
        if (ev->button == FLOW_BUTTON_BACK) {
            go_welcome(f);
            return;
        }
        if (ev->button == FLOW_BUTTON_QUIT)
            staff_quit(f);
        break;
    default:
        return;
    }
    f->last_input_ms = f->now;
}

typedef void screen_handler(struct flow *f, const struct flow_event *ev);

static screen_handler *const handlers[FLOW_N_SCREENS] = {
    [FLOW_WELCOME] = on_welcome,
    [FLOW_CHECKED_IN] = on_checked_in,
    [FLOW_CORRECTION] = on_result,
    [FLOW_PRINTING] = on_printing,
    [FLOW_PRINTED] = on_result,
    [FLOW_WELCOME_BACK] = on_result,
    [FLOW_ALREADY_CHECKED_IN] = on_result,
    [FLOW_OTHER_DAY] = on_result,
    [FLOW_WITHDRAWN] = on_result,
    [FLOW_INVALID] = on_result,
    [FLOW_NO_EVENT_TODAY] = on_result,
    [FLOW_PRINTER_TROUBLE] = on_result,
    [FLOW_STORE_ERROR] = on_result,
    [FLOW_STAFF_PIN] = on_staff_pin,
    [FLOW_STAFF] = on_staff,
};

/* ---- the public face ---- */

/* A badge row this kiosk asked for that still waits: its person goes on
 * the list to resume (once each). */
static int note_own_waiting(void *ctx, const struct store_badge *b)
{
    struct flow *f = ctx;
    const char *me = f->ctx.kiosk_id ? f->ctx.kiosk_id : f->ctx.cfg->kiosk_id;
    if (!store_badge_waiting(b->status) || strcmp(b->kiosk, me) != 0)
        return 0;
    for (size_t i = 0; i < f->n_resume; i++)
        if (strcmp(f->resume[i], b->attendee) == 0)
            return 0;
    f->resume = xrealloc(f->resume, (f->n_resume + 1) * sizeof *f->resume);
    copy_text(f->resume[f->n_resume++], sizeof f->resume[0], b->attendee);
    return 0;
}

/* An open request from the store (made here or at another kiosk, before a
 * restart or not) into the staff screen's list. */
static int load_correction(void *ctx, const struct store_correction *c)
{
    struct flow *f = ctx;
    unsigned char details[crypto_generichash_BYTES];
    size_t len = 0;
    bool known = sodium_hex2bin(details, sizeof details, c->details, strlen(c->details), NULL,
                                &len, NULL) == 0 &&
                 len == sizeof details;
    char name[256] = "";
    struct attendee a = {0};
    if (store_get_attendee(f->ctx.store, c->attendee, &a, NULL) == BK_OK) {
        char *display = attendee_display_name_new(&a);
        copy_text(name, sizeof name, display);
        free(display);
        attendee_clear(&a);
    }
    keep_correction(f, c->attendee, name, c->at_ms, known ? details : NULL);
    return 0;
}

enum bk_status flow_new(const struct checkin_context *ctx, const struct flow_settings *settings,
                        struct flow **out, struct bk_err *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return bk_err_set(err, BK_ERR_INVALID, NULL, 0, NULL,
                          _("The cryptography library could not be started."));
    struct flow *f = xcalloc(1, sizeof *f);
    f->ctx = *ctx;
    flow_settings_from_config(ctx->cfg, &f->set);
    if (settings)
        f->set = *settings;
    f->default_language = flow_language_of(f->set.default_language);
    if (!f->default_language)
        f->default_language = flow_languages[0].code;
    f->language = f->default_language;
    f->view.screen = FLOW_WELCOME;
    f->view.language = f->language;
    enum bk_status st = store_foreach_correction(ctx->store, load_correction, f, err);
    if (st == BK_OK)
        st = store_foreach_badge(ctx->store, NULL, note_own_waiting, f, err);
    if (st != BK_OK) {
        flow_free(f);
        return st;
    }
    *out = f;
    return BK_OK;
}

void flow_free(struct flow *f)
{
    if (!f)
        return;
    finder_free(f->finder);
    strmap_free(f->today_in);
    sodium_memzero(f->pin, sizeof f->pin);
    free(f->queue);
    free(f->resume);
    free(f);
}

enum flow_screen flow_current_screen(const struct flow *f)
{
    return f->view.screen;
}

void flow_restore_pin_guard(struct flow *f, const struct pin_guard *g, int64_t now_ms)
{
    f->guard.fails = g->fails < 0 ? 0 : g->fails;
    if (f->guard.fails >= f->set.pin_tries)
        f->guard.fails = f->set.pin_tries - 1;
    /* A lock from a clock that ran ahead, or a setting since shortened, lasts
     * no longer than one lock from now. */
    int64_t longest = now_ms + secs(f->set.pin_lock_seconds);
    f->guard.locked_until_ms = g->locked_until_ms > now_ms ? g->locked_until_ms : 0;
    if (f->guard.locked_until_ms > longest)
        f->guard.locked_until_ms = longest;
}

size_t flow_badges_in_hand(const struct flow *f)
{
    return badges_in_hand(f);
}

size_t flow_corrections(const struct flow *f, const struct flow_correction **list)
{
    *list = f->corrections;
    return f->n_corrections;
}

/* The wall clock went back (NTP, a corrected --now): every time the flow
 * holds moves back with it, so a screen's timeout, the staff idle timer and
 * the PIN lock keep the time they had left rather than waiting for the clock
 * to catch up. The check-in itself always takes the event's own time. */
static void shift_timeline(struct flow *f, int64_t back_ms)
{
    f->shown_ms -= back_ms;
    f->last_input_ms -= back_ms;
    f->last_print_end_ms -= back_ms;
    for (size_t i = 0; i < f->queue_len; i++)
        f->queue[i].asked_ms -= back_ms;
    if (f->guard.locked_until_ms) {
        f->guard.locked_until_ms -= back_ms;
        f->out->pin_guard = &f->guard;
    }
    for (size_t i = 0; i < RECENT_CODES; i++)
        f->recent[i].seen_ms -= back_ms;
    f->last_reprint_ms -= back_ms;
    f->quit_asked_ms -= back_ms;
    f->previous_deadline -= back_ms;
    f->previous_noted_until -= back_ms;
}

/* The offline line: read from the store's journal at most once a second
 * (and after every scan, which may have gone offline). */
static void refresh_sync(struct flow *f, bool now)
{
    if (!now && f->sync_checked_ms && f->now - f->sync_checked_ms < SYNC_CHECK_MS &&
        f->now >= f->sync_checked_ms)
        return;
    f->sync_checked_ms = f->now;
    struct store_sync_status st;
    if (store_sync_status(f->ctx.store, &st, NULL) != BK_OK || !st.shared)
        return;
    f->offline = st.offline_since_ms != 0;
    f->waiting = st.waiting;
    f->clock_wrong = st.clock_wrong;
    f->clock_skew_s = st.clock_skew_ms / 1000;
    f->offline_since[0] = '\0';
    if (f->offline) {
        char iso[40];
        tz_format_instant(f->ctx.cfg->tz, st.offline_since_ms, iso);
        snprintf(f->offline_since, sizeof f->offline_since, "%.5s", iso + 11);
    }
}

void flow_handle(struct flow *f, const struct flow_event *ev, struct flow_actions *out)
{
    memset(out, 0, sizeof *out);
    f->out = out;
    if (ev->at_ms < f->now)
        shift_timeline(f, f->now - ev->at_ms);
    f->now = ev->at_ms;

    if (ev->type == FLOW_EV_CAMERA)
        f->camera_missing = !ev->camera_ok;
    if (ev->type == FLOW_EV_PRINTER)
        f->printer_down = !ev->printer_ok;
    if (ev->type == FLOW_EV_PRINT_DONE) {
        print_ended(f, ev->print.id, ev->print.result);
        f->staff.printer_trouble = ev->print.result == FLOW_PRINT_PENDING;
        copy_text(f->staff.printer_problem, sizeof f->staff.printer_problem,
                  f->staff.printer_trouble && ev->print.problem ? ev->print.problem : "");
    }

    if (ev->type == FLOW_EV_TICK)
        resume_waiting(f);
    if (f->previous_armed && f->now >= f->previous_deadline)
        release_previous(f);
    bool previous_touched = ev->type == FLOW_EV_TOUCH &&
                            ev->button == FLOW_BUTTON_PREVIOUS_DETAILS_WRONG;
    if (previous_touched && f->previous_armed) {
        /* The person before objects: their badge is held back as if they had
         * touched their own screen; the next person's screen stays up. */
        f->previous_armed = false;
        if (record_correction(f, f->previous.attendee_id, f->previous.name)) {
            f->previous_noted_until = f->now + PREVIOUS_NOTED_MS;
            copy_text(f->previous_noted_name, sizeof f->previous_noted_name, f->previous.name);
        }
    }

    if (ev->type == FLOW_EV_STORE_ERROR && f->view.screen == FLOW_STAFF)
        staff_store_failed(f, ev->store_err ? ev->store_err : &(struct bk_err){0});
    else if (ev->type == FLOW_EV_STORE_ERROR)
        show_store_error(f, ev->store_err);
    else if (!previous_touched)
        handlers[f->view.screen](f, ev);

    struct flow_view *v = &f->view;
    if (v->screen == FLOW_STAFF_PIN) {
        v->pin_len = f->pin_len;
        v->pin_tries_left = f->set.pin_tries - f->guard.fails;
        v->pin_locked_seconds = seconds_until(f->guard.locked_until_ms, f->now);
    }
    fill_queue_view(f);
    struct flow_previous *p = &v->previous;
    memset(p, 0, sizeof *p);
    bool attendee_screen = v->screen != FLOW_STAFF && v->screen != FLOW_STAFF_PIN;
    if (attendee_screen && f->previous_armed) {
        p->shown = true;
        copy_text(p->name, sizeof p->name, f->previous.name);
        copy_text(p->attendee_id, sizeof p->attendee_id, f->previous.attendee_id);
        p->seconds_left = seconds_until(f->previous_deadline, f->now);
    } else if (attendee_screen && f->now < f->previous_noted_until) {
        p->shown = p->noted = true;
        copy_text(p->name, sizeof p->name, f->previous_noted_name);
    }
    f->staff.corrections = f->corrections;
    f->staff.n_corrections = f->n_corrections;
    f->staff.camera_missing = f->camera_missing;
    v->staff = v->screen == FLOW_STAFF ? &f->staff : NULL;
    v->camera_missing = f->camera_missing;
    v->printer_down = f->printer_down;
    refresh_sync(f, ev->type == FLOW_EV_SCAN || ev->type == FLOW_EV_STAFF_CHECKIN);
    v->offline = f->offline;
    v->waiting = f->waiting;
    memcpy(v->offline_since, f->offline_since, sizeof v->offline_since);
    v->clock_wrong = f->clock_wrong;
    v->clock_skew_s = f->clock_skew_s;
    v->language = f->language;
    out->view = v;
    out->allow_quit = v->screen == FLOW_STAFF;
    f->out = NULL;
}
