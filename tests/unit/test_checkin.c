/* Unit tests for checkin: every outcome of the door's decision, on a real
 * store file and real keys, with time given as an argument. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/checkin.h"
#include "event/roster.h"
#include "util/xalloc.h"
#include "eventfix.h"

struct fixture {
    char *dir;
    struct config *cfg;
    struct store *store;
    struct token_keys *keys;
    struct checkin_context ctx;
};

static int setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof *fx);
    tu_event_open("checkin", NULL, &fx->dir, &fx->cfg, &fx->store, &fx->keys);
    static const struct tu_person people[] = {
        {"P1", "Shin-Gak", "Kang", "FG-MV;Forum", NULL, ATTENDEE_CONFIRMED},
        {"P2", "Forum", "Only", "Forum", NULL, ATTENDEE_CONFIRMED},
        {"P3", "Gone", "Away", "FG-MV;Forum", NULL, ATTENDEE_WITHDRAWN},
    };
    tu_event_import(fx->store, people, sizeof people / sizeof people[0]);
    fx->ctx = (struct checkin_context){fx->cfg, fx->keys, fx->store, "kiosk-test"};
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    tu_event_close(fx->dir, fx->cfg, fx->store, fx->keys);
    free(fx);
    return 0;
}

static int64_t at(const struct fixture *fx, const char *iso)
{
    return tu_at(fx->cfg, iso);
}

static char *signed_for(const struct fixture *fx, const char *id)
{
    char *p;
    assert_int_equal(token_sign_new(fx->keys, fx->cfg->event_id, id, &p, NULL), BK_OK);
    return p;
}

/* Scans id's signed code at time iso and returns the outcome. */
static enum checkin_outcome scan(struct fixture *fx, const char *id, const char *iso,
                                 struct checkin_result *res)
{
    char *p = signed_for(fx, id);
    struct bk_err err = {0};
    assert_int_equal(
        checkin_process(&fx->ctx, p, strlen(p), CHECKIN_CAMERA, at(fx, iso), res, &err), BK_OK);
    free(p);
    return res->outcome;
}

static void test_first_scan_checks_in_and_needs_a_badge(void **state)
{
    struct fixture *fx = *state;
    struct checkin_result res;
    assert_int_equal(scan(fx, "P1", "2023-07-04T08:30", &res), CHECKIN_CHECKED_IN);
    assert_string_equal(res.attendee_id, "P1");
    assert_true(res.has_attendee);
    assert_string_equal(res.attendee.last_name, "Kang");
    assert_true(res.badge_needed);
    assert_string_equal(res.event->code, "FG-MV");
    char day[11];
    assert_string_equal(tz_day_format(res.day, day), "2023-07-04");
    checkin_result_clear(&res);
}

static void test_second_scan_same_day_is_already_checked_in(void **state)
{
    struct fixture *fx = *state;
    struct checkin_result res;
    assert_int_equal(scan(fx, "P1", "2023-07-04T08:30", &res), CHECKIN_CHECKED_IN);
    checkin_result_clear(&res);
    assert_int_equal(scan(fx, "P1", "2023-07-04T15:00", &res), CHECKIN_ALREADY_CHECKED_IN);
    assert_int_equal(res.first_at_ms, at(fx, "2023-07-04T08:30"));
    checkin_result_clear(&res);
    assert_int_equal(scan(fx, "P1", "2023-07-05T08:00", &res), CHECKIN_CHECKED_IN);
    checkin_result_clear(&res);
}

static void test_day_boundary_is_midnight_in_shanghai(void **state)
{
    struct fixture *fx = *state;
    struct checkin_result res;
    /* 15:59Z and 16:01Z on 4 July straddle midnight in Shanghai. */
    assert_int_equal(scan(fx, "P1", "2023-07-04T15:59:00Z", &res), CHECKIN_CHECKED_IN);
    checkin_result_clear(&res);
    assert_int_equal(scan(fx, "P1", "2023-07-04T16:01:00Z", &res), CHECKIN_CHECKED_IN);
    char day[11];
    assert_string_equal(tz_day_format(res.day, day), "2023-07-05");
    checkin_result_clear(&res);
}

static void test_forum_only_on_meeting_day_is_not_registered_today(void **state)
{
    struct fixture *fx = *state;
    struct checkin_result res;
    assert_int_equal(scan(fx, "P2", "2023-07-05T09:00", &res), CHECKIN_NOT_REGISTERED_TODAY);
    checkin_result_clear(&res);
    assert_int_equal(scan(fx, "P2", "2023-07-07T09:00", &res), CHECKIN_CHECKED_IN);
    assert_string_equal(res.event->code, "Forum");
    checkin_result_clear(&res);
}

