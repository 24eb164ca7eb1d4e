/* Unit tests for flow: the kiosk's screens, driven by events as the SDL layer
 * would send them, on a real store file, a real configuration, real signed
 * codes and a real PIN hash, with time given in each event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>
#include <sodium.h>
#include <sys/resource.h>
#include <unistd.h>

#include "door/flow.h"
#include "util/xalloc.h"
#include "eventfix.h"

#define PIN "2468"

static const struct tu_person people[] = {
    {"P1", "Shin-Gak", "Kang", "FG-MV;Forum", "", ATTENDEE_CONFIRMED},
    {"P2", "Forum", "Only", "Forum", "", ATTENDEE_CONFIRMED},
    {"P3", "Gone", "Away", "FG-MV;Forum", "", ATTENDEE_WITHDRAWN},
    {"P4", "Amélie", "Durand", "FG-MV", "French", ATTENDEE_CONFIRMED},
    {"P5", "蕴韬", "王", "FG-MV", "zh-CN", ATTENDEE_CONFIRMED},
};
#define N_PEOPLE (sizeof people / sizeof people[0])

struct fixture {
    char *dir;
    struct config *cfg;
    struct store *store;
    struct token_keys *keys;
    struct checkin_context ctx;
    struct flow *flow;
    struct flow_actions out;
};

/* A fixture whose configuration holds pin_hash ("" turns staff mode off)
 * and the [kiosk] lines kiosk_lines. */
static int setup_with(void **state, const char *pin_hash, const char *kiosk_lines)
{
    struct fixture *fx = xcalloc(1, sizeof *fx);
    char *extra = xasprintf("language = Language\n[kiosk]\nrepeat_seconds = 5\n"
                            "staff_pin_hash = %s\n%s",
                            pin_hash, kiosk_lines);
    tu_event_open("flow", extra, &fx->dir, &fx->cfg, &fx->store, &fx->keys);
    free(extra);
    tu_event_import(fx->store, people, N_PEOPLE);
    fx->ctx = (struct checkin_context){fx->cfg, fx->keys, fx->store, "kiosk-test"};
    struct bk_err err = {0};
    assert_int_equal(flow_new(&fx->ctx, NULL, &fx->flow, &err), BK_OK);
    *state = fx;
    return 0;
}

static int setup_with_hash(void **state, const char *pin_hash)
{
    return setup_with(state, pin_hash, "");
}

/* The cheapest Argon2id parameters: the same verify path, in milliseconds
 * rather than the interactive setting's fraction of a second, which ASan
 * would stretch. */
static void cheap_pin_hash(char hash[crypto_pwhash_STRBYTES])
{
    assert_true(sodium_init() >= 0);
    assert_int_equal(crypto_pwhash_str(hash, PIN, strlen(PIN), crypto_pwhash_OPSLIMIT_MIN,
                                       crypto_pwhash_MEMLIMIT_MIN),
                     0);
}

static int setup(void **state)
{
    char hash[crypto_pwhash_STRBYTES];
    cheap_pin_hash(hash);
    return setup_with_hash(state, hash);
}

/* Every timing and the PIN guard set in [kiosk], away from their defaults. */
static int setup_kiosk_timings(void **state)
{
    char hash[crypto_pwhash_STRBYTES];
    cheap_pin_hash(hash);
    return setup_with(state, hash,
                      "result_seconds = 3\ncountdown_seconds = 2\nstaff_idle_seconds = 40\n"
                      "pin_idle_seconds = 10\npin_tries = 2\npin_lock_seconds = 60\n");
}

static int setup_no_staff(void **state)
{
    return setup_with_hash(state, "");
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    flow_free(fx->flow);
    tu_event_close(fx->dir, fx->cfg, fx->store, fx->keys);
    free(fx);
    return 0;
}

/* ---- driving the flow ---- */

static int64_t at(const struct fixture *fx, const char *iso)
{
    return tu_at(fx->cfg, iso);
}

/* 09:00 on the first meeting day, plus ms. */
static int64_t t0(const struct fixture *fx, int64_t ms)
{
    return at(fx, "2023-07-04T09:00") + ms;
}

static char *signed_for(const struct fixture *fx, const char *id)
{
    char *p;
    assert_int_equal(token_sign_new(fx->keys, fx->cfg->event_id, id, &p, NULL), BK_OK);
    return p;
}

static enum flow_screen send(struct fixture *fx, struct flow_event ev)
{
    flow_handle(fx->flow, &ev, &fx->out);
    assert_non_null(fx->out.view);
    return fx->out.view->screen;
}

static enum flow_screen scan_bytes(struct fixture *fx, const char *bytes, size_t len, int64_t when)
{
    return send(fx, (struct flow_event){
                        .type = FLOW_EV_SCAN, .at_ms = when, .scan = {bytes, len, CHECKIN_CAMERA}});
}

/* Scans id's signed code at when. */
static enum flow_screen scan(struct fixture *fx, const char *id, int64_t when)
{
    char *p = signed_for(fx, id);
    enum flow_screen s = scan_bytes(fx, p, strlen(p), when);
    free(p);
    return s;
}

static enum flow_screen tick(struct fixture *fx, int64_t when)
{
    return send(fx, (struct flow_event){.type = FLOW_EV_TICK, .at_ms = when});
}

static enum flow_screen touch(struct fixture *fx, enum flow_button b, int64_t when)
{
    return send(fx, (struct flow_event){.type = FLOW_EV_TOUCH, .at_ms = when, .button = b});
}

static enum flow_screen print_done(struct fixture *fx, uint32_t id, enum flow_print_result r,
                                   const char *problem, int64_t when)
{
    return send(fx, (struct flow_event){
                        .type = FLOW_EV_PRINT_DONE, .at_ms = when, .print = {id, r, problem}});
}

static enum flow_screen staff_keys(struct fixture *fx, int64_t when)
{
    return send(fx, (struct flow_event){.type = FLOW_EV_STAFF_KEYS, .at_ms = when});
}

static enum flow_screen enter_pin(struct fixture *fx, const char *pin, int64_t when)
{
    for (size_t i = 0; pin[i]; i++)
        send(fx, (struct flow_event){.type = FLOW_EV_PIN_DIGIT, .at_ms = when, .digit = pin[i]});
    return send(fx, (struct flow_event){.type = FLOW_EV_PIN_SUBMIT, .at_ms = when});
}

static void enter_staff(struct fixture *fx, int64_t when)
{
    assert_int_equal(staff_keys(fx, when), FLOW_STAFF_PIN);
    assert_int_equal(enter_pin(fx, PIN, when), FLOW_STAFF);
}

static size_t scans_recorded(struct fixture *fx)
{
    size_t n = 0;
    assert_int_equal(store_count_scans(fx->store, &n, NULL), BK_OK);
    return n;
}

static int count_open(void *ctx, const struct store_correction *c)
{
    (void)c;
    ++*(size_t *)ctx;
    return 0;
}

/* ---- the attendee's screens ---- */

static void test_first_scan_shows_checked_in_with_countdown(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(scan(fx, "P1", t0(fx, 0)), FLOW_CHECKED_IN);
    const struct flow_view *v = fx->out.view;
    assert_string_equal(v->name, "Shin-Gak Kang");
    assert_string_equal(v->attendee_id, "P1");
    assert_true(v->badge_needed);
    assert_int_equal(v->seconds_left, 5);
    assert_int_equal(fx->out.sound, FLOW_SOUND_SUCCESS);
    assert_true(fx->out.screen_changed);
    assert_int_equal(fx->out.n_prints, 0); /* not before the countdown */
    assert_false(fx->out.allow_quit);
}

static void test_countdown_starts_print(void **state)
{
    struct fixture *fx = *state;
    char *code = signed_for(fx, "P1");
    scan_bytes(fx, code, strlen(code), t0(fx, 0));
    for (int s = 1; s < 5; s++) {
        assert_int_equal(tick(fx, t0(fx, s * 1000 - 500)), FLOW_CHECKED_IN);
        assert_int_equal(fx->out.view->seconds_left, 5 - s + 1);
        assert_int_equal(fx->out.n_prints, 0);
    }
    assert_int_equal(tick(fx, t0(fx, 5000)), FLOW_PRINTING);
    assert_int_equal(fx->out.n_prints, 1);
    assert_string_equal(fx->out.prints[0].attendee_id, "P1");
    assert_string_equal(fx->out.prints[0].payload, code);
    assert_null(fx->out.prints[0].reason);
    assert_string_equal(fx->out.view->name, "Shin-Gak Kang");
    free(code);
}

static void test_print_done_shows_printed_then_welcome(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P1", t0(fx, 0));
    tick(fx, t0(fx, 5000));
    uint32_t id = fx->out.prints[0].id;
    assert_int_equal(print_done(fx, id, FLOW_PRINT_PRINTED, NULL, t0(fx, 9000)), FLOW_PRINTED);
    assert_int_equal(fx->out.sound, FLOW_SOUND_SUCCESS);
    assert_int_equal(tick(fx, t0(fx, 16999)), FLOW_PRINTED);
    assert_int_equal(tick(fx, t0(fx, 17000)), FLOW_WELCOME);
}

static void test_printer_trouble_says_checkin_saved(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P1", t0(fx, 0));
    tick(fx, t0(fx, 5000));
    uint32_t id = fx->out.prints[0].id;
    assert_int_equal(
        print_done(fx, id, FLOW_PRINT_PENDING, "The printer is out of labels.", t0(fx, 7000)),
        FLOW_PRINTER_TROUBLE);
    assert_string_equal(fx->out.view->problem, "The printer is out of labels.");
    assert_int_equal(fx->out.sound, FLOW_SOUND_FAILURE);
    /* The check-in itself stands, and the badge is still owed: scanning
     * again prints it (issue 10, finding 7). */
    assert_int_equal(scan(fx, "P1", t0(fx, 60000)), FLOW_CHECKED_IN);
    assert_int_equal(fx->out.view->outcome, CHECKIN_ALREADY_CHECKED_IN);
}