static void test_withdrawn_person_is_refused(void **state)
{
    struct fixture *fx = *state;
    struct checkin_result res;
    assert_int_equal(scan(fx, "P3", "2023-07-04T09:00", &res), CHECKIN_WITHDRAWN);
    assert_string_equal(res.attendee_id, "P3");
    checkin_result_clear(&res);
}

static void test_valid_code_for_unknown_id_is_unknown(void **state)
{
    struct fixture *fx = *state;
    struct checkin_result res;
    assert_int_equal(scan(fx, "NOBODY", "2023-07-04T09:00", &res), CHECKIN_UNKNOWN);
    assert_false(res.has_attendee);
    checkin_result_clear(&res);
}

static void test_outside_the_event_is_no_event_today(void **state)
{
    struct fixture *fx = *state;
    struct checkin_result res;
    assert_int_equal(scan(fx, "P1", "2023-07-03T09:00", &res), CHECKIN_NO_EVENT_TODAY);
    checkin_result_clear(&res);
    assert_int_equal(scan(fx, "P1", "2023-07-08T09:00", &res), CHECKIN_NO_EVENT_TODAY);
    checkin_result_clear(&res);
}

static void test_hostile_payloads_are_invalid_and_recorded(void **state)
{
    struct fixture *fx = *state;
    char *good = signed_for(fx, "P1");
    char forged[512];
    snprintf(forged, sizeof forged, "%s", good);
    /* Inside the signature: its last character carries padding bits. */
    size_t pos = strlen(forged) - 10;
    forged[pos] = forged[pos] == 'A' ? 'B' : 'A';
    static char big[4000];
    memset(big, 'A', sizeof big - 1);
    const struct {
        const char *p;
        size_t len;
        enum token_reason why;
    } cases[] = {
        {forged, strlen(forged), TOKEN_BAD_SIGNATURE},
        {good, 20, TOKEN_GARBLED},
        {big, sizeof big - 1, TOKEN_TOO_LONG},
        {"BK1.\0\0\0", 7, TOKEN_BINARY},
        {"BK1.\xc3\x28", 6, TOKEN_NOT_UTF8},
        {"", 0, TOKEN_EMPTY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct checkin_result res;
        struct bk_err err = {0};
        assert_int_equal(checkin_process(&fx->ctx, cases[i].p, cases[i].len, CHECKIN_SCANNER,
                                         at(fx, "2023-07-04T09:00"), &res, &err),
                         BK_OK);
        assert_int_equal(res.outcome, CHECKIN_INVALID);
        if (res.reason != cases[i].why)
            fail_msg("case %zu: reason %s", i, token_reason_code(res.reason));
        assert_string_equal(res.attendee_id, "");
        checkin_result_clear(&res);
    }
    free(good);
    struct store_verify v = {0};
    assert_int_equal(store_verify_chain(fx->store, &v, NULL), BK_OK);
    assert_int_equal(v.records, 6);
}

static void test_manual_checkin_takes_the_id(void **state)
{
    struct fixture *fx = *state;
    struct checkin_result res;
    struct bk_err err = {0};
    assert_int_equal(checkin_process(&fx->ctx, "P1\r\n", 4, CHECKIN_MANUAL,
                                     at(fx, "2023-07-06T10:00"), &res, &err),
                     BK_OK);
    assert_int_equal(res.outcome, CHECKIN_CHECKED_IN);
    checkin_result_clear(&res);
    assert_int_equal(checkin_process(&fx->ctx, "P1\x01", 3, CHECKIN_MANUAL,
                                     at(fx, "2023-07-06T10:00"), &res, &err),
                     BK_OK);
    assert_int_equal(res.outcome, CHECKIN_INVALID);
    checkin_result_clear(&res);
}

/* Checks in with P1's badge code for serial at time iso. */
static enum checkin_outcome scan_badge(struct fixture *fx, const char *serial, const char *iso,
                                       struct checkin_result *res)
{
    char *p = signed_for(fx, "P1");
    char *badge = token_badge_payload_new(serial, p);
    struct bk_err err = {0};
    assert_int_equal(checkin_process(&fx->ctx, badge, strlen(badge), CHECKIN_SCANNER,
                                     at(fx, iso), res, &err),
                     BK_OK);
    free(badge);
    free(p);
    return res->outcome;
}

static void test_badge_code_checks_in_and_reports_its_serial(void **state)
{
    struct fixture *fx = *state;
    char serial[TOKEN_SERIAL_LEN + 1];
    token_new_serial(serial);
    assert_int_equal(store_badge_add(fx->store, "P1", serial, NULL, "k", 1, NULL, NULL), BK_OK);
    struct checkin_result res;
    assert_int_equal(scan_badge(fx, serial, "2023-07-05T09:00", &res), CHECKIN_CHECKED_IN);
    assert_string_equal(res.badge_serial, serial);
    assert_string_equal(res.attendee_id, "P1");
    checkin_result_clear(&res);
}

static void test_replaced_badge_is_invalid(void **state)
{
    struct fixture *fx = *state;
    char old[TOKEN_SERIAL_LEN + 1], current[TOKEN_SERIAL_LEN + 1];
    token_new_serial(old);
    do
        token_new_serial(current);
    while (strcmp(old, current) == 0);
    assert_int_equal(store_badge_add(fx->store, "P1", old, NULL, "k", 1, NULL, NULL), BK_OK);
    assert_int_equal(store_badge_add(fx->store, "P1", current, "lost", "desk", 2, NULL, NULL),
                     BK_OK);
    struct checkin_result res;
    assert_int_equal(scan_badge(fx, old, "2023-07-05T09:00", &res), CHECKIN_INVALID);
    assert_int_equal(res.reason, TOKEN_REPLACED);
    assert_string_equal(token_reason_code(res.reason), "replaced");
    checkin_result_clear(&res);
    assert_int_equal(scan_badge(fx, current, "2023-07-05T09:01", &res), CHECKIN_CHECKED_IN);
    checkin_result_clear(&res);
}

/* Issue 10, finding 5: a serial that is none of the person's badges, in
 * front of their real code, is refused with its own reason; so is a
 * preview's QR, whatever it carries. A badge cancelled before it printed
 * (its job may still have come out) is replaced, not unknown. */
static void test_a_serial_not_of_the_person_or_a_preview_is_invalid(void **state)
{
    struct fixture *fx = *state;
    struct checkin_result res;
    assert_int_equal(scan_badge(fx, "MADEUP", "2023-07-05T09:00", &res), CHECKIN_INVALID);
    assert_int_equal(res.reason, TOKEN_UNKNOWN_SERIAL);
    assert_string_equal(token_reason_code(res.reason), "unknown_serial");
    checkin_result_clear(&res);
    assert_int_equal(scan_badge(fx, TOKEN_PREVIEW_SERIAL, "2023-07-05T09:01", &res),
                     CHECKIN_INVALID);
    assert_int_equal(res.reason, TOKEN_PREVIEW);
    assert_string_equal(token_reason_code(res.reason), "preview");
    checkin_result_clear(&res);
    /* P2's badge behind P1's code is not P1's badge either. */
    assert_int_equal(store_badge_add(fx->store, "P2", "PTWOXX", NULL, "k", 1, NULL, NULL), BK_OK);
    assert_int_equal(scan_badge(fx, "PTWOXX", "2023-07-05T09:02", &res), CHECKIN_INVALID);
    assert_int_equal(res.reason, TOKEN_UNKNOWN_SERIAL);
    checkin_result_clear(&res);
    int64_t id = 0;
    assert_int_equal(store_badge_add(fx->store, "P1", "CANCEL", NULL, "k", 1, &id, NULL), BK_OK);
    assert_int_equal(store_badge_update(fx->store, id, STORE_BADGE_PENDING, STORE_BADGE_CANCELLED,
                                        NULL, 0, NULL, 2, NULL),
                     BK_OK);
    assert_int_equal(store_badge_add(fx->store, "P1", "NEWONE", "lost", "k", 3, NULL, NULL), BK_OK);
    assert_int_equal(scan_badge(fx, "CANCEL", "2023-07-05T09:03", &res), CHECKIN_INVALID);
    assert_int_equal(res.reason, TOKEN_REPLACED);
    checkin_result_clear(&res);
    assert_int_equal(scan_badge(fx, "NEWONE", "2023-07-05T09:04", &res), CHECKIN_CHECKED_IN);
    checkin_result_clear(&res);
}

struct badge_rows {
    size_t pending, all;
    char serial[TOKEN_SERIAL_LEN + 1];
};

static int note_badge_row(void *ctx, const struct store_badge *b)
{
    struct badge_rows *r = ctx;
    r->all++;
    if (b->status == STORE_BADGE_PENDING)
        r->pending++;
    snprintf(r->serial, sizeof r->serial, "%s", b->serial);
    return 0;
}

/* Issue 10, finding 8: the check-in records the badge it owes, once; a
 * second check-in (another day, or the same day) owes none while it waits,
 * but still says a badge is needed until one printed (finding 7). */
static void test_a_checkin_records_the_badge_it_owes_once(void **state)
{
    struct fixture *fx = *state;
    struct checkin_result res;
    assert_int_equal(scan(fx, "P1", "2023-07-04T08:30", &res), CHECKIN_CHECKED_IN);
    assert_true(res.owed_badge > 0);
    char serial[TOKEN_SERIAL_LEN + 1];
    snprintf(serial, sizeof serial, "%s", res.owed_serial);
    checkin_result_clear(&res);
    assert_int_equal(scan(fx, "P1", "2023-07-04T09:30", &res), CHECKIN_ALREADY_CHECKED_IN);
    assert_int_equal(res.owed_badge, 0);
    assert_true(res.badge_needed);
    checkin_result_clear(&res);
    struct badge_rows rows = {0};
    assert_int_equal(store_foreach_badge(fx->store, "P1", note_badge_row, &rows, NULL), BK_OK);
    assert_int_equal(rows.all, 1);
    assert_int_equal(rows.pending, 1);
    assert_string_equal(rows.serial, serial);
    /* Refusals owe nothing. */
    assert_int_equal(scan(fx, "P3", "2023-07-04T09:30", &res), CHECKIN_WITHDRAWN);
    assert_int_equal(res.owed_badge, 0);
    checkin_result_clear(&res);
}

/* The reasons logged in the event log, in order, one per scan. */
struct logged {
    char detail[16][32];
    char outcome[16][32];
    bool with_attendee[16];
    size_t n;
};

static int note_event(void *ctx, const struct store_event *ev)
{
    struct logged *l = ctx;
    if (l->n < 16) {
        snprintf(l->detail[l->n], sizeof l->detail[0], "%s", ev->detail ? ev->detail : "");
        snprintf(l->outcome[l->n], sizeof l->outcome[0], "%s", ev->outcome);
        l->with_attendee[l->n] = ev->attendee != NULL;
    }
    l->n++;
    return 0;
}

/* Every kind of hostile code the issue lists is refused as invalid and is in
 * the event log with its reason, so the door's history shows what was
 * tried: forged, truncated, overlong, binary, NUL bytes, a retired key,
 * another event's key. */
static void test_hostile_codes_are_logged_with_their_reason(void **state)
{
    struct fixture *fx = *state;
    char *old = signed_for(fx, "P1");
    char *keys = tu_path_new(fx->dir, "keys");
    struct bk_err err = {0};
    assert_int_equal(token_keygen(keys, 1, NULL, &err), BK_OK);
    token_keys_free(fx->keys);
    assert_int_equal(token_keys_load(keys, &fx->keys, &err), BK_OK);
    fx->ctx.keys = fx->keys;
    free(keys);
    char *foreign = NULL;
    assert_int_equal(token_sign_new(fx->keys, "another-event", "P1", &foreign, NULL), BK_OK);
    char *good = signed_for(fx, "P1");
    char forged[512];
    snprintf(forged, sizeof forged, "%s", good);
    forged[strlen(forged) - 10] = forged[strlen(forged) - 10] == 'A' ? 'B' : 'A';
    static char overlong[TOKEN_PAYLOAD_MAX + 2];
    memset(overlong, 'A', sizeof overlong - 1);
    char with_nul[200];
    size_t nul_len = strlen(good);
    memcpy(with_nul, good, nul_len);
    with_nul[20] = '\0';
    const struct {
        const char *p;
        size_t len;
        const char *reason;
    } cases[] = {
        {forged, strlen(forged), "bad_signature"},
        {good, strlen(good) - 30, "garbled"},
        {overlong, sizeof overlong - 1, "too_long"},
        {"\x89PNG\r\n\x1a\n\x00\x00", 10, "binary"},
        {with_nul, nul_len, "binary"},
        {old, strlen(old), "unknown_key"},
        {foreign, strlen(foreign), "bad_signature"},
    };
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        struct checkin_result res;
        assert_int_equal(checkin_process(&fx->ctx, cases[i].p, cases[i].len, CHECKIN_CAMERA,
                                         at(fx, "2023-07-04T09:00"), &res, &err),
                         BK_OK);
        assert_int_equal(res.outcome, CHECKIN_INVALID);
        checkin_result_clear(&res);
    }
    struct logged l = {0};
    assert_int_equal(store_foreach_scan(fx->store, note_event, &l, &err), BK_OK);
    assert_int_equal(l.n, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(l.outcome[i], "invalid");
        if (strcmp(l.detail[i], cases[i].reason) != 0)
            fail_msg("case %zu logged '%s', expected '%s'", i, l.detail[i], cases[i].reason);
        assert_false(l.with_attendee[i]); /* a refused code names nobody */
    }
    /* The current key still works after all that. */
    struct checkin_result res;
    assert_int_equal(checkin_process(&fx->ctx, good, strlen(good), CHECKIN_CAMERA,
                                     at(fx, "2023-07-04T09:01"), &res, &err),
                     BK_OK);
    assert_int_equal(res.outcome, CHECKIN_CHECKED_IN);
    checkin_result_clear(&res);
    free(old);
    free(foreign);
    free(good);
}

/* Issue 11, finding 11: the desk may check in, as an exception, someone the
 * rules refuse only for their registration; it is a counted check-in whose
 * event says "override". Nothing else is overridden. A table of cases. */
static void test_the_desk_overrides_only_a_registration(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        const char *id, *when;
        enum checkin_outcome outcome;
        bool overridden;
    } cases[] = {
        {"P2", "2023-07-05T09:00", CHECKIN_CHECKED_IN, true},   /* Forum only, FG-MV day */
        {"P2", "2023-07-05T09:30", CHECKIN_ALREADY_CHECKED_IN, true},
        {"P1", "2023-07-05T09:00", CHECKIN_CHECKED_IN, false},  /* registered: no exception */
        {"P3", "2023-07-05T09:00", CHECKIN_WITHDRAWN, false},   /* withdrawn stays refused */
        {"P9", "2023-07-05T09:00", CHECKIN_UNKNOWN, false},
        {"P2", "2023-07-10T09:00", CHECKIN_NO_EVENT_TODAY, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct checkin_result res;
        assert_int_equal(
            checkin_override(&fx->ctx, cases[i].id, at(fx, cases[i].when), &res, NULL), BK_OK);
        if (res.outcome != cases[i].outcome || res.overridden != cases[i].overridden)
            fail_msg("case %zu: %s, overridden %d", i, checkin_outcome_code(res.outcome),
                     res.overridden);
        checkin_result_clear(&res);
    }
    struct logged l = {0};
    assert_int_equal(store_foreach_scan(fx->store, note_event, &l, NULL), BK_OK);
    assert_string_equal(l.outcome[0], "checked_in");
    assert_string_equal(l.detail[0], CHECKIN_OVERRIDE_DETAIL);
    assert_string_equal(l.detail[2], "");
    /* Without the override the door's rule holds. */
    struct checkin_result res;
    assert_int_equal(scan(fx, "P2", "2023-07-06T09:00", &res), CHECKIN_NOT_REGISTERED_TODAY);
    assert_false(res.overridden);
    checkin_result_clear(&res);
}