static enum flow_screen printer_news(struct fixture *fx, bool ok, int64_t when)
{
    return send(fx, (struct flow_event){.type = FLOW_EV_PRINTER, .at_ms = when, .printer_ok = ok});
}

static int count_waiting_badges(void *ctx, const struct store_badge *b)
{
    if (store_badge_waiting(b->status))
        ++*(size_t *)ctx;
    return 0;
}

/* A printer known to be down: the welcome screen says so, a check-in still
 * counts and owes its badge (kept in the store), but nobody goes through a
 * countdown to the printer-trouble screen and nothing is sent to the
 * printer; once it is back, the next person's badge prints as before
 * (issue 11, finding 8). */
static void test_printer_known_down_checks_in_without_a_countdown(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(printer_news(fx, false, t0(fx, 0)), FLOW_WELCOME);
    assert_true(fx->out.view->printer_down);
    assert_int_equal(scan(fx, "P1", t0(fx, 1000)), FLOW_CHECKED_IN);
    const struct flow_view *v = fx->out.view;
    assert_int_equal(v->outcome, CHECKIN_CHECKED_IN);
    assert_true(v->badge_at_desk);
    assert_false(v->badge_needed);
    assert_true(v->printer_down);
    for (int64_t ms = 1500; ms < 1000 + 8000; ms += 500) {
        assert_int_equal(tick(fx, t0(fx, ms)), FLOW_CHECKED_IN);
        assert_int_equal(fx->out.n_prints, 0);
    }
    assert_int_equal(tick(fx, t0(fx, 9000)), FLOW_WELCOME);
    assert_int_equal(fx->out.n_prints, 0);
    size_t waiting = 0;
    assert_int_equal(store_foreach_badge(fx->store, "P1", count_waiting_badges, &waiting, NULL),
                     BK_OK);
    assert_int_equal(waiting, 1);
    /* "Done" leaves at once, and prints nothing either. */
    assert_int_equal(scan(fx, "P4", t0(fx, 10000)), FLOW_CHECKED_IN);
    assert_int_equal(touch(fx, FLOW_BUTTON_DONE, t0(fx, 10500)), FLOW_WELCOME);
    assert_int_equal(fx->out.n_prints, 0);
    /* Back: the welcome screen promises again, and a badge prints. */
    assert_int_equal(printer_news(fx, true, t0(fx, 11000)), FLOW_WELCOME);
    assert_false(fx->out.view->printer_down);
    assert_int_equal(scan(fx, "P5", t0(fx, 12000)), FLOW_CHECKED_IN);
    assert_true(fx->out.view->badge_needed);
    assert_false(fx->out.view->badge_at_desk);
    assert_int_equal(tick(fx, t0(fx, 17000)), FLOW_PRINTING);
    assert_int_equal(fx->out.n_prints, 1);
}

static void test_print_done_for_an_earlier_request_leaves_the_screen(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P1", t0(fx, 0));
    tick(fx, t0(fx, 5000));
    uint32_t id = fx->out.prints[0].id;
    assert_int_equal(print_done(fx, id + 7, FLOW_PRINT_PRINTED, NULL, t0(fx, 6000)), FLOW_PRINTING);
}

static void test_printing_never_hangs_without_an_answer(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P1", t0(fx, 0));
    assert_int_equal(tick(fx, t0(fx, 5000)), FLOW_PRINTING);
    assert_int_equal(tick(fx, t0(fx, 20000)), FLOW_PRINTING);
    assert_int_equal(tick(fx, t0(fx, 10 * 60 * 1000)), FLOW_PRINTER_TROUBLE);
}

struct badge_rows_seen {
    size_t waiting, cancelled;
};

static int see_row(void *ctx, const struct store_badge *b)
{
    struct badge_rows_seen *s = ctx;
    if (store_badge_waiting(b->status))
        s->waiting++;
    if (b->status == STORE_BADGE_CANCELLED)
        s->cancelled++;
    return 0;
}

static void test_details_wrong_records_correction_and_skips_print(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P1", t0(fx, 0));
    assert_int_equal(touch(fx, FLOW_BUTTON_DETAILS_WRONG, t0(fx, 2000)), FLOW_CORRECTION);
    assert_non_null(fx->out.correction);
    assert_string_equal(fx->out.correction->attendee_id, "P1");
    assert_string_equal(fx->out.correction->name, "Shin-Gak Kang");
    assert_int_equal(fx->out.correction->at_ms, t0(fx, 2000));
    assert_string_equal(fx->out.view->name, "Shin-Gak Kang");
    assert_int_equal(fx->out.n_prints, 0);
    for (int64_t ms = 2500; ms <= 12000; ms += 500) {
        tick(fx, t0(fx, ms));
        assert_int_equal(fx->out.n_prints, 0);
    }
    assert_int_equal(fx->out.view->screen, FLOW_WELCOME);
    const struct flow_correction *list;
    assert_int_equal(flow_corrections(fx->flow, &list), 1);
    assert_string_equal(list[0].attendee_id, "P1");
    /* The next person's scan does not print P1's badge either. */
    scan(fx, "P4", t0(fx, 20000));
    assert_int_equal(fx->out.n_prints, 0);
    /* The badge the check-in owed stays owed (waiting), beside P4's: the
     * request holds it back, it does not cancel it. */
    struct badge_rows_seen seen = {0};
    assert_int_equal(store_foreach_badge(fx->store, NULL, see_row, &seen, NULL), BK_OK);
    assert_int_equal(seen.waiting, 2);
    assert_int_equal(seen.cancelled, 0);
    /* Back from the desk, P1 scans again: while the details are those
     * they asked about, no badge; once staff corrected them (a newer
     * export), a new badge, with the details as they are now. */
    assert_int_equal(scan(fx, "P1", t0(fx, 20 * 60 * 1000)), FLOW_ALREADY_CHECKED_IN);
    struct tu_person corrected[N_PEOPLE];
    memcpy(corrected, people, sizeof corrected);
    corrected[0].last = "Kang-Lee";
    tu_event_import(fx->store, corrected, N_PEOPLE);
    assert_int_equal(scan(fx, "P1", t0(fx, 30 * 60 * 1000)), FLOW_CHECKED_IN);
    assert_string_equal(fx->out.view->name, "Shin-Gak Kang-Lee");
}

static void test_repeat_scan_within_window_is_ignored(void **state)
{
    struct fixture *fx = *state;
    size_t before = scans_recorded(fx);
    assert_int_equal(scan(fx, "P1", t0(fx, 0)), FLOW_CHECKED_IN);
    assert_int_equal(scan(fx, "P1", t0(fx, 3000)), FLOW_CHECKED_IN);
    assert_false(fx->out.screen_changed);
    assert_int_equal(fx->out.sound, FLOW_SOUND_NONE);
    assert_int_equal(scans_recorded(fx), before + 1);
    assert_int_equal(fx->out.view->seconds_left, 5); /* untouched by the repeat */
}

static void test_code_held_up_to_the_camera_is_acted_on_once(void **state)
{
    struct fixture *fx = *state;
    size_t before = scans_recorded(fx);
    /* Seen four times a second for twelve seconds. */
    for (int64_t ms = 0; ms < 12000; ms += 250)
        scan(fx, "P4", t0(fx, ms));
    assert_int_equal(scans_recorded(fx), before + 1);
    /* Gone for the window, then back: acted on again (already checked in,
     * and the badge it owes is the one already counting down to print). */
    assert_int_equal(scan(fx, "P4", t0(fx, 12000 - 250 + 5000)), FLOW_PRINTING);
    assert_int_equal(fx->out.view->outcome, CHECKIN_ALREADY_CHECKED_IN);
    assert_int_equal(fx->out.n_prints, 1);
    assert_int_equal(scans_recorded(fx), before + 2);
}

/* What the print layer records when a badge comes out: every waiting row
 * of id printed. */
static int print_row(void *ctx, const struct store_badge *b)
{
    struct fixture *fx = ctx;
    if (store_badge_waiting(b->status))
        assert_int_equal(store_badge_update(fx->store, b->id, STORE_BADGE_ANY, STORE_BADGE_PRINTED,
                                            "test", 1, NULL, b->at_ms, NULL),
                         BK_OK);
    return 0;
}

static void badge_came_out(struct fixture *fx, const char *id)
{
    assert_int_equal(store_foreach_badge(fx->store, id, print_row, fx, NULL), BK_OK);
}

static void test_second_scan_after_window_is_already_checked_in_without_print(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P1", t0(fx, 0));
    tick(fx, t0(fx, 5000));
    badge_came_out(fx, "P1");
    print_done(fx, fx->out.prints[0].id, FLOW_PRINT_PRINTED, NULL, t0(fx, 8000));
    assert_int_equal(scan(fx, "P1", t0(fx, 30 * 60 * 1000)), FLOW_ALREADY_CHECKED_IN);
    assert_string_equal(fx->out.view->first_at, "09:00");
    assert_false(fx->out.view->badge_needed);
    for (int64_t ms = 0; ms <= 10000; ms += 1000) {
        tick(fx, t0(fx, 30 * 60 * 1000 + ms));
        assert_int_equal(fx->out.n_prints, 0);
    }
    assert_int_equal(fx->out.view->screen, FLOW_WELCOME);
}