/* Where a person stands, for the desk's search: in or not, their parts that
 * day, and whether a check-in would need the desk's exception. */
static void test_standing_says_parts_and_exceptions(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        const char *id, *day;
        bool in;
        enum checkin_outcome would_be;
        size_t n_parts;
        bool override;
    } cases[] = {
        {"P1", "2023-07-04", false, CHECKIN_CHECKED_IN, 1, false},
        {"P1", "2023-07-04", true, CHECKIN_ALREADY_CHECKED_IN, 1, false},
        {"P2", "2023-07-04", false, CHECKIN_NOT_REGISTERED_TODAY, 0, true},
        {"P2", "2023-07-07", false, CHECKIN_CHECKED_IN, 1, false},
        {"P3", "2023-07-04", false, CHECKIN_WITHDRAWN, 1, false},
        {"P1", "2023-07-10", false, CHECKIN_NO_EVENT_TODAY, 0, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct attendee a = {0};
        assert_int_equal(store_get_attendee(fx->store, cases[i].id, &a, NULL), BK_OK);
        char iso[32];
        snprintf(iso, sizeof iso, "%sT12:00", cases[i].day);
        struct checkin_standing st;
        checkin_standing(fx->cfg, &a, tz_local_day(fx->cfg->tz, at(fx, iso), NULL), cases[i].in,
                         &st);
        if (st.would_be != cases[i].would_be || st.n_parts != cases[i].n_parts ||
            st.override_allowed != cases[i].override)
            fail_msg("case %zu: %s, %zu parts, override %d", i, checkin_outcome_code(st.would_be),
                     st.n_parts, st.override_allowed);
        if (st.n_parts)
            assert_string_equal(st.parts[0]->code, i == 3 ? "Forum" : "FG-MV");
        attendee_clear(&a);
    }
}

/* "BKB:" with a serial that breaks off is no badge code: the result must
 * not report half a serial (a fuzzer found it did). */
static void test_broken_badge_prefix_reports_no_serial(void **state)
{
    struct fixture *fx = *state;
    char *good = signed_for(fx, "P1");
    char *p = xasprintf("BKB:AB K2E:%s", good);
    struct checkin_result res;
    struct bk_err err = {0};
    assert_int_equal(checkin_process(&fx->ctx, p, strlen(p), CHECKIN_SCANNER,
                                     at(fx, "2023-07-04T09:00"), &res, &err),
                     BK_OK);
    assert_int_equal(res.outcome, CHECKIN_INVALID);
    assert_string_equal(res.badge_serial, "");
    checkin_result_clear(&res);
    free(p);
    free(good);
}

static void test_new_serials_are_base32_and_differ(void **state)
{
    (void)state;
    char a[TOKEN_SERIAL_LEN + 1], b[TOKEN_SERIAL_LEN + 1];
    token_new_serial(a);
    token_new_serial(b);
    assert_int_equal(strlen(a), TOKEN_SERIAL_LEN);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), TOKEN_SERIAL_LEN);
    assert_string_not_equal(a, b); /* 2^30 possibilities: equal only by a broken RNG */
}

static void test_outcome_codes_are_stable(void **state)
{
    (void)state;
    assert_string_equal(checkin_outcome_code(CHECKIN_CHECKED_IN), "checked_in");
    assert_string_equal(checkin_outcome_code(CHECKIN_ALREADY_CHECKED_IN), "already_checked_in");
    assert_string_equal(checkin_outcome_code(CHECKIN_NOT_REGISTERED_TODAY),
                        "not_registered_today");
    assert_string_equal(checkin_outcome_code(CHECKIN_WITHDRAWN), "withdrawn");
    assert_string_equal(checkin_outcome_code(CHECKIN_UNKNOWN), "unknown");
    assert_string_equal(checkin_outcome_code(CHECKIN_INVALID), "invalid");
    assert_string_equal(checkin_outcome_code(CHECKIN_NO_EVENT_TODAY), "no_event_today");
    assert_string_equal(checkin_method_code(CHECKIN_MANUAL), "manual");
}