static void test_welcome_back_when_badge_printed_on_an_earlier_day(void **state)
{
    struct fixture *fx = *state;
    int64_t id = 0;
    int64_t yesterday = t0(fx, -24 * 3600 * 1000);
    assert_int_equal(store_badge_add(fx->store, "P1", "ABCDEF", NULL, "k", yesterday, &id, NULL),
                     BK_OK);
    assert_int_equal(store_badge_update(fx->store, id, STORE_BADGE_ANY, STORE_BADGE_PRINTED, "test",
                                        1, NULL, yesterday, NULL),
                     BK_OK);
    assert_int_equal(scan(fx, "P1", t0(fx, 0)), FLOW_WELCOME_BACK);
    assert_int_equal(fx->out.view->outcome, CHECKIN_CHECKED_IN);
    assert_false(fx->out.view->badge_needed);
    for (int64_t ms = 1000; ms <= 10000; ms += 1000) {
        tick(fx, t0(fx, ms));
        assert_int_equal(fx->out.n_prints, 0);
    }
}

/* Issue 10, finding 7: a person checked in at the desk or on the command
 * line, whose badge never printed, gets it at the kiosk: the scan is
 * "already checked in", and the badge they are owed prints, once. */
static void test_a_badge_owed_from_an_earlier_checkin_prints_at_the_kiosk(void **state)
{
    struct fixture *fx = *state;
    struct checkin_context desk = {fx->cfg, fx->keys, fx->store, "desk"};
    struct checkin_result res;
    assert_int_equal(checkin_process(&desk, "P1", 2, CHECKIN_MANUAL, t0(fx, 0), &res, NULL),
                     BK_OK);
    assert_int_equal(res.outcome, CHECKIN_CHECKED_IN);
    assert_true(res.badge_needed);
    checkin_result_clear(&res);

    assert_int_equal(scan(fx, "P1", t0(fx, 60000)), FLOW_CHECKED_IN);
    assert_int_equal(fx->out.view->outcome, CHECKIN_ALREADY_CHECKED_IN);
    assert_true(fx->out.view->badge_needed);
    assert_int_equal(tick(fx, t0(fx, 65000)), FLOW_PRINTING);
    assert_int_equal(fx->out.n_prints, 1);
    assert_string_equal(fx->out.prints[0].attendee_id, "P1");
    uint32_t id = fx->out.prints[0].id;
    /* Scanned again while it prints: no second request, the same badge. */
    assert_int_equal(scan(fx, "P1", t0(fx, 80000)), FLOW_PRINTING);
    assert_int_equal(fx->out.n_prints, 0);
    assert_int_equal(print_done(fx, id, FLOW_PRINT_PRINTED, NULL, t0(fx, 81000)), FLOW_PRINTED);
}

/* Finding 7 does not undo "my details are wrong": scanned again later that
 * day, the person whose badge was held back for a correction is already
 * checked in, and the badge with the wrong details does not print. */
static void test_a_badge_held_back_for_a_correction_does_not_print_on_a_rescan(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(scan(fx, "P1", t0(fx, 0)), FLOW_CHECKED_IN);
    assert_int_equal(touch(fx, FLOW_BUTTON_DETAILS_WRONG, t0(fx, 2000)), FLOW_CORRECTION);
    assert_int_equal(touch(fx, FLOW_BUTTON_DONE, t0(fx, 3000)), FLOW_WELCOME);
    assert_int_equal(scan(fx, "P1", t0(fx, 60000)), FLOW_ALREADY_CHECKED_IN);
    for (int64_t ms = 60500; ms <= 75000; ms += 500) {
        tick(fx, t0(fx, ms));
        assert_int_equal(fx->out.n_prints, 0);
    }
}

/* Issue 11, finding 3: a request outlives a restart. The store keeps it
 * with the check-in; the restarted kiosk lists it for staff and does not
 * print the badge it holds back, which stays owed; staff clearing it at the
 * desk prints that badge and settles the request in the store. */
static void test_a_correction_request_outlives_a_restart(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(scan(fx, "P1", t0(fx, 0)), FLOW_CHECKED_IN);
    assert_int_equal(touch(fx, FLOW_BUTTON_DETAILS_WRONG, t0(fx, 2000)), FLOW_CORRECTION);
    flow_free(fx->flow);
    assert_int_equal(flow_new(&fx->ctx, NULL, &fx->flow, NULL), BK_OK);
    for (int64_t ms = 0; ms < 5000; ms += 250) {
        tick(fx, t0(fx, 10000 + ms));
        assert_int_equal(fx->out.n_prints, 0);
    }
    enter_staff(fx, t0(fx, 20000));
    const struct flow_staff *s = fx->out.view->staff;
    assert_int_equal(s->n_corrections, 1);
    assert_string_equal(s->corrections[0].attendee_id, "P1");
    assert_string_equal(s->corrections[0].name, "Shin-Gak Kang");
    assert_int_equal(s->corrections[0].at_ms, t0(fx, 2000));
    assert_int_equal(s->pending_prints, 1);
    send(fx, (struct flow_event){.type = FLOW_EV_STAFF_CLEAR_CORRECTION, .at_ms = t0(fx, 21000),
                                 .text = "P1"});
    s = fx->out.view->staff;
    assert_int_equal(s->last, FLOW_STAFF_CORRECTION_CLEARED);
    assert_int_equal(s->n_corrections, 0);
    assert_int_equal(fx->out.n_prints, 1);
    assert_string_equal(fx->out.prints[0].attendee_id, "P1");
    assert_null(fx->out.prints[0].reason);
    size_t open = 0;
    assert_int_equal(store_foreach_correction(fx->store, count_open, &open, NULL), BK_OK);
    assert_int_equal(open, 0);
}

/* Issue 10, finding 8: a kiosk stopped with badges queued finds them in the
 * store when it starts again and asks the printer for them, one a tick;
 * the ones other kiosks owe stay theirs. */
static void test_a_restarted_kiosk_resumes_the_badges_it_owed(void **state)
{
    struct fixture *fx = *state;
    for (const char *const *id = (const char *const[]){"P1", "P4", "P5", NULL}; *id; id++) {
        char *p = signed_for(fx, *id);
        struct checkin_result res;
        assert_int_equal(
            checkin_process(&fx->ctx, p, strlen(p), CHECKIN_CAMERA, t0(fx, 0), &res, NULL), BK_OK);
        assert_true(res.owed_badge > 0);
        checkin_result_clear(&res);
        free(p);
    }
    assert_int_equal(store_badge_add(fx->store, "P2", "OTHERK", NULL, "kiosk-other", t0(fx, 0),
                                     NULL, NULL),
                     BK_OK);
    /* The kiosk stops before printing any and starts again. */
    flow_free(fx->flow);
    assert_int_equal(flow_new(&fx->ctx, NULL, &fx->flow, NULL), BK_OK);
    char asked[8][ATTENDEE_ID_MAX + 1];
    size_t n = 0;
    for (int64_t ms = 0; ms < 10000; ms += 250) {
        tick(fx, t0(fx, 60000 + ms));
        for (size_t i = 0; i < fx->out.n_prints && n < 8; i++) {
            assert_null(fx->out.prints[i].reason);
            snprintf(asked[n++], sizeof asked[0], "%s", fx->out.prints[i].attendee_id);
        }
    }
    assert_int_equal(n, 3);
    assert_string_equal(asked[0], "P1");
    assert_string_equal(asked[1], "P4");
    assert_string_equal(asked[2], "P5");
}

/* Issue 10, finding 8: quitting from staff mode with badges still to print
 * says how many and quits only when asked again. */
static void test_quitting_with_badges_waiting_asks_first(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P1", t0(fx, 0));
    tick(fx, t0(fx, 5000));
    assert_int_equal(fx->out.n_prints, 1);
    enter_staff(fx, t0(fx, 6000));
    assert_int_equal(touch(fx, FLOW_BUTTON_QUIT, t0(fx, 7000)), FLOW_STAFF);
    assert_false(fx->out.quit);
    assert_int_equal(fx->out.view->staff->last, FLOW_STAFF_QUIT_ASKED);
    assert_int_equal(fx->out.view->staff->quit_waiting, 1);
    touch(fx, FLOW_BUTTON_QUIT, t0(fx, 8000));
    assert_true(fx->out.quit);
}