/* ---- [qr] mode = export: the registration system's own codes ---- */

/* A pretix_sig1-shaped secret (long, mixed case, '+', '/', '=') and random
 * ones, one ticket each; an order of two; a cancelled ticket; a day ticket. */
#define SIG1_CODE                                                                                  \
    "=sq+JcCC2qZEynrBQNYLOPG5IDYgS3q8ypPK0ZO3PiXdz8i8W37yPbZLQrcWoJv/Y4txedZFTrcOcREcVqYft"       \
    "YIAgAAGDABNydWOyFWYkZXCKAEARAQA"

/* The test event with the parts' ticket names and the export's columns
 * (whole: a section may be given once). */
static const char export_ini[] = "[event]\n"
                                 "id = fgmv2-test\n"
                                 "title = Test\n"
                                 "timezone = Asia/Shanghai\n"
                                 "[part FG-MV]\n"
                                 "first_day = 2023-07-04\n"
                                 "last_day = 2023-07-06\n"
                                 "aliases = Meeting ticket, Full pass\n"
                                 "[part Forum]\n"
                                 "first_day = 2023-07-07\n"
                                 "last_day = 2023-07-07\n"
                                 "aliases = Forum ticket, Full pass\n"
                                 "[roster]\n"
                                 "id = Registration ID\n"
                                 "first_name = First Name\n"
                                 "last_name = Last Name\n"
                                 "code = Code\n"
                                 "events = Product\n"
                                 "status = Blocked\n"
                                 "confirmed = No\n"
                                 "withdrawn = Yes\n"
                                 "valid_from = Valid from\n"
                                 "valid_until = Valid until\n"
                                 "[qr]\n"
                                 "mode = export\n";

static int setup_export(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof *fx);
    tu_event_open_ini("checkin-export", export_ini, &fx->dir, &fx->cfg, &fx->store, &fx->keys);
    char *csv = tu_path_new(fx->dir, "pretix.csv");
    tu_write_text(csv, "Registration ID,First Name,Last Name,Product,Code,Blocked,Valid from,"
                       "Valid until\r\n"
                       "Q7RZA,Ada,Lovelace,Full pass," SIG1_CODE ",,,\r\n"
                       "K3M9X,Shin-Gak,Kang,Meeting ticket,k3m9xq2hvn8wtpa4,,,\r\n"
                       "K3M9X,Per,Fröjdh,Forum ticket,p7ht3mdw,,,\r\n"
                       "TT4WQ,Jonas,Weber,Meeting ticket,tt4wqzzz9999,Yes,,\r\n"
                       "D2Y6H,Fatima,Al-Sayed,Meeting ticket,d2y6hday,,2023-07-05 00:00,"
                       "2023-07-05 23:59\r\n");
    struct roster *r = NULL;
    struct bk_err err = {0};
    if (roster_read(fx->cfg, csv, &r, &err) != BK_OK || store_import(fx->store, r, NULL, NULL, &err))
        fail_msg("export: %s", err.msg);
    roster_free(r);
    free(csv);
    token_keys_free(fx->keys); /* export mode needs no keys */
    fx->keys = NULL;
    fx->ctx = (struct checkin_context){fx->cfg, NULL, fx->store, "kiosk-test"};
    *state = fx;
    return 0;
}

static enum checkin_outcome scan_code(struct fixture *fx, const char *code, size_t len,
                                      const char *iso, struct checkin_result *res)
{
    struct bk_err err = {0};
    assert_int_equal(
        checkin_process(&fx->ctx, code, len, CHECKIN_SCANNER, at(fx, iso), res, &err), BK_OK);
    return res->outcome;
}

static void test_export_codes_follow_the_door_rules(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        const char *what, *code, *iso;
        enum checkin_outcome want;
        const char *id; /* "" when nobody */
    } cases[] = {
        {"signed pretix secret", SIG1_CODE, "2023-07-04T09:00", CHECKIN_CHECKED_IN, "Q7RZA"},
        {"scanner's line end", SIG1_CODE "\r\n", "2023-07-04T09:05", CHECKIN_ALREADY_CHECKED_IN,
         "Q7RZA"},
        {"full pass on the forum day", SIG1_CODE, "2023-07-07T09:00", CHECKIN_CHECKED_IN,
         "Q7RZA"},
        {"random secret", "k3m9xq2hvn8wtpa4", "2023-07-04T09:10", CHECKIN_CHECKED_IN, ""},
        {"forum ticket on a meeting day", "p7ht3mdw", "2023-07-04T09:10",
         CHECKIN_NOT_REGISTERED_TODAY, ""},
        {"blocked ticket", "tt4wqzzz9999", "2023-07-04T09:10", CHECKIN_WITHDRAWN, "TT4WQ"},
        {"day ticket, other day", "d2y6hday", "2023-07-04T09:10", CHECKIN_NOT_REGISTERED_TODAY,
         "D2Y6H"},
        {"day ticket, its day", "d2y6hday", "2023-07-05T09:10", CHECKIN_CHECKED_IN, "D2Y6H"},
        {"case differs", "K3M9XQ2HVN8WTPA4", "2023-07-04T09:20", CHECKIN_UNKNOWN, ""},
        {"one character short", "p7ht3md", "2023-07-04T09:20", CHECKIN_UNKNOWN, ""},
        {"one character more", "p7ht3mdww", "2023-07-04T09:20", CHECKIN_UNKNOWN, ""},
        {"a trailing space is part of it", "p7ht3mdw ", "2023-07-04T09:20", CHECKIN_UNKNOWN, ""},
        {"the order code is no code", "K3M9X", "2023-07-04T09:20", CHECKIN_UNKNOWN, ""},
        {"after the event", SIG1_CODE, "2023-07-08T09:00", CHECKIN_NO_EVENT_TODAY, "Q7RZA"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct checkin_result res;
        enum checkin_outcome got =
            scan_code(fx, cases[i].code, strlen(cases[i].code), cases[i].iso, &res);
        if (got != cases[i].want || (cases[i].id[0] && strcmp(res.attendee_id, cases[i].id)))
            fail_msg("%s: %s for '%s', want %s", cases[i].what, checkin_outcome_code(got),
                     res.attendee_id, checkin_outcome_code(cases[i].want));
        if (got == CHECKIN_UNKNOWN)
            assert_string_equal(res.attendee_id, ""); /* never the code itself */
        checkin_result_clear(&res);
    }
}

/* Codes are secrets: an unknown one is logged as "no_such_code", and no
 * event of the log holds any part of a scanned code. */