static void test_each_outcome_has_its_screen(void **state)
{
    struct fixture *fx = *state;
    char *p1 = signed_for(fx, "P1");
    char forged[512];
    snprintf(forged, sizeof forged, "%s", p1);
    size_t pos = strlen(forged) - 10;
    forged[pos] = forged[pos] == 'A' ? 'B' : 'A';
    const struct {
        const char *what, *id, *code, *when;
        enum flow_screen screen;
        enum checkin_outcome outcome;
        enum flow_sound sound;
    } cases[] = {
        {"before the event", "P1", NULL, "2023-07-03T09:00", FLOW_NO_EVENT_TODAY,
         CHECKIN_NO_EVENT_TODAY, FLOW_SOUND_FAILURE},
        {"forum only on a meeting day", "P2", NULL, "2023-07-05T09:00", FLOW_OTHER_DAY,
         CHECKIN_NOT_REGISTERED_TODAY, FLOW_SOUND_FAILURE},
        {"withdrawn", "P3", NULL, "2023-07-05T09:00", FLOW_WITHDRAWN, CHECKIN_WITHDRAWN,
         FLOW_SOUND_FAILURE},
        {"unknown ID", "NOBODY", NULL, "2023-07-05T09:00", FLOW_INVALID, CHECKIN_UNKNOWN,
         FLOW_SOUND_FAILURE},
        {"forged", NULL, forged, "2023-07-05T09:00", FLOW_INVALID, CHECKIN_INVALID,
         FLOW_SOUND_FAILURE},
        {"a web address", NULL, "https://example.org/", "2023-07-05T09:00", FLOW_INVALID,
         CHECKIN_INVALID, FLOW_SOUND_FAILURE},
        {"forum day", "P2", NULL, "2023-07-07T09:00", FLOW_CHECKED_IN, CHECKIN_CHECKED_IN,
         FLOW_SOUND_SUCCESS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *code = cases[i].id ? signed_for(fx, cases[i].id) : xstrdup(cases[i].code);
        enum flow_screen s = scan_bytes(fx, code, strlen(code), at(fx, cases[i].when) + (int)i);
        if (s != cases[i].screen)
            fail_msg("%s: screen %s", cases[i].what, flow_screen_code(s));
        assert_int_equal(fx->out.view->outcome, cases[i].outcome);
        assert_int_equal(fx->out.sound, cases[i].sound);
        if (cases[i].code == forged)
            assert_int_equal(fx->out.view->reason, TOKEN_BAD_SIGNATURE);
        /* Turned away, the person learns what they are registered for. */
        if (s == FLOW_OTHER_DAY) {
            bk_day forum;
            assert_true(tz_day_parse("2023-07-07", &forum));
            assert_int_equal(fx->out.view->n_parts, 1);
            assert_string_equal(fx->out.view->parts[0].event->code, "Forum");
            assert_int_equal(fx->out.view->parts[0].first, forum);
            assert_int_equal(fx->out.view->parts[0].last, forum);
        } else {
            assert_int_equal(fx->out.view->n_parts, 0);
        }
        free(code);
    }
    free(p1);
}

static void test_result_screen_returns_to_welcome_after_timeout(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(scan_bytes(fx, "HELLO", 5, t0(fx, 0)), FLOW_INVALID);
    assert_int_equal(tick(fx, t0(fx, 7999)), FLOW_INVALID);
    assert_int_equal(tick(fx, t0(fx, 8000)), FLOW_WELCOME);
    assert_true(fx->out.screen_changed);
}

static void test_clock_going_back_keeps_the_time_left(void **state)
{
    struct fixture *fx = *state;
    scan_bytes(fx, "HELLO", 5, t0(fx, 0));
    int64_t back = 3600 * 1000;
    /* The jump itself counts as no time passing: the screen had 8 s, and
     * has them from the moment the clock is seen to have gone back. */
    assert_int_equal(tick(fx, t0(fx, 2000 - back)), FLOW_INVALID);
    assert_int_equal(tick(fx, t0(fx, 9999 - back)), FLOW_INVALID);
    assert_int_equal(tick(fx, t0(fx, 10000 - back)), FLOW_WELCOME);
}

static void test_done_button_returns_to_welcome_at_once(void **state)
{
    struct fixture *fx = *state;
    scan_bytes(fx, "HELLO", 5, t0(fx, 0));
    assert_int_equal(touch(fx, FLOW_BUTTON_DONE, t0(fx, 1000)), FLOW_WELCOME);
}

static void test_result_timeout_follows_the_settings(void **state)
{
    struct fixture *fx = *state;
    struct flow_settings set;
    flow_settings_from_config(fx->cfg, &set);
    set.result_seconds = 3;
    flow_free(fx->flow);
    assert_int_equal(flow_new(&fx->ctx, &set, &fx->flow, NULL), BK_OK);
    scan_bytes(fx, "HELLO", 5, t0(fx, 0));
    assert_int_equal(tick(fx, t0(fx, 2999)), FLOW_INVALID);
    assert_int_equal(tick(fx, t0(fx, 3000)), FLOW_WELCOME);
}

/* flow_new with no settings takes every timing from the configuration. */
static void test_timings_come_from_the_kiosk_section(void **state)
{
    struct fixture *fx = *state;
    /* result_seconds */
    scan_bytes(fx, "HELLO", 5, t0(fx, 0));
    assert_int_equal(tick(fx, t0(fx, 2999)), FLOW_INVALID);
    assert_int_equal(tick(fx, t0(fx, 3000)), FLOW_WELCOME);
    /* countdown_seconds */
    assert_int_equal(scan(fx, "P1", t0(fx, 10000)), FLOW_CHECKED_IN);
    assert_int_equal(fx->out.view->seconds_left, 2);
    assert_int_equal(tick(fx, t0(fx, 11999)), FLOW_CHECKED_IN);
    assert_int_equal(tick(fx, t0(fx, 12000)), FLOW_PRINTING);
    assert_int_equal(touch(fx, FLOW_BUTTON_DONE, t0(fx, 12100)), FLOW_PRINTING);
    print_done(fx, fx->out.n_prints ? fx->out.prints[0].id : 1, FLOW_PRINT_PRINTED, NULL,
               t0(fx, 12200));
    tick(fx, t0(fx, 20000));
    /* pin_idle_seconds */
    assert_int_equal(staff_keys(fx, t0(fx, 30000)), FLOW_STAFF_PIN);
    assert_int_equal(tick(fx, t0(fx, 39999)), FLOW_STAFF_PIN);
    assert_int_equal(tick(fx, t0(fx, 40000)), FLOW_WELCOME);
    /* staff_idle_seconds */
    staff_keys(fx, t0(fx, 50000));
    assert_int_equal(enter_pin(fx, PIN, t0(fx, 50000)), FLOW_STAFF);
    assert_int_equal(tick(fx, t0(fx, 89999)), FLOW_STAFF);
    assert_int_equal(tick(fx, t0(fx, 90000)), FLOW_WELCOME);
    /* pin_tries and pin_lock_seconds */
    staff_keys(fx, t0(fx, 100000));
    assert_int_equal(fx->out.view->pin_tries_left, 2);
    enter_pin(fx, "1111", t0(fx, 101000));
    assert_int_equal(enter_pin(fx, "2222", t0(fx, 102000)), FLOW_STAFF_PIN);
    assert_int_equal(fx->out.view->pin_locked_seconds, 60);
    assert_int_equal(enter_pin(fx, PIN, t0(fx, 161000)), FLOW_STAFF_PIN);
    assert_int_equal(enter_pin(fx, PIN, t0(fx, 162000)), FLOW_STAFF);
}

static void test_new_scan_replaces_result_screen(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(scan(fx, "P3", t0(fx, 0)), FLOW_WITHDRAWN);
    assert_int_equal(scan(fx, "P1", t0(fx, 1000)), FLOW_CHECKED_IN);
    assert_string_equal(fx->out.view->name, "Shin-Gak Kang");
}

/* Issue 11, finding 7: B scans half a second after A. A's badge is not
 * printed at once: A keeps the rest of their countdown in a strip over B's
 * screen, B's screen says whose badge comes out first, and the badges come
 * out in order, each when its time is up. */
static void test_next_scan_during_countdown_keeps_the_first_persons_chance(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P1", t0(fx, 0));
    assert_int_equal(scan(fx, "P4", t0(fx, 500)), FLOW_CHECKED_IN);
    assert_int_equal(fx->out.n_prints, 0);
    const struct flow_view *v = fx->out.view;
    assert_string_equal(v->attendee_id, "P4");
    assert_true(v->previous.shown);
    assert_false(v->previous.noted);
    assert_string_equal(v->previous.attendee_id, "P1");
    assert_string_equal(v->previous.name, "Shin-Gak Kang");
    assert_int_equal(v->previous.seconds_left, 5); /* at least PREVIOUS_MIN_MS */
    assert_string_equal(v->printing_before, "Shin-Gak Kang");
    assert_int_equal(v->queue_place, 2);
    assert_int_equal(tick(fx, t0(fx, 4900)), FLOW_CHECKED_IN);
    assert_int_equal(fx->out.n_prints, 0);
    tick(fx, t0(fx, 5000)); /* the end of P1's own countdown */
    assert_int_equal(fx->out.n_prints, 1);
    assert_string_equal(fx->out.prints[0].attendee_id, "P1");
    assert_false(fx->out.view->previous.shown);
    assert_int_equal(tick(fx, t0(fx, 5500)), FLOW_PRINTING);
    assert_int_equal(fx->out.n_prints, 1);
    assert_string_equal(fx->out.prints[0].attendee_id, "P4");
    assert_int_equal(fx->out.view->queue_place, 2);
    assert_string_equal(fx->out.view->printing_before, "Shin-Gak Kang");
}

/* A touches "my details are wrong" in their strip while B's screen is up:
 * A's badge is held back and the request recorded, B's screen stays, and
 * only B's badge prints. */
static void test_the_person_before_can_still_say_their_details_are_wrong(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P1", t0(fx, 0));
    scan(fx, "P4", t0(fx, 500));
    assert_int_equal(touch(fx, FLOW_BUTTON_PREVIOUS_DETAILS_WRONG, t0(fx, 1500)),
                     FLOW_CHECKED_IN);
    assert_non_null(fx->out.correction);
    assert_string_equal(fx->out.correction->attendee_id, "P1");
    assert_string_equal(fx->out.view->attendee_id, "P4");
    assert_true(fx->out.view->previous.noted);
    assert_string_equal(fx->out.view->printing_before, "");
    size_t printed_p1 = 0, printed_p4 = 0;
    for (int64_t ms = 2000; ms <= 20000; ms += 250) {
        tick(fx, t0(fx, ms));
        for (size_t i = 0; i < fx->out.n_prints; i++) {
            printed_p1 += strcmp(fx->out.prints[i].attendee_id, "P1") == 0;
            printed_p4 += strcmp(fx->out.prints[i].attendee_id, "P4") == 0;
        }
    }
    assert_int_equal(printed_p1, 0);
    assert_int_equal(printed_p4, 1);
    size_t open = 0;
    assert_int_equal(store_foreach_correction(fx->store, count_open, &open, NULL), BK_OK);
    assert_int_equal(open, 1);
}

/* Only one person is kept so: a third scan sends the first one's badge,
 * and staff stepping in sends the one kept. */
static void test_a_third_scan_or_staff_sends_the_badge_kept(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P1", t0(fx, 0));
    scan(fx, "P4", t0(fx, 500));
    assert_int_equal(scan(fx, "P5", t0(fx, 1000)), FLOW_CHECKED_IN);
    assert_int_equal(fx->out.n_prints, 1);
    assert_string_equal(fx->out.prints[0].attendee_id, "P1");
    assert_string_equal(fx->out.view->previous.attendee_id, "P4");
    assert_int_equal(staff_keys(fx, t0(fx, 1500)), FLOW_STAFF_PIN);
    assert_int_equal(fx->out.n_prints, 2); /* P4's kept one, and P5's countdown */
    assert_string_equal(fx->out.prints[0].attendee_id, "P4");
    assert_string_equal(fx->out.prints[1].attendee_id, "P5");
}

static void test_language_switch_on_scan(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P4", t0(fx, 0));
    assert_non_null(fx->out.language);
    assert_string_equal(fx->out.language, "fr");
    assert_string_equal(fx->out.view->language, "fr");
    scan(fx, "P5", t0(fx, 1000));
    assert_string_equal(fx->out.language, "zh");
    assert_string_equal(fx->out.view->name, "王蕴韬");
    /* Someone with no language keeps the one in use. */
    scan(fx, "P1", t0(fx, 2000));
    assert_null(fx->out.language);
    assert_string_equal(fx->out.view->language, "zh");
    /* Back at welcome, the kiosk's own language for the next person. */
    touch(fx, FLOW_BUTTON_DETAILS_WRONG, t0(fx, 3000));
    assert_int_equal(tick(fx, t0(fx, 11000)), FLOW_WELCOME);
    assert_string_equal(fx->out.language, "en");
}

static void test_language_chosen_on_welcome(void **state)
{
    struct fixture *fx = *state;
    send(fx, (struct flow_event){.type = FLOW_EV_LANGUAGE, .at_ms = t0(fx, 0), .language = "ar"});
    assert_string_equal(fx->out.language, "ar");
    assert_string_equal(fx->out.view->language, "ar");
    send(fx, (struct flow_event){.type = FLOW_EV_LANGUAGE, .at_ms = t0(fx, 0), .language = "de"});
    assert_null(fx->out.language);
    assert_string_equal(fx->out.view->language, "ar");
}

static void test_language_of_export_values(void **state)
{
    (void)state;
    const struct {
        const char *value, *code;
    } cases[] = {
        {"fr", "fr"},           {"FR-ca", "fr"},   {"zh_Hans_CN", "zh"}, {"Chinese", "zh"},
        {"中文", "zh"},         {" es ", "es"},    {"Español", "es"},    {"русский", "ru"},
        {"Arabic", "ar"},       {"العربية", "ar"}, {"en-GB", "en"},      {"de", NULL},
        {"french fries", NULL}, {"", NULL},        {"f", NULL},          {"frr", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = flow_language_of(cases[i].value);
        if (!cases[i].code ? got != NULL : !got || strcmp(got, cases[i].code) != 0)
            fail_msg("\"%s\": got %s", cases[i].value, got ? got : "NULL");
    }
    assert_null(flow_language_of(NULL));
}

/* Each language is whole on its one line: a code of its own, a name for its
 * button, a catalogue in po/ (English is the messages' own language), and
 * its names lead back to it. Only Arabic is written right to left. */
static void test_every_language_is_whole_on_its_line(void **state)
{
    (void)state;
    assert_int_equal(flow_n_languages, 6);
    for (size_t i = 0; i < flow_n_languages; i++) {
        const struct flow_language *l = &flow_languages[i];
        assert_ptr_equal(flow_language_find(l->code), l);
        assert_true(l->name[0] && l->english[0] && l->catalogue[0]);
        assert_string_equal(flow_language_of(l->name), l->code);
        assert_string_equal(flow_language_of(l->english), l->code);
        assert_string_equal(flow_language_of(l->code), l->code);
        for (size_t j = 0;
             j < sizeof l->other_names / sizeof l->other_names[0] && l->other_names[j]; j++)
            assert_string_equal(flow_language_of(l->other_names[j]), l->code);
        assert_int_equal(l->rtl, strcmp(l->code, "ar") == 0);
        if (strcmp(l->code, "en") != 0) {
            char po[64];
            snprintf(po, sizeof po, "po/%s.po", l->catalogue);
            if (access(po, R_OK) != 0)
                fail_msg("%s has no catalogue %s", l->code, po);
        }
    }
    assert_null(flow_language_find("de"));
    assert_null(flow_language_find(NULL));
}

/* The store's writes are refused by the kernel, as on a full disk: a file
 * size limit of one byte makes every write that extends the log fail with
 * EFBIG (root included, unlike permissions). SIGXFSZ is ignored so the write
 * returns an error instead of killing the test. */
static void test_store_failure_shows_store_error_and_nothing_acknowledged(void **state)
{
    struct fixture *fx = *state;
    size_t before = scans_recorded(fx);
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit tiny = {1, old.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &tiny), 0);
    enum flow_screen s = scan(fx, "P1", t0(fx, 0));
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);

    assert_int_equal(s, FLOW_STORE_ERROR);
    assert_true(fx->out.view->problem[0] != '\0');
    assert_int_not_equal(fx->out.view->store_status, BK_OK);
    assert_int_equal(fx->out.sound, FLOW_SOUND_FAILURE);
    assert_int_equal(fx->out.n_prints, 0);
    assert_int_equal(scans_recorded(fx), before);
    /* Not remembered as seen: trying again at once is a fresh check-in. */
    assert_int_equal(scan(fx, "P1", t0(fx, 1000)), FLOW_CHECKED_IN);
    assert_int_equal(scans_recorded(fx), before + 1);
}

static void test_store_error_from_the_print_layer_shows_store_error(void **state)
{
    struct fixture *fx = *state;
    struct bk_err err = {0};
    bk_err_set(&err, BK_ERR_FULL, "store.db", 0, NULL, "No space left on the device.");
    assert_int_equal(send(fx, (struct flow_event){.type = FLOW_EV_STORE_ERROR,
                                                  .at_ms = t0(fx, 0),
                                                  .store_err = &err}),
                     FLOW_STORE_ERROR);
    assert_string_equal(fx->out.view->problem, "No space left on the device.");
    assert_int_equal(fx->out.view->store_status, BK_ERR_FULL);
}

static void test_camera_missing_shows_on_every_screen(void **state)
{
    struct fixture *fx = *state;
    send(fx, (struct flow_event){.type = FLOW_EV_CAMERA, .at_ms = t0(fx, 0), .camera_ok = false});
    assert_true(fx->out.view->camera_missing);
    scan(fx, "P1", t0(fx, 1000));
    assert_true(fx->out.view->camera_missing);
    send(fx, (struct flow_event){.type = FLOW_EV_CAMERA, .at_ms = t0(fx, 2000), .camera_ok = true});
    assert_false(fx->out.view->camera_missing);
}

/* ---- staff mode ---- */

static void test_right_pin_enters_staff_and_only_staff_may_quit(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(staff_keys(fx, t0(fx, 0)), FLOW_STAFF_PIN);
    assert_false(fx->out.allow_quit);
    send(fx, (struct flow_event){.type = FLOW_EV_PIN_DIGIT, .at_ms = t0(fx, 100), .digit = '2'});
    assert_int_equal(fx->out.view->pin_len, 1);
    assert_int_equal(enter_pin(fx, "468", t0(fx, 200)), FLOW_STAFF);
    assert_true(fx->out.allow_quit);
    assert_non_null(fx->out.view->staff);
    assert_int_equal(touch(fx, FLOW_BUTTON_QUIT, t0(fx, 300)), FLOW_STAFF);
    assert_false(fx->out.quit); /* asked first */
    assert_int_equal(touch(fx, FLOW_BUTTON_QUIT, t0(fx, 350)), FLOW_STAFF);
    assert_true(fx->out.quit);
    assert_int_equal(touch(fx, FLOW_BUTTON_BACK, t0(fx, 400)), FLOW_WELCOME);
    assert_false(fx->out.allow_quit);
    assert_null(fx->out.view->staff);
}

static void test_three_wrong_pins_lock_staff_mode(void **state)
{
    struct fixture *fx = *state;
    staff_keys(fx, t0(fx, 0));
    assert_int_equal(fx->out.view->pin_tries_left, 3);
    assert_int_equal(enter_pin(fx, "1111", t0(fx, 1000)), FLOW_STAFF_PIN);
    assert_int_equal(fx->out.sound, FLOW_SOUND_FAILURE);
    assert_int_equal(fx->out.view->pin_tries_left, 2);
    assert_int_equal(enter_pin(fx, "2469", t0(fx, 2000)), FLOW_STAFF_PIN);
    assert_int_equal(enter_pin(fx, "", t0(fx, 3000)), FLOW_STAFF_PIN);
    assert_int_equal(fx->out.view->pin_locked_seconds, 300);
    /* Locked: even the right PIN is not taken. */
    assert_int_equal(enter_pin(fx, PIN, t0(fx, 4000)), FLOW_STAFF_PIN);
    assert_int_equal(fx->out.view->pin_len, 0);
    assert_int_equal(touch(fx, FLOW_BUTTON_BACK, t0(fx, 5000)), FLOW_WELCOME);
    assert_int_equal(staff_keys(fx, t0(fx, 60000)), FLOW_STAFF_PIN);
    assert_int_equal(fx->out.view->pin_locked_seconds, 243);
    assert_int_equal(enter_pin(fx, PIN, t0(fx, 60000)), FLOW_STAFF_PIN);
    /* After the lock, the right PIN works. */
    assert_int_equal(enter_pin(fx, PIN, t0(fx, 303000)), FLOW_STAFF);
}

/* A second flow on the same store, as after a restart, that takes up the
 * guard the first one handed out. */
static struct flow *restarted_flow(struct fixture *fx, const struct pin_guard *g, int64_t when)
{
    struct flow *again;
    struct bk_err err = {0};
    assert_int_equal(flow_new(&fx->ctx, NULL, &again, &err), BK_OK);
    flow_restore_pin_guard(again, g, when);
    flow_free(fx->flow);
    fx->flow = again;
    return again;
}