static void test_export_codes_never_reach_the_log(void **state)
{
    struct fixture *fx = *state;
    const char *codes[] = {SIG1_CODE, "not-a-ticket-code", "k3m9xq2hvn8wtpa4",
                           "BKB:ABCDEF:" SIG1_CODE, "tt4wqzzz9999"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        struct checkin_result res;
        scan_code(fx, codes[i], strlen(codes[i]), "2023-07-04T09:00", &res);
        checkin_result_clear(&res);
    }
    struct logged l = {0};
    assert_int_equal(store_foreach_scan(fx->store, note_event, &l, NULL), BK_OK);
    assert_int_equal(l.n, 5);
    assert_string_equal(l.outcome[1], "unknown");
    assert_string_equal(l.detail[1], "no_such_code");
    assert_false(l.with_attendee[1]);
    for (size_t i = 0; i < l.n; i++)
        for (size_t c = 0; c < sizeof codes / sizeof codes[0]; c++)
            assert_null(strstr(l.detail[i], codes[c] + (codes[c][0] == 'B' ? 11 : 0)));
}

/* A badge printed in export mode carries the code behind its serial: it
 * checks in like the mailed code and names its serial. A serial that is
 * none of the person's badges does not (issue 10, finding 5). */
static void test_export_badge_code_checks_in(void **state)
{
    struct fixture *fx = *state;
    char *badge = token_badge_payload_new("ABCDEF", "k3m9xq2hvn8wtpa4");
    struct checkin_result res;
    assert_int_equal(scan_code(fx, badge, strlen(badge), "2023-07-04T09:00", &res),
                     CHECKIN_INVALID);
    assert_int_equal(res.reason, TOKEN_UNKNOWN_SERIAL);
    checkin_result_clear(&res);
    char id[ATTENDEE_ID_MAX + 1];
    const char *code = "k3m9xq2hvn8wtpa4";
    assert_int_equal(store_find_code(fx->store, code, strlen(code), id, sizeof id, NULL), BK_OK);
    assert_int_equal(store_badge_add(fx->store, id, "ABCDEF", NULL, "k", 1, NULL, NULL), BK_OK);
    assert_int_equal(scan_code(fx, badge, strlen(badge), "2023-07-04T09:00", &res),
                     CHECKIN_CHECKED_IN);
    assert_string_equal(res.badge_serial, "ABCDEF");
    assert_true(strncmp(res.attendee_id, "K3M9X-", 6) == 0);
    checkin_result_clear(&res);
    free(badge);
    /* Hostile input is refused before any look-up. */
    static char overlong[TOKEN_PAYLOAD_MAX + 2];
    memset(overlong, 'a', sizeof overlong - 1);
    assert_int_equal(scan_code(fx, overlong, sizeof overlong - 1, "2023-07-04T09:00", &res),
                     CHECKIN_INVALID);
    assert_int_equal(res.reason, TOKEN_TOO_LONG);
    assert_int_equal(scan_code(fx, "ab\0cd", 5, "2023-07-04T09:00", &res), CHECKIN_INVALID);
    assert_int_equal(res.reason, TOKEN_BINARY);
    assert_int_equal(scan_code(fx, "\r\n", 2, "2023-07-04T09:00", &res), CHECKIN_INVALID);
    assert_int_equal(res.reason, TOKEN_EMPTY);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TX(f) cmocka_unit_test_setup_teardown(f, setup_export, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_first_scan_checks_in_and_needs_a_badge),
        T(test_hostile_codes_are_logged_with_their_reason),
        T(test_broken_badge_prefix_reports_no_serial),
        T(test_second_scan_same_day_is_already_checked_in),
        T(test_day_boundary_is_midnight_in_shanghai),
        T(test_forum_only_on_meeting_day_is_not_registered_today),
        T(test_withdrawn_person_is_refused),
        T(test_valid_code_for_unknown_id_is_unknown),
        T(test_outside_the_event_is_no_event_today),
        T(test_hostile_payloads_are_invalid_and_recorded),
        T(test_manual_checkin_takes_the_id),
        T(test_badge_code_checks_in_and_reports_its_serial),
        T(test_replaced_badge_is_invalid),
        TX(test_export_codes_follow_the_door_rules),
        TX(test_export_codes_never_reach_the_log),
        TX(test_export_badge_code_checks_in),
        T(test_a_serial_not_of_the_person_or_a_preview_is_invalid),
        T(test_a_checkin_records_the_badge_it_owes_once),
        cmocka_unit_test(test_new_serials_are_base32_and_differ),
        cmocka_unit_test(test_outcome_codes_are_stable),
        T(test_the_desk_overrides_only_a_registration),
        T(test_standing_says_parts_and_exceptions),
    };
    return cmocka_run_group_tests_name("checkin", tests, NULL, NULL);
}