static void test_pin_lock_outlives_a_restart(void **state)
{
    struct fixture *fx = *state;
    struct pin_guard kept = {0};
    staff_keys(fx, t0(fx, 0));
    for (int i = 0; i < 3; i++) {
        enter_pin(fx, "1111", t0(fx, 1000 + i));
        assert_true(fx->out.pin_failed);
        assert_non_null(fx->out.pin_guard);
        kept = *fx->out.pin_guard;
    }
    assert_int_equal(kept.fails, 0);
    assert_int_equal(kept.locked_until_ms, t0(fx, 1002 + 300000));

    /* systemd starts the kiosk again: the right PIN is still refused. */
    restarted_flow(fx, &kept, t0(fx, 10000));
    assert_int_equal(staff_keys(fx, t0(fx, 10000)), FLOW_STAFF_PIN);
    assert_int_equal(fx->out.view->pin_locked_seconds, 292);
    assert_int_equal(enter_pin(fx, PIN, t0(fx, 11000)), FLOW_STAFF_PIN);
    assert_false(fx->out.pin_failed); /* a PIN not even tried is not a failed try */
    assert_int_equal(enter_pin(fx, PIN, t0(fx, 301002)), FLOW_STAFF);
}

static void test_failed_tries_outlive_a_restart(void **state)
{
    struct fixture *fx = *state;
    staff_keys(fx, t0(fx, 0));
    enter_pin(fx, "1111", t0(fx, 1000));
    enter_pin(fx, "2222", t0(fx, 2000));
    struct pin_guard kept = *fx->out.pin_guard;
    assert_int_equal(kept.fails, 2);
    assert_int_equal(kept.locked_until_ms, 0);

    restarted_flow(fx, &kept, t0(fx, 5000));
    staff_keys(fx, t0(fx, 5000));
    assert_int_equal(fx->out.view->pin_tries_left, 1);
    enter_pin(fx, "3333", t0(fx, 6000));
    assert_int_equal(fx->out.view->pin_locked_seconds, 300);

    /* The right PIN after a wrong one clears the count, and says so. */
    restarted_flow(fx, &(struct pin_guard){.fails = 1}, t0(fx, 7000));
    staff_keys(fx, t0(fx, 7000));
    assert_int_equal(enter_pin(fx, PIN, t0(fx, 8000)), FLOW_STAFF);
    assert_non_null(fx->out.pin_guard);
    assert_int_equal(fx->out.pin_guard->fails, 0);
}

static void test_kept_guard_is_bounded(void **state)
{
    struct fixture *fx = *state;
    /* A lock written by a clock that ran a day ahead lasts one lock. */
    restarted_flow(fx, &(struct pin_guard){.fails = 99, .locked_until_ms = t0(fx, 86400000)},
                   t0(fx, 0));
    staff_keys(fx, t0(fx, 0));
    assert_int_equal(fx->out.view->pin_locked_seconds, 300);
    assert_int_equal(enter_pin(fx, PIN, t0(fx, 300000)), FLOW_STAFF);
    /* Fails beyond the tries allowed leave one try, not none or a negative. */
    restarted_flow(fx, &(struct pin_guard){.fails = 99}, t0(fx, 400000));
    staff_keys(fx, t0(fx, 400000));
    assert_int_equal(fx->out.view->pin_tries_left, 1);
    assert_int_equal(fx->out.view->pin_locked_seconds, 0);
}

static void test_pin_entry_is_abandoned_when_left(void **state)
{
    struct fixture *fx = *state;
    staff_keys(fx, t0(fx, 0));
    send(fx, (struct flow_event){.type = FLOW_EV_PIN_DIGIT, .at_ms = t0(fx, 1000), .digit = '2'});
    assert_int_equal(tick(fx, t0(fx, 30999)), FLOW_STAFF_PIN);
    assert_int_equal(tick(fx, t0(fx, 31000)), FLOW_WELCOME);
    /* The digit typed before is gone. */
    staff_keys(fx, t0(fx, 40000));
    assert_int_equal(fx->out.view->pin_len, 0);
}

static void test_scan_at_pin_screen_is_processed(void **state)
{
    struct fixture *fx = *state;
    staff_keys(fx, t0(fx, 0));
    assert_int_equal(scan(fx, "P1", t0(fx, 1000)), FLOW_CHECKED_IN);
}

static void test_staff_mode_disabled_without_pin_hash(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(staff_keys(fx, t0(fx, 0)), FLOW_WELCOME);
    assert_false(fx->out.screen_changed);
}

static void test_staff_keys_during_countdown_still_print_the_badge(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P1", t0(fx, 0));
    assert_int_equal(staff_keys(fx, t0(fx, 1000)), FLOW_STAFF_PIN);
    assert_int_equal(fx->out.n_prints, 1);
    assert_string_equal(fx->out.prints[0].attendee_id, "P1");
}

static void test_staff_times_out(void **state)
{
    struct fixture *fx = *state;
    enter_staff(fx, t0(fx, 0));
    assert_int_equal(tick(fx, t0(fx, 60000)), FLOW_STAFF);
    send(fx,
         (struct flow_event){.type = FLOW_EV_STAFF_SEARCH, .at_ms = t0(fx, 60000), .text = "ka"});
    assert_int_equal(tick(fx, t0(fx, 179999)), FLOW_STAFF);
    assert_int_equal(tick(fx, t0(fx, 180000)), FLOW_WELCOME);
    assert_false(fx->out.allow_quit);
}

static const struct flow_hit_standing *standing_of(struct fixture *fx, const char *query,
                                                   const char *id, int64_t when)
{
    send(fx, (struct flow_event){.type = FLOW_EV_STAFF_SEARCH, .at_ms = when, .text = query});
    const struct flow_staff *s = fx->out.view->staff;
    for (size_t i = 0; i < s->n_hits; i++)
        if (strcmp(s->hits[i].id, id) == 0)
            return &s->standing[i];
    fail_msg("%s not found by '%s'", id, query);
    return NULL;
}

/* Issue 11, finding 11: the desk sees who is owed a badge, by name, and for
 * each search hit whether they are in today and for which parts; someone
 * registered for another part is refused by "Check in" and admitted by the
 * explicit "Check in anyway", which the hit then shows as an exception. */
static void test_desk_sees_who_is_owed_and_who_is_in_and_decides_exceptions(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(scan(fx, "P4", t0(fx, 0)), FLOW_CHECKED_IN);
    assert_int_equal(touch(fx, FLOW_BUTTON_DETAILS_WRONG, t0(fx, 1000)), FLOW_CORRECTION);
    assert_int_equal(store_badge_add(fx->store, "P5", "WAITIN", NULL, "k", t0(fx, 0), NULL, NULL),
                     BK_OK);
    enter_staff(fx, t0(fx, 60000));
    const struct flow_staff *s = fx->out.view->staff;
    assert_int_equal(s->pending_prints, 2);
    assert_int_equal(s->n_waiting_shown, 2);
    assert_string_equal(s->waiting[0].attendee_id, "P4");
    assert_string_equal(s->waiting[0].name, "Amélie Durand");
    assert_true(s->waiting[0].held);
    assert_string_equal(s->waiting[1].name, "王蕴韬");
    assert_false(s->waiting[1].held);

    const struct flow_hit_standing *h = standing_of(fx, "durand", "P4", t0(fx, 61000));
    assert_true(h->checked_in);
    assert_string_equal(h->first_at, "09:00");
    assert_string_equal(h->parts, "FG-MV");
    assert_false(h->overridden);
    h = standing_of(fx, "kang", "P1", t0(fx, 62000));
    assert_false(h->checked_in);
    assert_int_equal(h->would_be, CHECKIN_CHECKED_IN);
    assert_string_equal(h->parts, "FG-MV");
    h = standing_of(fx, "only", "P2", t0(fx, 63000));
    assert_false(h->checked_in);
    assert_int_equal(h->would_be, CHECKIN_NOT_REGISTERED_TODAY);
    assert_true(h->override_allowed);
    assert_string_equal(h->parts, "");

    send(fx, (struct flow_event){.type = FLOW_EV_STAFF_CHECKIN, .at_ms = t0(fx, 64000), .text = "P2"});
    s = fx->out.view->staff;
    assert_int_equal(s->last_outcome, CHECKIN_NOT_REGISTERED_TODAY);
    assert_true(s->can_override);
    assert_false(s->overridden);
    assert_int_equal(fx->out.n_prints, 0);
    send(fx, (struct flow_event){.type = FLOW_EV_STAFF_CHECKIN_OVERRIDE, .at_ms = t0(fx, 65000),
                                 .text = "P2"});
    s = fx->out.view->staff;
    assert_int_equal(s->last, FLOW_STAFF_CHECKED);
    assert_int_equal(s->last_outcome, CHECKIN_CHECKED_IN);
    assert_true(s->overridden);
    assert_false(s->can_override);
    assert_int_equal(fx->out.n_prints, 1); /* the badge a check-in owes */
    assert_int_equal(s->checked_in_today, 2);
    /* The hit shown now says so, still under the same search. */
    assert_string_equal(s->hits[0].id, "P2");
    assert_true(s->standing[0].checked_in);
    assert_true(s->standing[0].overridden);
    /* A withdrawn person is never an exception. */
    send(fx, (struct flow_event){.type = FLOW_EV_STAFF_CHECKIN, .at_ms = t0(fx, 66000), .text = "P3"});
    assert_false(fx->out.view->staff->can_override);
}

static void test_staff_search_as_you_type(void **state)
{
    struct fixture *fx = *state;
    enter_staff(fx, t0(fx, 0));
    const char *typed[] = {"d", "du", "dur", "dura"};
    for (size_t i = 0; i < 4; i++)
        send(fx, (struct flow_event){.type = FLOW_EV_STAFF_SEARCH,
                                     .at_ms = t0(fx, 100 * (int)i),
                                     .text = typed[i]});
    const struct flow_staff *s = fx->out.view->staff;
    assert_string_equal(s->query, "dura");
    assert_int_equal(s->n_hits, 1);
    assert_string_equal(s->hits[0].id, "P4");
    send(fx, (struct flow_event){.type = FLOW_EV_STAFF_SEARCH, .at_ms = t0(fx, 500), .text = "王"});
    assert_int_equal(fx->out.view->staff->n_hits, 1);
    assert_string_equal(fx->out.view->staff->hits[0].id, "P5");
}

static void test_staff_manual_checkin_prints_first_badge(void **state)
{
    struct fixture *fx = *state;
    enter_staff(fx, t0(fx, 0));
    assert_int_equal(fx->out.view->staff->checked_in_today, 0);
    send(fx,
         (struct flow_event){.type = FLOW_EV_STAFF_CHECKIN, .at_ms = t0(fx, 1000), .text = "P1"});
    const struct flow_staff *s = fx->out.view->staff;
    assert_int_equal(fx->out.view->screen, FLOW_STAFF);
    assert_int_equal(s->last, FLOW_STAFF_CHECKED);
    assert_int_equal(s->last_outcome, CHECKIN_CHECKED_IN);
    assert_string_equal(s->last_name, "Shin-Gak Kang");
    assert_int_equal(s->checked_in_today, 1);
    assert_int_equal(fx->out.n_prints, 1);
    assert_string_equal(fx->out.prints[0].attendee_id, "P1");
    assert_null(fx->out.prints[0].payload); /* the store's copy */
    /* A second time is already checked in, with no second badge. */
    send(fx,
         (struct flow_event){.type = FLOW_EV_STAFF_CHECKIN, .at_ms = t0(fx, 2000), .text = "P1"});
    assert_int_equal(fx->out.view->staff->last_outcome, CHECKIN_ALREADY_CHECKED_IN);
    assert_int_equal(fx->out.n_prints, 0);
}

/* A badge printed for id before the test's time: something to replace. */
static void badge_printed_before(struct fixture *fx, const char *id, const char *serial)
{
    int64_t row;
    assert_int_equal(store_badge_add(fx->store, id, serial, NULL, "k", t0(fx, -9000), &row, NULL),
                     BK_OK);
    assert_int_equal(store_badge_update(fx->store, row, STORE_BADGE_ANY, STORE_BADGE_PRINTED, NULL,
                                        0, NULL, t0(fx, -8000), NULL),
                     BK_OK);
}

static void test_staff_reprint_needs_a_reason(void **state)
{
    struct fixture *fx = *state;
    badge_printed_before(fx, "P1", "AAAAAA");
    enter_staff(fx, t0(fx, 0));
    send(fx, (struct flow_event){
                 .type = FLOW_EV_STAFF_REPRINT, .at_ms = t0(fx, 1000), .reprint = {"P1", "  "}});
    assert_int_equal(fx->out.view->staff->last, FLOW_STAFF_REASON_NEEDED);
    assert_int_equal(fx->out.n_prints, 0);
    send(fx, (struct flow_event){.type = FLOW_EV_STAFF_REPRINT,
                                 .at_ms = t0(fx, 2000),
                                 .reprint = {"NOBODY", "lost"}});
    assert_int_equal(fx->out.view->staff->last, FLOW_STAFF_NOT_FOUND);
    assert_int_equal(fx->out.n_prints, 0);
    send(fx, (struct flow_event){
                 .type = FLOW_EV_STAFF_REPRINT, .at_ms = t0(fx, 3000), .reprint = {"P1", "lost"}});
    assert_int_equal(fx->out.view->staff->last, FLOW_STAFF_REPRINT_SENT);
    assert_int_equal(fx->out.n_prints, 1);
    assert_string_equal(fx->out.prints[0].attendee_id, "P1");
    assert_string_equal(fx->out.prints[0].reason, "lost");
}

static void test_double_tap_on_reprint_prints_one_replacement(void **state)
{
    struct fixture *fx = *state;
    badge_printed_before(fx, "P1", "AAAAAA");
    badge_printed_before(fx, "P4", "BBBBBB");
    enter_staff(fx, t0(fx, 0));
    struct flow_event ev = {.type = FLOW_EV_STAFF_REPRINT, .reprint = {"P1", "lost"}};
    ev.at_ms = t0(fx, 1000);
    send(fx, ev);
    assert_int_equal(fx->out.n_prints, 1);
    /* The second tap 150 ms later, then one with another reason. */
    ev.at_ms = t0(fx, 1150);
    send(fx, ev);
    assert_int_equal(fx->out.n_prints, 0);
    assert_int_equal(fx->out.view->staff->last, FLOW_STAFF_REPRINT_REPEATED);
    assert_string_equal(fx->out.view->staff->last_id, "P1");
    ev.reprint.reason = "damaged";
    ev.at_ms = t0(fx, 3000);
    send(fx, ev);
    assert_int_equal(fx->out.n_prints, 0);
    /* Another person is not held back by P1's window. */
    send(fx, (struct flow_event){
                 .type = FLOW_EV_STAFF_REPRINT, .at_ms = t0(fx, 3100), .reprint = {"P4", "lost"}});
    assert_int_equal(fx->out.n_prints, 1);
    /* After repeat_seconds (5 s from the first), a deliberate second one prints. */
    ev.at_ms = t0(fx, 6000);
    send(fx, ev);
    assert_int_equal(fx->out.n_prints, 1);
    assert_int_equal(fx->out.view->staff->last, FLOW_STAFF_REPRINT_SENT);
}

static void test_reprint_for_someone_never_badged_is_a_first_badge(void **state)
{
    struct fixture *fx = *state;
    enter_staff(fx, t0(fx, 0));
    /* Never checked in, never badged: checked in, and a first badge. */
    send(fx, (struct flow_event){
                 .type = FLOW_EV_STAFF_REPRINT, .at_ms = t0(fx, 1000), .reprint = {"P1", "lost"}});
    const struct flow_staff *s = fx->out.view->staff;
    assert_int_equal(s->last, FLOW_STAFF_CHECKED);
    assert_int_equal(s->last_outcome, CHECKIN_CHECKED_IN);
    assert_true(s->first_instead);
    assert_int_equal(fx->out.n_prints, 1);
    assert_null(fx->out.prints[0].reason);
    /* Registered for another part only: the rules refuse, nothing prints. */
    send(fx, (struct flow_event){
                 .type = FLOW_EV_STAFF_REPRINT, .at_ms = t0(fx, 2000), .reprint = {"P2", "lost"}});
    assert_int_equal(fx->out.view->staff->last_outcome, CHECKIN_NOT_REGISTERED_TODAY);
    assert_int_equal(fx->out.n_prints, 0);
    /* Checked in already (by another desk, say) but never badged: a first badge. */
    struct checkin_result res;
    assert_int_equal(checkin_process(&fx->ctx, "P4", 2, CHECKIN_MANUAL, t0(fx, 3000), &res, NULL),
                     BK_OK);
    assert_int_equal(res.outcome, CHECKIN_CHECKED_IN);
    checkin_result_clear(&res);
    send(fx, (struct flow_event){
                 .type = FLOW_EV_STAFF_REPRINT, .at_ms = t0(fx, 4000), .reprint = {"P4", "lost"}});
    assert_int_equal(fx->out.view->staff->last_outcome, CHECKIN_ALREADY_CHECKED_IN);
    assert_true(fx->out.view->staff->first_instead);
    assert_int_equal(fx->out.n_prints, 1);
    assert_null(fx->out.prints[0].reason);
}

static void test_quit_is_asked_twice_and_says_what_waits(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(store_badge_add(fx->store, "P4", "QWERTY", NULL, "k", t0(fx, 0), NULL, NULL),
                     BK_OK);
    enter_staff(fx, t0(fx, 0));
    touch(fx, FLOW_BUTTON_QUIT, t0(fx, 1000));
    assert_false(fx->out.quit);
    assert_int_equal(fx->out.view->staff->last, FLOW_STAFF_QUIT_ASKED);
    assert_int_equal(fx->out.view->staff->pending_prints, 1);
    /* Anything else staff do is a "no"; the next tap asks again. */
    send(fx, (struct flow_event){.type = FLOW_EV_STAFF_SEARCH, .at_ms = t0(fx, 2000), .text = ""});
    assert_int_equal(fx->out.view->staff->last, FLOW_STAFF_NONE);
    touch(fx, FLOW_BUTTON_QUIT, t0(fx, 3000));
    assert_false(fx->out.quit);
    /* A tick or the printer's news does not answer the question. */
    tick(fx, t0(fx, 4000));
    assert_int_equal(fx->out.view->staff->last, FLOW_STAFF_QUIT_ASKED);
    touch(fx, FLOW_BUTTON_QUIT, t0(fx, 5000));
    assert_true(fx->out.quit);
}

static void test_quit_question_lapses(void **state)
{
    struct fixture *fx = *state;
    enter_staff(fx, t0(fx, 0));
    touch(fx, FLOW_BUTTON_QUIT, t0(fx, 1000));
    tick(fx, t0(fx, 11000));
    assert_int_equal(fx->out.view->staff->last, FLOW_STAFF_NONE);
    touch(fx, FLOW_BUTTON_QUIT, t0(fx, 11500));
    assert_false(fx->out.quit);
    assert_int_equal(fx->out.view->staff->last, FLOW_STAFF_QUIT_ASKED);
}

static void test_staff_print_pending_and_status(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(store_badge_add(fx->store, "P4", "QWERTY", NULL, "k", t0(fx, 0), NULL, NULL),
                     BK_OK);
    scan(fx, "P1", t0(fx, 0));
    touch(fx, FLOW_BUTTON_DETAILS_WRONG, t0(fx, 1000));
    send(fx,
         (struct flow_event){.type = FLOW_EV_CAMERA, .at_ms = t0(fx, 1500), .camera_ok = false});
    print_done(fx, 99, FLOW_PRINT_PENDING, "The printer is offline.", t0(fx, 1800));
    enter_staff(fx, t0(fx, 2000));
    const struct flow_staff *s = fx->out.view->staff;
    /* P4's badge, and the one P1's check-in owed, held back by "details
     * wrong" but still owed. */
    assert_int_equal(s->pending_prints, 2);
    assert_int_equal(s->checked_in_today, 1);
    assert_int_equal(s->n_corrections, 1);
    assert_string_equal(s->corrections[0].attendee_id, "P1");
    assert_true(s->camera_missing);
    assert_true(s->printer_trouble);
    assert_string_equal(s->printer_problem, "The printer is offline.");
    send(fx, (struct flow_event){.type = FLOW_EV_STAFF_PRINT_PENDING, .at_ms = t0(fx, 3000)});
    assert_true(fx->out.print_pending);
    assert_int_equal(fx->out.view->staff->last, FLOW_STAFF_PRINTS_SENT);
}

static void test_scan_in_staff_mode_is_a_desk_checkin(void **state)
{
    struct fixture *fx = *state;
    enter_staff(fx, t0(fx, 0));
    assert_int_equal(scan(fx, "P4", t0(fx, 1000)), FLOW_STAFF);
    assert_int_equal(fx->out.view->staff->last, FLOW_STAFF_CHECKED);
    assert_int_equal(fx->out.view->staff->last_outcome, CHECKIN_CHECKED_IN);
    assert_int_equal(fx->out.n_prints, 1);
    assert_non_null(fx->out.prints[0].payload);
}

/* ---- the print queue: where each person's badge is ---- */

static void test_checked_in_shows_place_in_print_queue(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P1", t0(fx, 0));
    assert_int_equal(fx->out.view->queue_place, 1);
    scan(fx, "P4", t0(fx, 2000)); /* P1's badge is asked for now */
    assert_int_equal(fx->out.view->queue_place, 2);
    assert_int_equal(scan(fx, "P5", t0(fx, 3000)), FLOW_CHECKED_IN);
    assert_int_equal(fx->out.view->queue_place, 3);
    /* No badge measured yet: no time is promised. */
    assert_int_equal(fx->out.view->ready_seconds, 0);
}

static void test_expected_time_comes_from_measured_badges(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P1", t0(fx, 0));
    tick(fx, t0(fx, 5000));
    uint32_t id = fx->out.prints[0].id;
    print_done(fx, id, FLOW_PRINT_PRINTED, NULL, t0(fx, 15000)); /* 10 s a badge */
    scan(fx, "P4", t0(fx, 16000));
    /* Asked for when its 5 s countdown ends, out 10 s later. */
    assert_int_equal(fx->out.view->queue_place, 1);
    assert_int_equal(fx->out.view->ready_seconds, 15);
    /* P4 keeps the rest of their countdown (to 21 s) in the strip; P5's
     * comes after it: P4's out at 31 s, P5's at 41 s. */
    scan(fx, "P5", t0(fx, 17000));
    assert_int_equal(fx->out.view->queue_place, 2);
    assert_int_equal(fx->out.view->ready_seconds, 24);
    assert_int_equal(tick(fx, t0(fx, 21000)), FLOW_CHECKED_IN); /* P4's sent */
    assert_int_equal(tick(fx, t0(fx, 22000)), FLOW_PRINTING);
    assert_int_equal(fx->out.view->queue_place, 2);
    assert_int_equal(fx->out.view->ready_seconds, 19);
    /* P4's badge is out: P5's is next. */
    print_done(fx, id + 1, FLOW_PRINT_PRINTED, NULL, t0(fx, 31000));
    assert_int_equal(fx->out.view->queue_place, 1);
    assert_int_equal(fx->out.view->ready_seconds, 10);
}

static void test_badges_left_pending_leave_the_queue_unmeasured(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P1", t0(fx, 0));
    tick(fx, t0(fx, 5000));
    uint32_t id = fx->out.prints[0].id;
    print_done(fx, id, FLOW_PRINT_PENDING, "The printer is out of labels.", t0(fx, 6000));
    scan(fx, "P4", t0(fx, 7000));
    assert_int_equal(fx->out.view->queue_place, 1);
    assert_int_equal(fx->out.view->ready_seconds, 0);
}

static void test_staff_see_the_print_queue(void **state)
{
    struct fixture *fx = *state;
    scan(fx, "P1", t0(fx, 0));
    scan(fx, "P4", t0(fx, 2000)); /* P1's badge is kept in the strip */
    assert_int_equal(staff_keys(fx, t0(fx, 3000)), FLOW_STAFF_PIN);
    uint32_t first = fx->out.prints[0].id; /* P1's, sent as staff stepped in */
    assert_int_equal(enter_pin(fx, PIN, t0(fx, 3000)), FLOW_STAFF);
    const struct flow_staff *s = fx->out.view->staff;
    assert_non_null(s);
    assert_int_equal(s->queue_len, 2);
    assert_int_equal(s->n_queue_shown, 2);
    assert_string_equal(s->queue[0].attendee_id, "P1");
    assert_string_equal(s->queue[0].name, "Shin-Gak Kang");
    assert_string_equal(s->queue[1].attendee_id, "P4");
    assert_int_equal(s->badge_ms, 0);
    print_done(fx, first, FLOW_PRINT_PRINTED, NULL, t0(fx, 13000));
    s = fx->out.view->staff;
    assert_int_equal(s->queue_len, 1);
    assert_int_equal(s->badge_ms, 10000);
    assert_string_equal(s->queue[0].attendee_id, "P4");
    assert_int_equal(s->queue[0].ready_seconds, 10);
}

static void test_screen_codes_are_stable(void **state)
{
    (void)state;
    assert_string_equal(flow_screen_code(FLOW_WELCOME), "welcome");
    assert_string_equal(flow_screen_code(FLOW_CHECKED_IN), "checked_in");
    assert_string_equal(flow_screen_code(FLOW_PRINTER_TROUBLE), "printer_trouble");
    assert_string_equal(flow_screen_code(FLOW_STAFF), "staff");
    for (int s = 0; s < FLOW_N_SCREENS; s++)
        assert_non_null(flow_screen_code((enum flow_screen)s));
    assert_string_equal(flow_screen_code(FLOW_N_SCREENS), "?");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_first_scan_shows_checked_in_with_countdown),
        T(test_countdown_starts_print),
        T(test_print_done_shows_printed_then_welcome),
        T(test_printer_trouble_says_checkin_saved),
        T(test_printer_known_down_checks_in_without_a_countdown),
        T(test_print_done_for_an_earlier_request_leaves_the_screen),
        T(test_printing_never_hangs_without_an_answer),
        T(test_details_wrong_records_correction_and_skips_print),
        T(test_repeat_scan_within_window_is_ignored),
        T(test_code_held_up_to_the_camera_is_acted_on_once),
        T(test_second_scan_after_window_is_already_checked_in_without_print),
        T(test_welcome_back_when_badge_printed_on_an_earlier_day),
        T(test_a_badge_owed_from_an_earlier_checkin_prints_at_the_kiosk),
        T(test_a_badge_held_back_for_a_correction_does_not_print_on_a_rescan),
        T(test_a_restarted_kiosk_resumes_the_badges_it_owed),
        T(test_a_correction_request_outlives_a_restart),
        T(test_desk_sees_who_is_owed_and_who_is_in_and_decides_exceptions),
        T(test_quitting_with_badges_waiting_asks_first),
        T(test_each_outcome_has_its_screen),
        T(test_result_screen_returns_to_welcome_after_timeout),
        T(test_clock_going_back_keeps_the_time_left),
        T(test_done_button_returns_to_welcome_at_once),
        T(test_result_timeout_follows_the_settings),
        T(test_new_scan_replaces_result_screen),
        T(test_next_scan_during_countdown_keeps_the_first_persons_chance),
        T(test_the_person_before_can_still_say_their_details_are_wrong),
        T(test_a_third_scan_or_staff_sends_the_badge_kept),
        T(test_language_switch_on_scan),
        T(test_language_chosen_on_welcome),
        cmocka_unit_test(test_language_of_export_values),
        cmocka_unit_test(test_every_language_is_whole_on_its_line),
        T(test_store_failure_shows_store_error_and_nothing_acknowledged),
        T(test_store_error_from_the_print_layer_shows_store_error),
        T(test_camera_missing_shows_on_every_screen),
        T(test_right_pin_enters_staff_and_only_staff_may_quit),
        T(test_three_wrong_pins_lock_staff_mode),
        T(test_pin_lock_outlives_a_restart),
        T(test_failed_tries_outlive_a_restart),
        T(test_kept_guard_is_bounded),
        T(test_pin_entry_is_abandoned_when_left),
        T(test_scan_at_pin_screen_is_processed),
        cmocka_unit_test_setup_teardown(test_staff_mode_disabled_without_pin_hash, setup_no_staff,
                                        teardown),
        T(test_staff_keys_during_countdown_still_print_the_badge),
        T(test_staff_times_out),
        T(test_staff_search_as_you_type),
        T(test_staff_manual_checkin_prints_first_badge),
        T(test_staff_reprint_needs_a_reason),
        T(test_double_tap_on_reprint_prints_one_replacement),
        T(test_reprint_for_someone_never_badged_is_a_first_badge),
        T(test_quit_is_asked_twice_and_says_what_waits),
        T(test_quit_question_lapses),
        T(test_staff_print_pending_and_status),
        T(test_scan_in_staff_mode_is_a_desk_checkin),
        T(test_checked_in_shows_place_in_print_queue),
        T(test_expected_time_comes_from_measured_badges),
        T(test_badges_left_pending_leave_the_queue_unmeasured),
        T(test_staff_see_the_print_queue),
        cmocka_unit_test(test_screen_codes_are_stable),
        cmocka_unit_test_setup_teardown(test_timings_come_from_the_kiosk_section,
                                        setup_kiosk_timings, teardown),
    };
    return cmocka_run_group_tests_name("flow", tests, NULL, NULL);
}
